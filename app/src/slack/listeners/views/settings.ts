// The settings modal submitted: invalid fields go back to Slack named by block (the modal stays
// open with each message under its field); valid settings are saved, then the Home republished.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readSettingsForm, settingsBlocks, settingsErrors, type SubmittedValue } from '../../../core/home.ts';
import { validateSettings } from '../../../core/personal-settings.ts';
import { defaultTimeZone, publishHome, type HomeDeps } from '../../home.ts';

export function createSettingsSubmission(deps: HomeDeps) {
  return async function settingsSubmitted({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> {
    const user = body.user.id;
    const logger = deps.logger.child({ view: view.callback_id, user });
    // A payload without state (not one Slack sends) reads as an empty form.
    const input = readSettingsForm((view.state?.values ?? {}) as Record<string, Record<string, SubmittedValue>>);
    const result = validateSettings(user, input, (deps.clock ?? (() => new Date()))(), defaultTimeZone(deps.config));
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: settingsErrors(result.errors) });
      logger.info({ fields: Object.keys(result.errors) }, 'reminder settings refused');
      return;
    }
    try {
      // Saved before the ack, so a failure keeps the modal open and says so.
      await deps.settings.save(result.settings);
    } catch (error) {
      logger.error({ err: error }, 'reminder settings could not be saved');
      await ack({
        response_action: 'errors',
        errors: { [settingsBlocks.timeZone.blockId]: 'Your settings could not be saved just now; please try again in a minute.' },
      });
      return;
    }
    await ack();
    logger.info('reminder settings saved');
    await publishHome(client, deps, user).catch((error: unknown) => logger.error({ err: error }, 'App Home could not be republished'));
  };
}
