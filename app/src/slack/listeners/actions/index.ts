import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { alertActionIds, alertCommandActionIds } from '../../../alerts/actions.ts';
import { createAlertCommandAction, type AlertCommandActionDeps } from './alert-command-buttons.ts';
import { createAlertAction, type AlertActionDeps } from './alert-buttons.ts';

/** Every alert button's action_id (the one table in app/src/alerts/actions.ts). */
export const alertActionPattern = new RegExp(`^(${alertActionIds.join('|')})$`);

/** The buttons of `/alerts` and `/silences` answers. */
export const alertCommandActionPattern = new RegExp(`^(${alertCommandActionIds.join('|')})$`);

export function register(app: App, deps: AlertActionDeps): void {
  app.action<BlockAction<ButtonAction>>(alertActionPattern, createAlertAction(deps));
}

export function registerCommandActions(app: App, deps: AlertCommandActionDeps): void {
  app.action<BlockAction<ButtonAction>>(alertCommandActionPattern, createAlertCommandAction(deps));
}
