// Helpers for app unit tests: a settings builder, a silent logger, a fixed-snapshot source.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { configSchema, secretsSchema, type Config, type Secrets } from '../../app/src/config/schema.ts';
import type { PullRequestSource } from '../../app/src/core/ports.ts';
import type { PullRequestSnapshot, TeamRoster } from '../../app/src/core/types.ts';
import { createLogger, type Logger } from '../../app/src/logging.ts';

export function aConfig(overrides: Record<string, unknown> = {}): Config {
  return configSchema.parse({
    server: { insecureHttp: true, port: 0 },
    github: { repositories: ['acme/*'] },
    users: [
      { slack: 'U0ALICE', github: 'alice', name: 'Alice' },
      { slack: 'U0BOB', github: 'bob', name: 'Bob' },
    ],
    schedules: [{ name: 'morning', channel: 'C0TEAM', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', kind: 'digest' }],
    ...overrides,
  });
}

export const signingSecret = 'unit-test-signing-secret';

export function aSecrets(): Secrets {
  return secretsSchema.parse({ githubToken: 'ghp_unitTestToken000000000000', slackBotToken: 'xoxb-unit-test', slackSigningSecret: signingSecret });
}

/** A logger whose lines are kept for assertions. */
export function capturedLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger({ level: 'debug', destination, secretValues: [signingSecret] }),
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A source answering a fixed snapshot (and team members); counts reads so tests can assert "no GitHub call". */
export function fixedSource(snapshot: PullRequestSnapshot | Error, teams: Record<string, string[]> = {}): PullRequestSource & { reads: number } {
  const source = {
    reads: 0,
    fetchTeamMembers: (names: readonly string[]): Promise<TeamRoster> =>
      Promise.resolve({
        members: new Map(names.flatMap((name) => (teams[name.toLowerCase()] ? [[name.toLowerCase(), teams[name.toLowerCase()] ?? []] as const] : []))),
        failures: names.filter((name) => !teams[name.toLowerCase()]).map((team) => ({ team, reason: 'HTTP 404: Not Found' })),
      }),
    fetchOpenPullRequests: () => {
      source.reads += 1;
      return snapshot instanceof Error ? Promise.reject(snapshot) : Promise.resolve(snapshot);
    },
    checkReachable: () => (snapshot instanceof Error ? Promise.reject(snapshot) : Promise.resolve()),
  };
  return source;
}

/** Slack's v0 request signature (https://api.slack.com/authentication/verifying-requests-from-slack). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}
