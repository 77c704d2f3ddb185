import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { alertActionIds } from '../../../alerts/actions.ts';
import { homeActionIds } from '../../../core/home.ts';
import { reminderActionIds } from '../../../core/reminder-buttons.ts';
import type { HomeDeps } from '../../home.ts';
import { createAlertAction, type AlertActionDeps } from './alert-buttons.ts';
import { createOpenSettings, createUnsnooze } from './home.ts';
import { createReminderAction, type ReminderActionDeps } from './reminder-buttons.ts';

/** Every alert button's action_id (the one table in app/src/alerts/actions.ts). */
export const alertActionPattern = new RegExp(`^(${alertActionIds.join('|')})$`);

export function register(app: App, deps: AlertActionDeps): void {
  app.action<BlockAction<ButtonAction>>(alertActionPattern, createAlertAction(deps));
}

export function registerHome(app: App, deps: HomeDeps): void {
  app.action<BlockAction<ButtonAction>>(homeActionIds.openSettings, createOpenSettings(deps));
  app.action<BlockAction<ButtonAction>>(homeActionIds.unsnooze, createUnsnooze(deps));
}

/**
 * Every reminder button's action_id (the one table in app/src/core/reminder-buttons.ts), each as a
 * string: Bolt compares strings, but calls `action_id.match` for a RegExp, which throws on a
 * payload whose action_id is not a string.
 */
export function registerReminderButtons(app: App, deps: ReminderActionDeps): void {
  const listener = createReminderAction(deps);
  for (const actionId of reminderActionIds) app.action<BlockAction<ButtonAction>>(actionId, listener);
}
