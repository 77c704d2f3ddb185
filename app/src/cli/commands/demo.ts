// `npm run demo`: DEMO ONLY. Starts the bundled sandbox (GitHub and Slack fakes from
// sandbox, seeded with a small team), runs a real digest cycle against it through the
// same code path as production, and prints the digest as Slack received it.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  GITHUB_FAKE_TOKEN,
  SANDBOX_CHANNEL,
  SANDBOX_ORG,
  SANDBOX_USERS,
  SLACK_FAKE_BOT_TOKEN,
  SLACK_FAKE_SIGNING_SECRET,
  startSandbox,
} from '../../../../sandbox/sandbox.ts';
import { parseFlags, type CommandIo } from '../flags.ts';
import { remind } from './remind.ts';

/** Slack mrkdwn to terminal text: links as "text (url)", mentions as @name. */
export function mrkdwnToTerminal(text: string, names: Map<string, string>): string {
  return text
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<@([A-Z0-9]+)>/g, (_m, id: string) => `@${names.get(id) ?? id}`)
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function blockText(blocks: unknown[] | undefined): string[] {
  return (blocks ?? []).flatMap((block) => {
    const b = block as { type?: string; text?: { text?: string }; elements?: { text?: string }[] };
    if (b.type === 'header' || b.type === 'section') return [b.text?.text ?? ''];
    if (b.type === 'context') return (b.elements ?? []).map((e) => e.text ?? '');
    return [];
  });
}

export async function demo(argv: string[], io: CommandIo): Promise<number> {
  parseFlags(argv, {});
  const sandbox = await startSandbox({ host: '127.0.0.1' });
  const dir = mkdtempSync(join(tmpdir(), 'chatops-demo-'));
  try {
    const { github, slack } = sandbox.describe();
    const configPath = join(dir, 'config.yml');
    const secretsPath = join(dir, 'secrets.yml');
    writeFileSync(
      configPath,
      stringify({
        // Plain HTTP is fine here: everything stays on 127.0.0.1 and lives for seconds.
        server: { host: '127.0.0.1', port: 0, insecureHttp: true },
        github: { baseUrl: github.url, repositories: [`${SANDBOX_ORG}/*`] },
        slack: { apiUrl: slack.apiUrl },
        users: SANDBOX_USERS.map((u) => ({ ...u })),
        schedules: [{ name: 'demo-digest', channel: SANDBOX_CHANNEL, cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', kind: 'digest' }],
        logging: { level: 'warn' },
      }),
    );
    writeFileSync(
      secretsPath,
      stringify({ githubToken: GITHUB_FAKE_TOKEN, slackBotToken: SLACK_FAKE_BOT_TOKEN, slackSigningSecret: SLACK_FAKE_SIGNING_SECRET }),
      { mode: 0o600 },
    );
    chmodSync(secretsPath, 0o600);

    io.stdout(`Sandbox up: GitHub fake ${github.url}, Slack fake ${slack.apiUrl}\n`);
    io.stdout(`Running: chatops remind --schedule demo-digest (a real cycle against the sandbox)\n\n`);
    const code = await remind(['--schedule', 'demo-digest', '--config', configPath, '--secrets', secretsPath], io);
    if (code !== 0) {
      io.stderr('demo: the reminder cycle failed; see the log lines above\n');
      return code;
    }

    const names = new Map<string, string>(SANDBOX_USERS.map((u) => [u.slack, u.name]));
    const messages = sandbox.slack.messages(SANDBOX_CHANNEL);
    const parent = messages.find((m) => !m.thread_ts);
    if (!parent) {
      io.stderr(`demo: nothing was posted to ${SANDBOX_CHANNEL}\n`);
      return 1;
    }
    io.stdout(`#${SANDBOX_CHANNEL} received:\n`);
    for (const line of blockText(parent.blocks)) io.stdout(`${mrkdwnToTerminal(line, names)}\n`);
    const replies = messages.filter((m) => m.thread_ts === parent.ts);
    io.stdout(`\n  thread (${replies.length} replies):\n`);
    for (const reply of replies) {
      const text = blockText(reply.blocks)
        .map((line) => mrkdwnToTerminal(line, names))
        .join('\n');
      const reactions = reply.reactions.length > 0 ? `   [reactions: ${reply.reactions.map((r) => `:${r}:`).join(' ')}]` : '';
      io.stdout(`  ┃ ${text.replace(/\n/g, '\n  ┃   ')}${reactions}\n`);
    }
    const counts = new Map<string, number>();
    for (const call of sandbox.slack.calls) counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
    io.stdout(`\nSlack Web API calls: ${[...counts].map(([method, n]) => `${method} ×${n}`).join(', ')}\n`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sandbox.close();
  }
}
