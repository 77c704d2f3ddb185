import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { alertActionIds } from '../../../alerts/actions.ts';
import { reminderActionIds } from '../../../core/reminder-buttons.ts';
import { createAlertAction, type AlertActionDeps } from './alert-buttons.ts';
import { createReminderAction, type ReminderActionDeps } from './reminder-buttons.ts';

/** Every alert button's action_id (the one table in app/src/alerts/actions.ts). */
export const alertActionPattern = new RegExp(`^(${alertActionIds.join('|')})$`);

/** Every reminder button's action_id (the one table in app/src/core/reminder-buttons.ts). */
export const reminderActionPattern = new RegExp(`^(${reminderActionIds.join('|')})$`);

export function register(app: App, deps: AlertActionDeps): void {
  app.action<BlockAction<ButtonAction>>(alertActionPattern, createAlertAction(deps));
}

export function registerReminderButtons(app: App, deps: ReminderActionDeps): void {
  app.action<BlockAction<ButtonAction>>(reminderActionPattern, createReminderAction(deps));
}
