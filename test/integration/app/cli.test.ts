// check-config and remind as real processes against the sandbox.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CHANNEL, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { runChatops, writeSettings } from './process.ts';
import { allSecretValues, sandboxConfig, sandboxSecrets, seededOrder } from './settings.ts';

let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
const flags = (): string[] => ['--config', settings.configPath, '--secrets', settings.secretsPath];

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1' });
  settings = writeSettings(sandboxConfig(sandbox), sandboxSecrets);
});
afterAll(async () => {
  settings?.remove();
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.slack.calls.length = 0;
  sandbox.github.requests.length = 0;
});

type Call = { method: string; args: Record<string, unknown> };
const sectionTexts = (blocks: unknown): string[] =>
  (blocks as { type: string; text?: { text: string } }[]).filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');

const EVERY_COMMAND = ['check-config', 'remind', 'serve', 'slack-manifest', 'demo', 'certs', 'deploy', 'status', 'lab', 'logs', 'backup', 'restore'];
const listed = (overview: string): string[] => overview.split('\n').flatMap((line) => /^ {2}(\S+) {2,}/.exec(line)?.[1] ?? []);

describe('chatops --help', () => {
  it("lists every command, the app's and the operator's, exit 0", async () => {
    const result = await runChatops(['--help']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(listed(result.stdout)).toEqual(EVERY_COMMAND);
  });

  it("prints each command's own help with exit 0", async () => {
    const results = await Promise.all(EVERY_COMMAND.map((name) => runChatops([name, '--help'])));
    expect(results.map((r) => [r.code, r.stdout.split('\n')[0]?.split(' ').slice(0, 3).join(' '), r.stderr])).toEqual(
      EVERY_COMMAND.map((name) => [0, `usage: chatops ${name}`, '']),
    );
  });

  it('names every command after an unknown one, exit 2', async () => {
    const result = await runChatops(['deploy-all']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`chatops: unknown command "deploy-all"; expected one of: ${EVERY_COMMAND.join(', ')}`);
    expect(listed(result.stderr)).toEqual(EVERY_COMMAND);
  });
});

describe('chatops check-config', () => {
  it('accepts valid files, summarising schedules in their time zones', async () => {
    const result = await runChatops(['check-config', ...flags()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^configuration OK: 1 repository pattern\(s\), 4 user\(s\), 2 schedule\(s\)\n/);
    expect(result.stdout).toMatch(/ {2}digest: digest "0 9 \* \* 1-5" next \d{4}-\d\d-\d\d 09:00 (Mon|Tue|Wed|Thu|Fri) Europe\/Berlin/);
    expect(result.stdout).toMatch(/ {2}reviews: reviews "0 14 \* \* 1-5" next \d{4}-\d\d-\d\d 14:00 (Mon|Tue|Wed|Thu|Fri) Asia\/Tokyo/);
  });

  it('reports every problem with file and field, exits 1, and calls no network', async () => {
    const broken = writeSettings(
      {
        ...sandboxConfig(sandbox),
        github: { baseUrl: 'not a url', repositories: [] },
        schedules: [{ name: 'x', channel: 'C1', cron: 'daily', timezone: 'Europe/Berlim', kind: 'digest' }],
      },
      { ...sandboxSecrets, slackBotToken: 'bot-token' },
    );
    try {
      const result = await runChatops(['check-config', '--config', broken.configPath, '--secrets', broken.secretsPath]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines[0]).toBe('chatops: 5 problems in the configuration:');
      expect(lines.slice(1)).toEqual([
        `  ${broken.configPath}: github.baseUrl: expected an http(s) URL such as "https://api.github.com"`,
        `  ${broken.configPath}: github.repositories: list at least one "owner/repo"`,
        expect.stringMatching(/: schedules\[0\]\.cron: invalid cron expression "daily" \(.+\); expected 5 fields "m h dom mon dow" such as "0 9 \* \* 1-5"$/),
        `  ${broken.configPath}: schedules[0].timezone: expected an IANA time zone such as "Europe/Berlin" or "UTC"`,
        `  ${broken.secretsPath}: slackBotToken: expected a Slack bot token starting with "xoxb-"`,
      ]);
      expect(sandbox.github.requests).toEqual([]);
      expect(sandbox.slack.calls).toEqual([]);
    } finally {
      broken.remove();
    }
  });

  it('names the missing flag and exits 2', async () => {
    const result = await runChatops(['check-config', '--config', settings.configPath]);
    expect([result.code, result.stderr]).toEqual([
      2,
      'chatops check-config: --secrets is required: pass the path of secrets.yml, e.g. --secrets app/examples/secrets.yml\n',
    ]);
  });

  it('rejects unknown flags with exit 2', async () => {
    const result = await runChatops(['check-config', ...flags(), '--verbose']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--verbose'");
  });
});

describe('chatops remind --dry-run', () => {
  it('prints one JSON line per Slack call and posts nothing', async () => {
    const result = await runChatops(['remind', '--schedule', 'digest', '--dry-run', ...flags()]);
    expect(result.code).toBe(0);
    const calls = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Call);
    const posts = calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts).toHaveLength(1 + seededOrder.length);
    expect(posts[0]?.args).toMatchObject({ channel: SANDBOX_CHANNEL, text: '10 open pull requests in 3 repositories (2 stale)' });
    expect(posts.slice(1).every((c) => c.args.thread_ts === '<dry-run: ts of chat.postMessage #1>')).toBe(true);
    expect(calls.filter((c) => c.method === 'reactions.add').map((c) => c.args.timestamp)).toEqual([
      '<dry-run: ts of chat.postMessage #2>',
      '<dry-run: ts of chat.postMessage #3>',
    ]);
    expect(sandbox.slack.calls).toEqual([]);
    expect(sandbox.github.requests.length).toBeGreaterThan(0);
    for (const secret of allSecretValues) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('names the known schedules when asked for an unknown one', async () => {
    const result = await runChatops(['remind', '--schedule', 'nightly', '--dry-run', ...flags()]);
    expect([result.code, result.stderr]).toEqual([2, 'chatops remind: --schedule: no schedule named "nightly" in config.yml (known: digest, reviews)\n']);
  });
});

describe('chatops remind', () => {
  it('posts the digest: parent, one reply per PR oldest first, reactions on stale PRs', async () => {
    sandbox.slack.rateLimitNext('chat.postMessage', 1);
    const result = await runChatops(['remind', '--schedule', 'digest', ...flags()]);
    expect(result.code, result.stderr).toBe(0);
    const messages = sandbox.slack.messages(SANDBOX_CHANNEL);
    const parent = messages.find((m) => !m.thread_ts);
    expect(parent?.text).toBe('10 open pull requests in 3 repositories (2 stale)');
    const replies = messages.filter((m) => m.thread_ts === parent?.ts);
    expect(replies.map((r) => /\|(acme\/\w+#\d+) /.exec(sectionTexts(r.blocks)[0] ?? '')?.[1])).toEqual(seededOrder);
    expect(replies.filter((r) => r.reactions.length > 0).map((r) => [r.text?.split(' ')[0], r.reactions])).toEqual([
      ['acme/web#53', ['hourglass_flowing_sand']],
      ['acme/api#103', ['hourglass_flowing_sand']],
    ]);
    expect(sectionTexts(replies[0]?.blocks)[0]).toContain(
      'by <@U0BOB> · open 21 days · :speech_balloon: commented by <@U0DAVE>, not yet approved · :eyes: waiting for <@U0CAROL>',
    );
    // the first post met a 429 and was retried after Retry-After
    expect(sandbox.slack.calls.filter((c) => c.method === 'chat.postMessage')[0]?.httpStatus).toBe(429);
    for (const secret of allSecretValues) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('sends review DMs to each mapped reviewer', async () => {
    const result = await runChatops(['remind', '--schedule', 'reviews', ...flags()]);
    expect(result.code, result.stderr).toBe(0);
    const dm = (user: string): string[] => sandbox.slack.messages(user).map((m) => m.text ?? '');
    expect(dm('U0CAROL').at(-1)).toBe('Pull requests waiting for your review, Carol Danvers (4)');
    expect(dm('U0ALICE').at(-1)).toBe('Pull requests waiting for your review, Alice Liddell (1)');
  });

  it('exits 1 when Slack refuses the digest parent, naming the Slack error in the log', async () => {
    sandbox.slack.failNext('chat.postMessage', 'channel_not_found');
    const result = await runChatops(['remind', '--schedule', 'digest', ...flags()]);
    expect(result.code).toBe(1);
    const failure = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { message?: string; error?: { type?: string; message?: string } })
      .find((line) => line.message === 'reminder cycle failed');
    expect(failure?.error).toMatchObject({ type: 'SlackApiError', message: 'Slack chat.postMessage failed: channel_not_found' });
    expect(sandbox.slack.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  it('exits 1 when GitHub rejects the token, after telling the channel what could not be read', async () => {
    const bad = writeSettings(sandboxConfig(sandbox), { ...sandboxSecrets, githubToken: 'ghp_wrongTokenForTheSandbox0000000' });
    try {
      const result = await runChatops(['remind', '--schedule', 'digest', '--dry-run', '--config', bad.configPath, '--secrets', bad.secretsPath]);
      expect(result.code, result.stderr).toBe(1);
      const calls = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Call);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args.text).toBe('No open pull requests in the repositories that could be read');
      expect(sectionTexts(calls[0]?.args.blocks)[0]).toMatch(/:warning: \*Could not read 1 repository\* .*\n• acme\/\*: .+/);
      expect(result.stderr).toContain('no configured repository could be read');
      expect(result.stdout + result.stderr).not.toContain('ghp_wrongTokenForTheSandbox');
    } finally {
      bad.remove();
    }
  });
});

describe('chatops demo', () => {
  it('runs a digest against its own sandbox and prints it', async () => {
    const result = await runChatops(['demo']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('10 open pull requests in 3 repositories');
    expect(result.stdout).toContain('thread (10 replies):');
    expect(result.stdout).toMatch(/acme\/web#53 Migrate charts to the new library \(https?:\/\/[^)]+\/acme\/web\/pull\/53\)/);
    expect(result.stdout).toContain('Slack Web API calls: chat.postMessage ×11, reactions.add ×2');
  });
});
