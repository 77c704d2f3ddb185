// One logger for the app: pino writing Elastic Common Schema JSON, with two layers of
// redaction so no token reaches a log line: known secret-bearing fields are censored by
// path, and every finished line is scrubbed of token-shaped strings and the loaded secrets.
import { ecsFormat } from '@elastic/ecs-pino-format';
import { LogLevel as SlackLogLevel, type Logger as SlackLogger } from '@slack/bolt';
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const censor = '[REDACTED]';

/** Token shapes that must never be written, whatever field they hide in. */
const tokenPatterns: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]+/g, // Slack tokens
  /xapp-[A-Za-z0-9-]+/g,
  /\bgh[pousr]_[A-Za-z0-9]{16,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\b(Bearer|token|Basic) [A-Za-z0-9._~+/=-]{8,}/g, // Authorization header values
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, // a GitHub App's key, even cut short
];

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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces token-shaped strings and the given secret values by a marker. */
export function createScrubber(secretValues: readonly string[] = []): (line: string) => string {
  const literal = secretValues
    .filter((value) => value.length >= 4)
    .flatMap((value) => [value, JSON.stringify(value).slice(1, -1)])
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const secretPattern = literal.length > 0 ? new RegExp(literal.join('|'), 'g') : undefined;
  return (line: string) => {
    let out = secretPattern ? line.replace(secretPattern, censor) : line;
    for (const pattern of tokenPatterns) out = out.replace(pattern, censor);
    return out;
  };
}

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
