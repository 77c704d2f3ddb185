// Two balancers and a floating address: lb1 and lb2 run HAProxy with the same config and
// keepalived holding the front's address (LB_IP). Under wrk load on https://chatops.<domain>/health
// the balancer holding the address is powered off: the address moves to the other one and at
// most one second's worth of requests fail. The balancer comes back: the address stays where it
// is (nopreempt), and nothing fails. Prints the failover time and what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopHost } from '../../ops/lab/machines.ts';
import {
  BALANCERS,
  chatops,
  closeLabAgent,
  DOMAIN,
  ensureLab,
  frontHolders,
  LB_IP,
  leaveLab,
  sleep,
  ssh,
  waitFor,
  type LabHostName,
  type LabSession,
} from '../support/lab-access.ts';
import { startWrk } from '../support/wrk.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
let session: LabSession | undefined;

beforeAll(async () => {
  session = await ensureLab(print);
});

afterAll(async () => {
  try {
    // Every balancer running again, whatever happened above.
    const r = await chatops('lab', 'up');
    if (r.code !== 0) print(`lab up after the failover test failed: ${r.stderr.slice(-2000)}`);
  } finally {
    await closeLabAgent();
    await leaveLab(session, print);
  }
});

describe('balancer failover', () => {
  it('moves the floating address to the other balancer within a second of requests when its holder powers off, and does not move it back', async () => {
    const [master, ...others] = await waitFor(
      'one balancer holding the address',
      async () => {
        const now = await frontHolders();
        return now.length === 1 ? now : undefined;
      },
      30_000,
    );
    expect(others).toEqual([]);
    const backup = BALANCERS.find((lb) => lb !== master) as LabHostName;

    const wrk = startWrk({ address: LB_IP, host: `chatops.${DOMAIN}`, path: '/health', durationS: 20 });
    await sleep(6_000);
    const offAt = Date.now();
    const poweroff = stopHost(master as string);
    const movedAt = await waitFor(
      `${LB_IP} on ${backup}`,
      async () => ((await ssh(backup, `ip -4 -o addr show to ${LB_IP}/32`, 5_000)).stdout.includes(LB_IP) ? Date.now() : undefined),
      30_000,
      100,
    );
    await poweroff;
    const offDone = Date.now();
    const load = await wrk.finished;
    const secondOfRequests = load.rps;
    print(
      `\nfailover: ${master} powered off under wrk -t2 -c16 (${load.rps.toFixed(0)} rps): ${LB_IP} on ${backup} ${movedAt - offAt} ms after the poweroff began ` +
        `(the poweroff itself took ${offDone - offAt} ms); ${load.requests} requests in ${load.seconds.toFixed(1)} s, ${load.failures} failed ` +
        `(${load.non2xx} non-2xx, ${load.socketErrors} socket errors; 1 s of requests = ${secondOfRequests.toFixed(0)})`,
    );
    expect(load.requests).toBeGreaterThan(1_000);
    expect(load.failures).toBeLessThanOrEqual(secondOfRequests);
    expect(movedAt - offAt).toBeLessThan(10_000);

    // The powered-off balancer boots again (`lab up` starts the hosts that are not running).
    const back = startWrk({ address: LB_IP, host: `chatops.${DOMAIN}`, path: '/health', durationS: 30 });
    const bootAt = Date.now();
    const up = await chatops('lab', 'up');
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    await waitFor(
      `keepalived active on ${master}`,
      async () => ((await ssh(master as LabHostName, 'systemctl is-active keepalived', 5_000)).stdout.trim() === 'active' ? true : undefined),
      60_000,
      500,
    );
    const activeAt = Date.now();
    const seen = new Set<string>();
    while (Date.now() - activeAt < 10_000) {
      seen.add((await frontHolders()).join('+') || 'nobody');
      await sleep(500);
    }
    const state = (
      await ssh(master as LabHostName, 'journalctl -u keepalived -b --no-pager -o cat | grep -E "Entering (BACKUP|MASTER) STATE" | tail -n 3', 5_000)
    ).stdout.trim();
    const after = await back.finished;
    print(
      `failback: ${master} booted and keepalived active ${activeAt - bootAt} ms after \`lab up\`; holders of ${LB_IP} over the next 10 s: ${[...seen].join(', ')}; ` +
        `${master}'s keepalived: ${state.split('\n').join(' | ') || '(no state line)'}; ${after.requests} requests, ${after.failures} failed`,
    );
    expect([...seen]).toEqual([backup]);
    expect(after.failures).toBe(0);
  });
});
