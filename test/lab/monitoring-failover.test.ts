// Losing a monitoring host on the deployed lab: the Alertmanagers of mon1 and mon2 form one
// cluster (gossip over mutual TLS), then mon1's Prometheus and Alertmanager stop. A stopped app
// replica still makes mon2's Prometheus fire ChatOpsReplicaDown, mon2's Alertmanager hands it to
// the app's webhook through HAProxy, and the app posts it once; HAProxy's alertmanager and
// prometheus names answer from mon2 meanwhile (the app's silence buttons, Grafana). Everything is
// started again at the end. Prints the timings; docs/e2e.md has the figures of the last run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeLabAgent,
  DOMAIN,
  ensureLab,
  labFetch,
  labSecret,
  leaveLab,
  sleep,
  ssh,
  waitFor,
  type LabSession,
  type SandboxCall,
} from '../support/lab-access.ts';
import { replicaDownPosts, REPLICAS, systemctl, waitForReplicasServing, type Replica } from '../support/lab-replicas.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const MONITORING = ['prometheus', 'prometheus-alertmanager'];
const victim = REPLICAS.find((r) => r.name === 'app1-2') as Replica;
// Alertmanager's --cluster.peer-timeout: a duplicate would come from the second peer after it.
const PEER_TIMEOUT_MS = 15_000;
let session: LabSession | undefined;

const basic = (user: string, secret: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${user}:${labSecret(secret)}`).toString('base64')}`,
});
const alertmanagerAuth = (): Record<string, string> => basic('alertmanager', 'alertmanager_web_password');
const prometheusAuth = (): Record<string, string> => basic('prometheus', 'prometheus_web_password');

async function json<T>(url: string, headers: Record<string, string>): Promise<T> {
  const response = await labFetch(url, { headers, timeoutMs: 5_000 });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

const victimPosts = (since: number): Promise<SandboxCall[]> => replicaDownPosts(victim, since);

beforeAll(async () => {
  session = await ensureLab(print);
});

afterAll(async () => {
  try {
    await ssh('mon1', `systemctl start ${MONITORING.join(' ')}`);
    await ssh(victim.host, `systemctl start chatops@${victim.n}`);
    await waitForReplicasServing(REPLICAS);
  } finally {
    await closeLabAgent();
    await leaveLab(session, print);
  }
});

describe('losing a monitoring host', () => {
  it('clusters the Alertmanagers of mon1 and mon2 over gossip', async () => {
    for (const host of ['mon1', 'mon2']) {
      const status = await waitFor(
        `${host}'s Alertmanager in a cluster of two, settled`,
        async () => {
          const s = await json<{ cluster: { status: string; peers: { address: string }[] } }>(
            `https://${host}.${DOMAIN}:9093/api/v2/status`,
            alertmanagerAuth(),
          );
          return s.cluster.status === 'ready' && s.cluster.peers.length === 2 ? s : undefined;
        },
        60_000,
        2_000,
      );
      expect(status.cluster.peers.map((p) => p.address).sort()).toEqual(['10.77.0.31:9094', '10.77.0.32:9094']);
    }
  });

  it("with mon1's Prometheus and Alertmanager stopped, a stopped replica's alert reaches the app once, from mon2", async () => {
    await waitForReplicasServing(REPLICAS);
    await ssh('mon1', `systemctl stop ${MONITORING.join(' ')}`);
    // What the app's silence buttons and Grafana use: HAProxy's names, now answered by mon2.
    const front = await waitFor(
      'alertmanager and prometheus through HAProxy without mon1',
      async () => {
        const am = await labFetch(`https://alertmanager.${DOMAIN}/api/v2/status`, { headers: alertmanagerAuth(), timeoutMs: 5_000 });
        const prom = await labFetch(`https://prometheus.${DOMAIN}/api/v1/status/flags`, { headers: prometheusAuth(), timeoutMs: 5_000 });
        return am.status === 200 && prom.status === 200 ? true : undefined;
      },
      60_000,
      1_000,
    );
    expect(front).toBe(true);

    const stoppedAt = Date.now();
    await systemctl(victim.host, 'stop', `chatops@${victim.n}`);
    const posted = await waitFor('the ChatOpsReplicaDown message from the app', async () => (await victimPosts(stoppedAt))[0], 360_000, 2_000);
    const postedAfterS = Math.round((posted.at - stoppedAt) / 1000);
    await sleep(PEER_TIMEOUT_MS + 15_000);
    const posts = await victimPosts(stoppedAt);
    const firing = await json<{ labels: Record<string, string> }[]>(
      `https://mon2.${DOMAIN}:9093/api/v2/alerts?filter=${encodeURIComponent('alertname="ChatOpsReplicaDown"')}`,
      alertmanagerAuth(),
    );
    print(
      `\nmonitoring failover: mon1's Prometheus and Alertmanager stopped; ChatOpsReplicaDown for ${victim.name} posted by the app ${postedAfterS} s after the stop, ${posts.length} post(s) within ${Math.round((Date.now() - stoppedAt) / 1000)} s`,
    );
    expect(posts).toHaveLength(1);
    // The replica label of each Prometheus is dropped from alerts: one alert, no prometheus_replica.
    const forVictim = firing.filter((a) => a.labels['instance'] === `10.77.0.21:${victim.port}`);
    expect(forVictim).toHaveLength(1);
    expect(forVictim[0]?.labels).not.toHaveProperty('prometheus_replica');
  });
});
