// A rolling upgrade under load: while wrk drives https://chatops.<domain>/health through HAProxy
// over TLS, `npx chatops deploy --bundle` rolls a version bump out to every replica (one replica at a
// time, drained in HAProxy first): not one request may fail, and every replica reports the new
// version in chatops_build_info. Then, under load again, every balancer's HAProxy reloads. Afterwards the deployed bundle
// is rolled back the same way. Prints requests, failures and the rollout's duration.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../ops/paths.ts';
import {
  chatops,
  closeLabAgent,
  DOMAIN,
  ensureLab,
  LAB_HOSTS,
  LB_IP,
  labFetch,
  labSecret,
  leaveLab,
  sleep,
  sshOk,
  type LabSession,
} from '../support/lab-access.ts';
import { haproxyStats, REPLICAS, waitForReplicasServing } from '../support/lab-replicas.ts';
import { startWrk } from '../support/wrk.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const pkgVersion = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const bumped = `${pkgVersion}-rollout.${Date.now().toString(36)}`;
let session: LabSession | undefined;
let workDir: string;

/** chatops_build_info's version label on each replica, read from its own /metrics. */
async function versions(): Promise<Record<string, string>> {
  const auth = Buffer.from(`metrics:${labSecret('chatops_metrics_password')}`).toString('base64');
  const found: Record<string, string> = {};
  for (const r of REPLICAS) {
    const response = await labFetch(`https://${r.host}.${DOMAIN}:${r.port}/metrics`, { headers: { authorization: `Basic ${auth}` } });
    expect(response.status, `${r.name} /metrics`).toBe(200);
    found[r.name] = /^chatops_build_info\{[^}]*version="([^"]+)"/m.exec(await response.text())?.[1] ?? 'none';
  }
  return found;
}

/**
 * Polls the front balancer's stats while a rollout runs: the most chatops servers not UP at once,
 * and the order in which they left (each replica once, when it is restarted once).
 */
function watchReplicasOut(): { stop: () => Promise<{ most: number; order: string[] }> } {
  let most = 0;
  const order: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await haproxyStats().catch(() => []);
      const out = rows.filter((r) => r.proxy === 'chatops' && /^app/.test(r.server) && /^(MAINT|DRAIN|DOWN|NOLB)/.test(r.status)).map((r) => r.server);
      most = Math.max(most, out.length);
      for (const server of out) if (order.at(-1) !== server) order.push(server);
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { most, order };
    },
  };
}

async function deploy(...flags: string[]): Promise<number> {
  const started = Date.now();
  const r = await chatops('deploy', '--tags', 'chatops', ...flags);
  expect(r.code, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`).toBe(0);
  return (Date.now() - started) / 1000;
}

beforeAll(async () => {
  session = await ensureLab(print);
  workDir = mkdtempSync(path.join(tmpdir(), 'chatops-rollout-'));
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--outfile', path.join(workDir, 'chatops.mjs'), '--version', bumped], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(built.status, built.stderr).toBe(0);
});

afterAll(async () => {
  try {
    // Back to the bundle `lab deploy` installed (dist/chatops.mjs), the same rolling way.
    const seconds = await deploy();
    print(`rolling upgrade: rolled back to ${pkgVersion} in ${seconds.toFixed(1)} s`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    await closeLabAgent();
    await leaveLab(session, print);
  }
});

describe('rolling upgrade under load', () => {
  it('rolls a new bundle out to every replica without one failed request', async () => {
    await waitForReplicasServing(REPLICAS);
    const before = await versions();
    expect(Object.values(before)).not.toContain(bumped);
    const wrk = startWrk({ address: LB_IP, host: `chatops.${DOMAIN}`, path: '/health', durationS: 900 });
    const out = watchReplicasOut();
    let rollout: number;
    try {
      await sleep(3_000);
      rollout = await deploy('--bundle', path.join(workDir, 'chatops.mjs'));
      await sleep(3_000);
    } finally {
      await wrk.stop();
    }
    const figures = await wrk.finished;
    const { most, order } = await out.stop();
    print(`rolling upgrade: replicas out of the front balancer's HAProxy in turn: ${order.join(', ')}; at most ${most} at once`);
    // The app hosts converge side by side; their replicas still leave the balancers one at a time.
    expect(most).toBe(1);
    expect([...order].sort()).toEqual(REPLICAS.map((r) => r.name).sort());
    const after = await versions();
    print(
      `\nrolling upgrade: ${pkgVersion} -> ${bumped} on ${REPLICAS.length} replicas in ${rollout.toFixed(1)} s (chatops deploy --tags chatops --bundle); ` +
        `under wrk -t2 -c16 through ${LB_IP}: ${figures.requests} requests in ${figures.seconds.toFixed(1)} s, ${figures.failures} failed (${figures.non2xx} non-2xx, ${figures.socketErrors} socket errors), p99 ${figures.p99Ms.toFixed(1)} ms`,
    );
    print(`rolling upgrade: chatops_build_info version per replica: ${JSON.stringify(after)}`);
    expect(figures.requests).toBeGreaterThan(1_000);
    expect(figures.failures).toBe(0);
    expect(after).toEqual(Object.fromEntries(REPLICAS.map((r) => [r.name, bumped])));
  });

  it('reloads HAProxy on every balancer without one failed request', async () => {
    const wrk = startWrk({ address: LB_IP, host: `chatops.${DOMAIN}`, path: '/health', durationS: 900 });
    const took: string[] = [];
    try {
      await sleep(3_000);
      for (const lb of LAB_HOSTS.filter((h) => (h.groups as readonly string[]).includes('lb'))) {
        const started = Date.now();
        await sshOk(lb.name, 'systemctl reload haproxy');
        took.push(`${lb.name} ${Date.now() - started} ms`);
        await sleep(2_000);
      }
    } finally {
      await wrk.stop();
    }
    const figures = await wrk.finished;
    print(
      `haproxy reload (${took.join(', ')}) under wrk -t2 -c16: ${figures.requests} requests in ${figures.seconds.toFixed(1)} s, ${figures.failures} failed (${figures.non2xx} non-2xx, ${figures.socketErrors} socket errors)`,
    );
    expect(figures.requests).toBeGreaterThan(500);
    expect(figures.failures).toBe(0);
  });
});
