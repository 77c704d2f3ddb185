import type { App } from '@slack/bolt';
import type { AlertButtons } from '../../alerts/buttons.ts';
import * as actions from './actions/index.ts';
import * as commands from './commands/index.ts';
import type { PrsCommandDeps } from './commands/prs.ts';

export interface ListenerDeps extends PrsCommandDeps {
  /** with an `alerts` section: the buttons on alert messages */
  alertButtons?: Pick<AlertButtons, 'click'>;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  commands.register(app, deps);
  if (deps.alertButtons) actions.register(app, { buttons: deps.alertButtons, logger: deps.logger });
}
