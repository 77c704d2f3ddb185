import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { alertActionIds } from '../../../alerts/actions.ts';
import { homeActionIds } from '../../../core/home.ts';
import type { HomeDeps } from '../../home.ts';
import { createAlertAction, type AlertActionDeps } from './alert-buttons.ts';
import { createOpenSettings, createUnsnooze } from './home.ts';

/** Every alert button's action_id (the one table in app/src/alerts/actions.ts). */
export const alertActionPattern = new RegExp(`^(${alertActionIds.join('|')})$`);

export function register(app: App, deps: AlertActionDeps): void {
  app.action<BlockAction<ButtonAction>>(alertActionPattern, createAlertAction(deps));
}

export function registerHome(app: App, deps: HomeDeps): void {
  app.action<BlockAction<ButtonAction>>(homeActionIds.openSettings, createOpenSettings(deps));
  app.action<BlockAction<ButtonAction>>(homeActionIds.unsnooze, createUnsnooze(deps));
}
