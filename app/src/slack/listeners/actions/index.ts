import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { alertActionIds } from '../../../alerts/actions.ts';
import { createAlertAction, type AlertActionDeps } from './alert-buttons.ts';

/** Every alert button's action_id (the one table in app/src/alerts/actions.ts). */
export const alertActionPattern = new RegExp(`^(${alertActionIds.join('|')})$`);

export function register(app: App, deps: AlertActionDeps): void {
  app.action<BlockAction<ButtonAction>>(alertActionPattern, createAlertAction(deps));
}
