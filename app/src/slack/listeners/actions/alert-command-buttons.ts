// Clicks on the buttons of `/alerts` and `/silences` answers: ack at once, do the work
// (app/src/alerts/commands.ts), answer the clicking user ephemerally through response_url.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AlertCommands } from '../../../alerts/commands.ts';

export interface AlertCommandActionDeps {
  commands: Pick<AlertCommands, 'click'>;
  logger: Logger;
}

export function createAlertCommandAction(deps: AlertCommandActionDeps) {
  return async function alertCommandAction({
    ack,
    body,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> {
    await ack();
    const logger = deps.logger.child({ action: action.action_id, user: body.user.id });
    try {
      const answer = await deps.commands.click({
        actionId: action.action_id,
        value: action.value ?? '',
        user: { id: body.user.id, name: body.user.name ?? body.user.username ?? body.user.id },
        channel: body.channel?.id ?? '',
      });
      // After an Expire the list clicked is replaced by the fresh one; otherwise a note beneath it.
      const reply = answer.replacement
        ? { replace_original: true, text: answer.replacement.text, blocks: answer.replacement.blocks }
        : { replace_original: false, text: answer.text };
      await respond({ response_type: 'ephemeral', ...reply });
    } catch (error) {
      logger.error({ err: error }, 'alert command action failed');
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'The action failed; the error is in the ChatOps log. Try again, or act in Alertmanager.',
      }).catch((respondError: unknown) => logger.error({ err: respondError }, 'could not tell the user the action failed'));
    }
  };
}
