import type { App } from '@slack/bolt';
import type { AlertButtons } from '../../alerts/buttons.ts';
import type { AlertCommands } from '../../alerts/commands.ts';
import type { HomeDeps } from '../home.ts';
import type { ReminderChoices } from '../../core/reminder-choices.ts';
import * as actions from './actions/index.ts';
import * as commands from './commands/index.ts';
import type { PrsCommandDeps } from './commands/prs.ts';
import * as events from './events/index.ts';
import * as views from './views/index.ts';

export interface ListenerDeps extends PrsCommandDeps {
  /** with an `alerts` section: the buttons on alert messages */
  alertButtons?: Pick<AlertButtons, 'click'>;
  /** with an `alerts` section: `/alerts`, `/silences`, `/chatops status` and their buttons */
  alertCommands?: Pick<AlertCommands, 'firing' | 'silences' | 'status' | 'click'>;
  /** the App Home: its event, buttons and settings form */
  home?: HomeDeps;
  /** where the reminder buttons store snoozes and "not mine" */
  reminderChoices?: Pick<ReminderChoices, 'snooze' | 'notMine'>;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  commands.register(app, deps);
  if (deps.alertButtons) actions.register(app, { buttons: deps.alertButtons, logger: deps.logger });
  if (deps.alertCommands) actions.registerCommandActions(app, { commands: deps.alertCommands, logger: deps.logger });
  if (deps.home) {
    events.register(app, deps.home);
    actions.registerHome(app, deps.home);
    views.register(app, deps.home);
  }
  if (deps.reminderChoices) {
    actions.registerReminderButtons(app, {
      choices: deps.reminderChoices,
      poster: deps.poster,
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  }
}
