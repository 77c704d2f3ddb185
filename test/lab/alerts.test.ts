// Alerts through the app on the deployed lab: a stopped replica makes Prometheus fire
// ChatOpsReplicaDown, Alertmanager hands it to the app's webhook through HAProxy (bearer token,
// our CA), one replica posts one message to the Slack sandbox, and when the replica is back the
// same message is edited to resolved. Alertmanager's own Slack receiver (the fallback) stays quiet.
// Prints the timings; docs/e2e.md has the figures of the last run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BALANCERS, closeLabAgent, ensureLab, leaveLab, sandboxView, ssh, sshOk, waitFor, type LabSession, type SandboxCall } from '../support/lab-access.ts';
import { REPLICAS, systemctl, waitForReplicasServing, type Replica } from '../support/lab-replicas.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
// chatops_alerts_default_channel in ansible/inventories/lab/group_vars/all/main.yml
const ALERTS_CHANNEL = 'C0ALERTS';
const victim = REPLICAS.find((r) => r.name === 'app2-1') as Replica;
let session: LabSession | undefined;

beforeAll(async () => {
  session = await ensureLab(print);
});

afterAll(async () => {
  try {
    await ssh(victim.host, `systemctl start chatops@${victim.n}`);
  } finally {
    await closeLabAgent();
    await leaveLab(session, print);
  }
});

const mentionsReplicaDown = (call: SandboxCall): boolean =>
  /ChatOpsReplicaDown/.test(String(call.args.text)) && JSON.stringify(call.args.blocks ?? []).includes(`10.77.0.22:${victim.port}`);

async function appCalls(since: number): Promise<SandboxCall[]> {
  return (await sandboxView<SandboxCall[]>('calls')).filter((c) => c.at >= since && c.args.channel === ALERTS_CHANNEL && c.response.ok === true);
}

/** HAProxy's log lines for the webhook since `since` (ms): "... chatops chatops/app1-2 ... POST /alertmanager/webhook ...". */
async function webhookLogLines(since: number): Promise<string[]> {
  const logs = await Promise.all(BALANCERS.map((lb) => sshOk(lb, `journalctl -u haproxy --no-pager -o cat --since @${Math.floor(since / 1000)}`)));
  return logs.flatMap((out) => out.split('\n')).filter((line) => line.includes('/alertmanager/webhook'));
}

describe('alerts through the app', () => {
  it('stopping a replica yields one Slack message, posted by the app through HAProxy, edited to resolved when the replica is back', async () => {
    await waitForReplicasServing(REPLICAS);
    const fallbackBefore = (await sandboxView<unknown[]>('webhook')).length;
    const stoppedAt = Date.now();
    await systemctl(victim.host, 'stop', `chatops@${victim.n}`);

    const posted = await waitFor(
      'the ChatOpsReplicaDown message from the app',
      async () => (await appCalls(stoppedAt)).find((c) => c.method === 'chat.postMessage' && mentionsReplicaDown(c)),
      360_000,
      2_000,
    );
    const postedAfterS = Math.round((posted.at - stoppedAt) / 1000);
    const ts = String(posted.response.ts);
    expect(String(posted.args.text)).toMatch(/^🔥 FIRING \(1\): ChatOpsReplicaDown/);
    const buttons = JSON.stringify(posted.args.blocks);
    for (const action of ['alert_silence_1h', 'alert_acknowledge']) expect(buttons).toContain(action);
    // The rules' links come from the inventory: the runbook anchor and Grafana on the lab domain.
    expect(buttons).toContain('docs/runbooks.md#chatopsreplicadown|Runbook>');
    expect(buttons).toContain('<https://grafana.lab.chatops.test/d/chatops-app|Dashboard>');

    const served = await webhookLogLines(stoppedAt);
    const servers = [...new Set(served.map((line) => /\bchatops\/(app\d-\d)\b/.exec(line)?.[1]).filter(Boolean))];
    print(
      `\nalerts: ChatOpsReplicaDown posted by the app ${postedAfterS} s after stopping ${victim.name} (ts ${ts}); webhook requests through HAProxy: ${served.length}, served by ${servers.join(', ')}`,
    );
    expect(served.length).toBeGreaterThan(0);
    expect(servers.length).toBeGreaterThan(0);
    expect(servers).not.toContain(victim.name);

    const startedAt = Date.now();
    await systemctl(victim.host, 'start', `chatops@${victim.n}`);
    const resolved = await waitFor(
      'the message edited to resolved',
      async () =>
        (await appCalls(startedAt)).find((c) => c.method === 'chat.update' && c.args.ts === ts && /^✅ RESOLVED: ChatOpsReplicaDown/.test(String(c.args.text))),
      240_000,
      2_000,
    );
    const resolvedAfterS = Math.round((resolved.at - startedAt) / 1000);

    const calls = await appCalls(stoppedAt);
    const posts = calls.filter((c) => c.method === 'chat.postMessage' && mentionsReplicaDown(c));
    const edits = calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
    const fallback = (await sandboxView<unknown[]>('webhook')).slice(fallbackBefore).filter((m) => /ChatOpsReplicaDown/.test(JSON.stringify(m)));
    const message = (await sandboxView<{ ts: string; text?: string; edited?: boolean }[]>('messages', `?channel=${ALERTS_CHANNEL}`)).find((m) => m.ts === ts);
    print(
      `alerts: resolved in place ${resolvedAfterS} s after starting ${victim.name}; ${posts.length} post(s), ${edits.length} edit(s) of ${ts}, ${fallback.length} fallback Slack notices; whole cycle ${Math.round((resolved.at - stoppedAt) / 1000)} s`,
    );
    expect(posts).toHaveLength(1);
    expect(fallback).toEqual([]);
    expect(message?.edited).toBe(true);
    expect(message?.text).toMatch(/^✅ RESOLVED: ChatOpsReplicaDown/);
  });
});
