// A scheduled cycle inside `chatops serve`: node-cron fires it in the schedule's time zone,
// and SIGTERM in the middle of it lets the posts finish before the process exits 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CHANNEL, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { serveChatops, writeSettings, type ServingChatops } from './process.ts';
import { sandboxConfig, sandboxSecrets, seededOrder } from './settings.ts';

let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1' });
  settings = writeSettings(
    sandboxConfig(sandbox, {
      // every 5 seconds (node-cron's optional seconds field), in a zone far from UTC
      schedules: [{ name: 'often', channel: SANDBOX_CHANNEL, cron: '*/5 * * * * *', timezone: 'Pacific/Chatham', kind: 'digest' }],
    }),
    sandboxSecrets,
  );
  ({ app } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
});

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
});

describe('a scheduled cycle in serve', () => {
  it('fires on schedule, and SIGTERM mid-cycle still posts the whole digest, then exits 0', async () => {
    if (!app) throw new Error('app not started');
    // slow GitHub so the cycle is surely in flight when SIGTERM arrives
    sandbox.github.setLatency(400);
    const started = await app.waitFor((l) => l.message === 'reminder cycle started', 30_000);
    expect(started.schedule).toBe('often');
    app.child.kill('SIGTERM');
    expect(await app.waitForExit(30_000)).toBe(0);

    const messages = app.lines.map((l) => l.message);
    const finished = messages.indexOf('reminder cycle finished');
    expect(finished).toBeGreaterThan(messages.indexOf('shutting down: finishing in-flight work'));
    expect(messages.indexOf('shutdown complete')).toBeGreaterThan(finished);
    expect(app.lines[finished]).toMatchObject({ outcome: 'success', posted: 1 + seededOrder.length });

    const posted = sandbox.slack.messages(SANDBOX_CHANNEL);
    const parents = posted.filter((m) => !m.thread_ts);
    expect(parents).toHaveLength(1);
    expect(posted.filter((m) => m.thread_ts === parents[0]?.ts)).toHaveLength(seededOrder.length);
  });
});
