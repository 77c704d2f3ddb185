import type { App, BlockAction, ButtonAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { alertActionIds, alertCommandActionIds } from '../../../alerts/actions.ts';
import { reminderActionIds } from '../../../core/reminder-buttons.ts';
import { createAlertAction, type AlertActionDeps } from './alert-buttons.ts';
import { createAlertCommandAction, type AlertCommandActionDeps } from './alert-command-buttons.ts';
import { createReminderAction, type ReminderActionDeps } from './reminder-buttons.ts';

type ButtonListener = Middleware<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>>;

/**
 * One listener for each action_id of a table, each registered as a string: Bolt compares strings,
 * but calls `action_id.match` for a RegExp, which throws on a payload whose action_id is not a string.
 */
function onEach(app: App, actionIds: readonly string[], listener: ButtonListener): void {
  for (const actionId of actionIds) app.action<BlockAction<ButtonAction>>(actionId, listener);
}

/** The buttons on alert messages (the one table in app/src/alerts/actions.ts). */
export function register(app: App, deps: AlertActionDeps): void {
  onEach(app, alertActionIds, createAlertAction(deps));
}

/** The buttons of `/alerts` and `/silences` answers. */
export function registerCommandActions(app: App, deps: AlertCommandActionDeps): void {
  onEach(app, alertCommandActionIds, createAlertCommandAction(deps));
}

/** The buttons on reminder lines (the one table in app/src/core/reminder-buttons.ts). */
export function registerReminderButtons(app: App, deps: ReminderActionDeps): void {
  onEach(app, reminderActionIds, createReminderAction(deps));
}
