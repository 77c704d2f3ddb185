// Clicks on a reminder line's buttons (core/reminder-buttons.ts): ack at once, check the click,
// store the choice (app/src/store/reminder-choices.ts), edit the message in place (chat.update)
// and confirm to the clicking user ephemerally. A refused or failed click stores nothing.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { SlackPoster } from '../../../core/ports.ts';
import { decideClick, markChosen, type ClickDecision } from '../../../core/reminder-buttons.ts';
import type { ReminderChoices } from '../../../core/reminder-choices.ts';

export interface ReminderActionDeps {
  choices: Pick<ReminderChoices, 'snooze' | 'notMine'>;
  poster: SlackPoster;
  logger: Logger;
  clock?: () => Date;
}

type Chosen = Exclude<ClickDecision, { ok: false } | { kind: 'none' }>;

async function store(deps: ReminderActionDeps, decision: Chosen, by: string): Promise<void> {
  if (decision.kind === 'snooze') await deps.choices.snooze(decision.scope, decision.pr, decision.end, by);
  else await deps.choices.notMine(decision.user, decision.pr);
}

export function createReminderAction(deps: ReminderActionDeps) {
  return async function reminderAction({
    ack,
    body,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id ?? '';
    const event = { 'event.action': action.action_id, 'user.id': body.user.id, channel };
    const logger = deps.logger.child({ component: 'reminder-buttons' });
    const decision = decideClick({ actionId: action.action_id, value: action.value, user: body.user.id, channel }, (deps.clock ?? (() => new Date()))());
    if (decision.ok && decision.kind === 'none') return;
    const answer = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!decision.ok) {
      logger.warn({ ...event, 'event.outcome': 'failure', reason: decision.text }, 'reminder button refused');
      await answer(decision.text).catch((error: unknown) => logger.error({ err: error }, 'could not tell the user the click was refused'));
      return;
    }
    try {
      await store(deps, decision, body.user.id);
    } catch (error) {
      logger.error({ ...event, 'event.outcome': 'failure', err: error }, 'reminder choice not stored');
      await answer('That did not work: nothing was changed and the error is in the ChatOps log. Please try again in a minute.').catch((respondError: unknown) =>
        logger.error({ err: respondError }, 'could not tell the user the click failed'),
      );
      return;
    }
    logger.info(
      { ...event, 'event.outcome': 'success', choice: decision.kind, pr: `${decision.pr.repository}#${decision.pr.number}` },
      'reminder choice stored',
    );
    // The choice holds whether or not the message can be edited: the edit only shows it.
    const message = body.message as { ts?: string; text?: string; blocks?: unknown[] } | undefined;
    if (message?.ts && message.blocks) {
      const blocks = markChosen(message.blocks, decision.pr, decision.note);
      await deps.poster
        .call({ method: 'chat.update', args: { channel, ts: message.ts, text: message.text ?? '', blocks } })
        .catch((error: unknown) => logger.warn({ ...event, err: error }, 'reminder choice stored, but the message could not be edited'));
    }
    await answer(decision.text).catch((error: unknown) => logger.error({ err: error }, 'could not confirm the reminder choice to the user'));
  };
}
