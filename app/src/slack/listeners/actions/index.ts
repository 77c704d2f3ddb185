import type { App, BlockAction, ButtonAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { alertActionIds, alertCommandActionIds } from '../../../alerts/actions.ts';
import { homeActionIds } from '../../../core/home.ts';
import { reminderActionIds } from '../../../core/reminder-buttons.ts';
import type { HomeDeps } from '../../home.ts';
import { createAlertAction, type AlertActionDeps } from './alert-buttons.ts';
import { createAlertCommandAction, type AlertCommandActionDeps } from './alert-command-buttons.ts';
import { createOpenSettings, createUnsnooze } from './home.ts';
import { createReminderAction, type ReminderActionDeps } from './reminder-buttons.ts';

type ButtonListener = Middleware<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>>;

export function registerHome(app: App, deps: HomeDeps): void {
  app.action<BlockAction<ButtonAction>>(homeActionIds.openSettings, createOpenSettings(deps));
  app.action<BlockAction<ButtonAction>>(homeActionIds.unsnooze, createUnsnooze(deps));
}

/**
 * One listener for each action_id of a table, each registered as a string: Bolt compares strings,
 * but calls `action_id.match` for a RegExp, which throws on a payload whose action_id is not a string.
 * These buttons sit on messages, whose clicks Slack always sends with a response_url (Bolt's
 * respond()); a signed click without one (a forged body) is acknowledged and not acted on.
 */
function onEach(app: App, actionIds: readonly string[], listener: ButtonListener, logger: Logger): void {
  const guarded: ButtonListener = async (args) => {
    if (!args.body.response_url) {
      await args.ack();
      logger.warn({ 'event.action': args.action.action_id, 'user.id': args.body.user.id }, 'button click without a response_url: not acted on');
      return;
    }
    await listener(args);
  };
  for (const actionId of actionIds) app.action<BlockAction<ButtonAction>>(actionId, guarded);
}

/** The buttons on alert messages (the one table in app/src/alerts/actions.ts). */
export function register(app: App, deps: AlertActionDeps): void {
  onEach(app, alertActionIds, createAlertAction(deps), deps.logger);
}

/** The buttons of `/alerts` and `/silences` answers. */
export function registerCommandActions(app: App, deps: AlertCommandActionDeps): void {
  onEach(app, alertCommandActionIds, createAlertCommandAction(deps), deps.logger);
}

/** The buttons on reminder lines (the one table in app/src/core/reminder-buttons.ts). */
export function registerReminderButtons(app: App, deps: ReminderActionDeps): void {
  onEach(app, reminderActionIds, createReminderAction(deps), deps.logger);
}
