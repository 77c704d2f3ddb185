// Settings for the app process against a running sandbox.
import type { Sandbox } from '../../../sandbox/sandbox.ts';
import { GITHUB_FAKE_TOKEN, SANDBOX_CHANNEL, SANDBOX_USERS, SLACK_FAKE_BOT_TOKEN, SLACK_FAKE_SIGNING_SECRET } from '../../../sandbox/sandbox.ts';

export function sandboxConfig(sandbox: Sandbox, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { github, slack } = sandbox.describe();
  return {
    server: { host: '127.0.0.1', port: 0, insecureHttp: true, shutdownTimeoutMs: 20_000 },
    github: { baseUrl: github.url, repositories: ['acme/*'] },
    slack: { apiUrl: slack.apiUrl },
    users: SANDBOX_USERS.map((u) => ({ ...u })),
    schedules: [
      { name: 'digest', channel: SANDBOX_CHANNEL, cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', kind: 'digest' },
      { name: 'reviews', channel: SANDBOX_CHANNEL, cron: '0 14 * * 1-5', timezone: 'Asia/Tokyo', kind: 'reviews' },
    ],
    logging: { level: 'info' },
    ...overrides,
  };
}

export const sandboxSecrets = {
  githubToken: GITHUB_FAKE_TOKEN,
  slackBotToken: SLACK_FAKE_BOT_TOKEN,
  slackSigningSecret: SLACK_FAKE_SIGNING_SECRET,
};

export const allSecretValues = [GITHUB_FAKE_TOKEN, SLACK_FAKE_BOT_TOKEN, SLACK_FAKE_SIGNING_SECRET];

/** The seeded open PRs, oldest first, as the digest lists them (docs-old is archived). */
export const seededOrder = [
  'acme/web#53',
  'acme/api#103',
  'acme/infra#8',
  'acme/infra#7',
  'acme/api#102',
  'acme/web#51',
  'acme/api#101',
  'acme/infra#9',
  'acme/api#104',
  'acme/web#52',
];
