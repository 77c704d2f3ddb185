// One logger for the app: pino writing Elastic Common Schema JSON, with two layers of
// redaction so no token reaches a log line: known secret-bearing fields are censored by
// path, and every finished line is scrubbed of token-shaped strings and the loaded secrets.
import { ecsFormat } from '@elastic/ecs-pino-format';
import { LogLevel as SlackLogLevel, type Logger as SlackLogger } from '@slack/bolt';
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { censor, createScrubber } from './redaction.ts';

export type { Logger };
export { createScrubber };

const redactPaths = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'req.headers["x-slack-signature"]',
  'secrets',
  '*.secrets',
  'password',
  '*.password',
  'signingSecret',
  'slackSigningSecret',
  'slackBotToken',
  'githubToken',
  'githubApp',
  'privateKey',
  '*.privateKey',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** values (tokens, passwords) to scrub from every line */
  secretValues?: readonly string[];
  /** where lines go; stdout by default */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const scrub = createScrubber(options.secretValues);
  return pino(
    {
      ...ecsFormat({ convertReqRes: true, apmIntegration: false }),
      level: options.level ?? 'info',
      base: { service: { name: 'chatops' }, ...options.base },
      redact: { paths: redactPaths, censor },
      hooks: { streamWrite: scrub },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

const slackLevels: Record<string, SlackLogLevel> = {
  trace: SlackLogLevel.DEBUG,
  debug: SlackLogLevel.DEBUG,
  info: SlackLogLevel.INFO,
  warn: SlackLogLevel.WARN,
  error: SlackLogLevel.ERROR,
  fatal: SlackLogLevel.ERROR,
};

/** Bolt and WebClient speak @slack/logger; route them into the app's pino logger. */
export function slackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'slack' });
  const join = (parts: unknown[]): string => parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: (...msg: unknown[]) => child.debug(join(msg)),
    info: (...msg: unknown[]) => child.info(join(msg)),
    warn: (...msg: unknown[]) => child.warn(join(msg)),
    error: (...msg: unknown[]) => child.error(join(msg)),
    // The level is owned by the app's config, not by Bolt.
    setLevel: () => undefined,
    getLevel: () => slackLevels[child.level] ?? SlackLogLevel.INFO,
    setName: () => undefined,
  };
}
