// Clicks on an alert message's buttons: ack at once, do the work (app/src/alerts/buttons.ts),
// answer the clicking user ephemerally through response_url.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AlertButtons } from '../../../alerts/buttons.ts';

export interface AlertActionDeps {
  buttons: Pick<AlertButtons, 'click'>;
  logger: Logger;
}

export function createAlertAction(deps: AlertActionDeps) {
  return async function alertAction({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> {
    await ack();
    const logger = deps.logger.child({ action: action.action_id, user: body.user.id });
    try {
      const answer = await deps.buttons.click({
        actionId: action.action_id,
        key: action.value ?? '',
        user: { id: body.user.id, name: body.user.name ?? body.user.username ?? body.user.id },
        channel: body.channel?.id ?? '',
      });
      await respond({ response_type: 'ephemeral', replace_original: false, text: answer.text });
    } catch (error) {
      logger.error({ err: error }, 'alert action failed');
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'The alert action failed; the error is in the ChatOps log. Try again, or act in Alertmanager.',
      }).catch((respondError: unknown) => logger.error({ err: respondError }, 'could not tell the user the alert action failed'));
    }
  };
}
