// The App Home's buttons: "Edit settings" opens the settings modal (views.open, within the
// click's trigger_id life of 3 s), "Unsnooze" ends one of the person's snoozes and republishes.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseUnsnoozeValue, renderSettingsModal } from '../../../core/home.ts';
import { defaultTimeZone, publishHome, type HomeDeps } from '../../home.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function createOpenSettings(deps: HomeDeps) {
  return async function openSettings({ ack, body, client }: ButtonArgs): Promise<void> {
    await ack();
    const user = body.user.id;
    try {
      const settings = await deps.settings.get(user);
      await client.views.open({ trigger_id: body.trigger_id, view: renderSettingsModal(settings, defaultTimeZone(deps.config)) });
    } catch (error) {
      deps.logger.error({ err: error, user }, 'could not open the reminder settings');
    }
  };
}

export function createUnsnooze(deps: HomeDeps) {
  return async function unsnooze({ ack, body, action, client }: ButtonArgs): Promise<void> {
    await ack();
    const user = body.user.id;
    const logger = deps.logger.child({ action: action.action_id, user });
    const target = parseUnsnoozeValue(action.value ?? '');
    if (!target || !deps.choices) {
      logger.warn({ value: action.value }, 'Unsnooze clicked with a value this app did not render');
      return;
    }
    try {
      // Only the person's own snoozes: their DMs', or a channel's they chose.
      const theirs = (await deps.choices.list([target.scope])).some(
        (c) => c.kind === 'snooze' && c.by === user && c.repository === target.repository && c.number === target.number,
      );
      if (theirs) await deps.choices.unsnooze(target.scope, { repository: target.repository, number: target.number });
      logger.info({ pr: `${target.repository}#${target.number}`, scope: target.scope, ended: theirs }, 'unsnooze clicked');
      await publishHome(client, deps, user);
    } catch (error) {
      logger.error({ err: error }, 'unsnooze failed');
    }
  };
}
