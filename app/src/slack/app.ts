// Wires the Bolt app: the fastify receiver, the Web API pointed at `slack.apiUrl`, listeners.
import { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AlertButtons } from '../alerts/buttons.ts';
import type { AlertCommands } from '../alerts/commands.ts';
import type { Config, Secrets } from '../config/schema.ts';
import type { PersonalSettingsStore, PullRequestSource, SlackPoster } from '../core/ports.ts';
import type { ReminderChoices } from '../core/reminder-choices.ts';
import { SnapshotCache } from '../core/snapshot-cache.ts';
import { slackLogger } from '../logging.ts';
import { registerListeners } from './listeners/index.ts';
import { FastifyReceiver } from './receiver.ts';
import { slackAgent } from './web-api.ts';

export interface SlackAppOptions {
  config: Config;
  secrets: Secrets;
  source: PullRequestSource;
  poster: SlackPoster;
  logger: Logger;
  clock?: () => Date;
  /** with an `alerts` section: what the buttons on alert messages do */
  alertButtons?: Pick<AlertButtons, 'click'>;
  /** with an `alerts` section: `/alerts`, `/silences`, `/chatops status` and their buttons */
  alertCommands?: Pick<AlertCommands, 'firing' | 'silences' | 'status' | 'click'>;
  /** people's reminder settings: with it, the App Home (event, buttons, settings form) is served */
  settings?: PersonalSettingsStore;
  /** snoozes shown in the App Home */
  choices?: Pick<ReminderChoices, 'list' | 'unsnooze'>;
  /** where the reminder buttons store snoozes and "not mine" */
  reminderChoices?: Pick<ReminderChoices, 'snooze' | 'notMine'>;
}

export function createSlackApp(options: SlackAppOptions): { app: App; receiver: FastifyReceiver } {
  const { config, secrets, logger } = options;
  const receiver = new FastifyReceiver({ signingSecret: secrets.slackSigningSecret, logger });
  const agent = slackAgent(config.slack.caFile);
  const app = new App({
    // One workspace, one bot token. A custom authorize keeps Bolt from calling auth.test
    // before each event; readiness checks the token instead.
    authorize: async () => ({ botToken: secrets.slackBotToken }),
    receiver,
    logger: slackLogger(logger),
    // app.client and respond() (response_url) both need the agent that trusts our CA.
    clientOptions: { slackApiUrl: config.slack.apiUrl, ...(agent ? { agent } : {}) },
    ...(agent ? { agent } : {}),
  });
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
  const source = new SnapshotCache(options.source, config.slack.commandCacheSeconds * 1000);
  const clock = options.clock ? { clock: options.clock } : {};
  const home = options.settings
    ? { config, source, settings: options.settings, logger, ...clock, ...(options.choices ? { choices: options.choices } : {}) }
    : undefined;
  registerListeners(app, {
    config,
    source,
    poster: options.poster,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.alertButtons ? { alertButtons: options.alertButtons } : {}),
    ...(options.alertCommands ? { alertCommands: options.alertCommands } : {}),
    ...(home ? { home } : {}),
    ...(options.reminderChoices ? { reminderChoices: options.reminderChoices } : {}),
  });
  return { app, receiver };
}
