// Two real Alertmanager 0.25 processes on loopback, clustered the way the alertmanager role runs
// them on two monitoring hosts: arguments from the role's default.j2, gossip over mutual TLS from
// its cluster-tls.yml.j2 with leaves made by our certs/ code, routing from prometheus/alertmanager.yml.j2
// (the app's webhook, bearer token from a file). The same alert posted to both, as two Prometheus
// servers do, reaches the webhook once; a silence made on one is seen on the other; with one killed,
// an alert still arrives once. The gossip port is checked like the lab's TLS scan checks a listener.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createCa, issueLeaf } from '../../certs/openssl.ts';
import { freePort, monitoringCredentials, renderTemplates, repoRoot, runCommand, startDaemon, waitFor, type Daemon } from '../support/monitoring.ts';

interface WebhookPost {
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
}
interface ClusterStatus {
  cluster: { status: string; peers: { address: string }[] };
}
interface Node {
  name: 'mon1' | 'mon2';
  webPort: number;
  clusterPort: number;
  dir: string;
  daemon?: Daemon;
}

// Alertmanager's --cluster.peer-timeout default: the second peer waits this long for the first's notification log.
const PEER_TIMEOUT_MS = 15_000;

describe('two Alertmanagers clustered over gossip with mutual TLS', () => {
  let work: string;
  let tlsDir: string;
  let ca: string;
  let dispatcher: Agent;
  let receiver: Server;
  let receiverPort: number;
  const received: WebhookPost[] = [];
  const unauthorized: string[] = [];
  const token = randomBytes(24).toString('base64url');
  const credentials = monitoringCredentials('Cl3dEfGhIjKlMnOpQrStUv');
  const nodes: Node[] = [];
  const auth = `Basic ${Buffer.from(`${credentials.alertmanager_web_username}:${credentials.alertmanager_web_password}`).toString('base64')}`;

  const api = async (node: Node, path: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> => {
    const response = await fetch(`https://127.0.0.1:${node.webPort}${path}`, {
      dispatcher,
      method: init.method ?? 'GET',
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${node.name} ${path}: HTTP ${response.status} ${text}`);
    return response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
  };
  const postAlert = (node: Node, alertname: string): Promise<unknown> =>
    api(node, '/api/v2/alerts', {
      method: 'POST',
      body: [
        { labels: { alertname, job: 'cluster-test', severity: 'warning' }, annotations: { summary: `${alertname} fired` }, startsAt: new Date().toISOString() },
      ],
    });
  const notificationsOf = (alertname: string): WebhookPost[] => received.filter((p) => p.alerts.some((a) => a.labels['alertname'] === alertname));
  const logs = (): string => nodes.map((n) => `--- ${n.name}\n${n.daemon?.output() ?? ''}`).join('\n');

  const start = async (node: Node): Promise<void> => {
    // The role's arguments for this host: mon1 and mon2 swap places as `localhost` in the inventory.
    // Cluster ports are host variables (extra vars would override them for every host).
    const other = nodes.find((n) => n !== node) as Node;
    const host = (n: Node) => ({ ansible_host: '127.0.0.1', alertmanager_cluster_port: n.clusterPort });
    await renderTemplates(
      stringify({ all: { children: { monitoring: { hosts: { localhost: { ...host(node), ansible_connection: 'local' }, [other.name]: host(other) } } } } }),
      {
        alertmanager_config_dir: node.dir,
        alertmanager_listen_address: `127.0.0.1:${node.webPort}`,
        alertmanager_external_url: `https://127.0.0.1:${node.webPort}/`,
        alertmanager_storage_path: join(node.dir, 'data'),
        // The role's form (an unspecified address; Alertmanager's TLS transport refuses ":port"), advertised on loopback.
        alertmanager_cluster_listen_address: `0.0.0.0:${node.clusterPort}`,
        alertmanager_cluster_advertise_address: `127.0.0.1:${node.clusterPort}`,
      },
      [{ src: 'ansible/roles/alertmanager/templates/default.j2', dest: join(node.dir, 'default') }],
    );
    const args = /^ARGS="(.*)"$/m.exec(await readFile(join(node.dir, 'default'), 'utf8'))?.[1];
    if (!args) throw new Error(`no ARGS in the rendered default.j2 of ${node.name}`);
    expect(args).toContain(`--cluster.peer=127.0.0.1:${other.clusterPort}`);
    node.daemon = startDaemon('prometheus-alertmanager', args.split(' '));
    await waitFor(`${node.name} ready`, async () => ((await api(node, '/-/ready')) === 'OK' ? true : undefined), 30_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${logs()}`);
    });
  };
  const waitForCluster = (node: Node, peers: number): Promise<true> =>
    waitFor(
      `${node.name} sees ${peers} peer(s), gossip settled`,
      async () => {
        const { cluster } = (await api(node, '/api/v2/status')) as ClusterStatus;
        return cluster.status === 'ready' && cluster.peers.length === peers ? true : undefined;
      },
      60_000,
      500,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${logs()}`);
    });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chatops-am-cluster-'));
    tlsDir = join(work, 'tls');
    await mkdir(tlsDir, { mode: 0o700 });
    // The CA and the alertmanager leaf exactly as `chatops certs` makes them (serverAuth + clientAuth).
    await createCa(join(work, 'ca.key'), join(tlsDir, 'ca.crt'), 'ChatOps test CA', 2);
    await issueLeaf({
      keyPath: join(tlsDir, 'alertmanager.key'),
      certPath: join(tlsDir, 'alertmanager.crt'),
      caKey: join(work, 'ca.key'),
      caCert: join(tlsDir, 'ca.crt'),
      commonName: 'alertmanager',
      subjectAltName: 'DNS:localhost,IP:127.0.0.1',
      days: 2,
    });
    ca = await readFile(join(tlsDir, 'ca.crt'), 'utf8');
    dispatcher = new Agent({ connect: { ca } });

    // The app's webhook stands in as an HTTPS receiver that checks the bearer token and counts posts.
    receiver = createServer(
      { cert: await readFile(join(tlsDir, 'alertmanager.crt')), key: await readFile(join(tlsDir, 'alertmanager.key')) },
      (request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          if (request.headers.authorization !== `Bearer ${token}`) unauthorized.push(request.headers.authorization ?? '(none)');
          else received.push(JSON.parse(body) as WebhookPost);
          response.writeHead(200).end();
        });
      },
    );
    receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    await writeFile(join(work, 'webhook-token'), token, { mode: 0o600 });

    for (const name of ['mon1', 'mon2'] as const) {
      const dir = join(work, name);
      await mkdir(dir);
      nodes.push({ name, webPort: await freePort(), clusterPort: await freePort(), dir });
    }
    const [first] = nodes as [Node, Node];
    await renderTemplates(
      'all: {hosts: {localhost: {ansible_connection: local}}}',
      {
        ...credentials,
        chatops_tls_dir: tlsDir,
        alertmanager_tls_dir: tlsDir,
        alertmanager_templates_dir: join(repoRoot, 'prometheus/templates'),
        alertmanager_group_wait: '1s',
        alertmanager_group_interval: '1m',
        alertmanager_repeat_interval: '1h',
        alertmanager_slack_api_url: 'https://hooks.slack.test/services/T0/B0/unused',
        alertmanager_chatops_webhook_enabled: true,
        alertmanager_chatops_webhook_url: `https://127.0.0.1:${receiverPort}/alertmanager/webhook`,
        alertmanager_chatops_webhook_token_file: join(work, 'webhook-token'),
        alertmanager_chatops_webhook_ca_file: join(tlsDir, 'ca.crt'),
      },
      [
        { src: 'prometheus/alertmanager.yml.j2', dest: join(first.dir, 'alertmanager.yml') },
        { src: 'prometheus/web-config.yml.j2', dest: join(first.dir, 'alertmanager-web.yml'), vars: { web_config_service: 'alertmanager' } },
        { src: 'ansible/roles/alertmanager/templates/cluster-tls.yml.j2', dest: join(first.dir, 'alertmanager-cluster-tls.yml') },
      ],
    );
    const check = await runCommand('amtool', ['check-config', join(first.dir, 'alertmanager.yml')]);
    if (check.code !== 0) throw new Error(`amtool check-config failed:\n${check.stdout}${check.stderr}`);
    for (const file of ['alertmanager.yml', 'alertmanager-web.yml', 'alertmanager-cluster-tls.yml']) {
      await copyFile(join(first.dir, file), join((nodes[1] as Node).dir, file));
    }
    for (const node of nodes) await start(node);
  });

  afterAll(async () => {
    for (const node of nodes) await node.daemon?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    await dispatcher?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('forms one cluster of two peers over the TLS transport, which listens on TCP only', async () => {
    const [mon1, mon2] = nodes as [Node, Node];
    await waitForCluster(mon1, 2);
    await waitForCluster(mon2, 2);
    expect(mon1.daemon?.output()).toContain('using TLS for gossip');
    const sockets = spawnSync('ss', ['-Htulnp'], { encoding: 'utf8' }).stdout.split('\n');
    const onGossip = (port: number) => sockets.filter((l) => l.split(/\s+/)[4]?.endsWith(`:${port}`)).map((l) => l.split(/\s+/)[0]);
    expect(onGossip(mon1.clusterPort)).toEqual(['tcp']);
    expect(onGossip(mon2.clusterPort)).toEqual(['tcp']);
  });

  it('speaks TLS 1.2+ with our CA on the gossip port, requires a client certificate, refuses TLS 1.0/1.1 and plaintext', () => {
    const target = `127.0.0.1:${(nodes[0] as Node).clusterPort}`;
    const openssl = (args: string[]) => {
      const r = spawnSync('openssl', ['s_client', '-connect', target, ...args], { input: 'Q\n', encoding: 'utf8', timeout: 15_000 });
      return `${r.stdout}${r.stderr}`;
    };
    const verify = ['-CAfile', join(tlsDir, 'ca.crt'), '-no-CApath', '-no-CAstore', '-verify_return_error', '-verify_hostname', 'localhost'];
    const tls13 = openssl([...verify, '-tls1_3']);
    expect(tls13).toMatch(/Verify return code: 0 \(ok\)/);
    expect(tls13).toMatch(/New, TLSv1\.3, Cipher is TLS_/);
    // Without a client certificate the TLS 1.2 handshake ends in the server's bad_certificate alert.
    const tls12 = openssl([...verify, '-tls1_2']);
    expect(tls12).toMatch(/Verify return code: 0 \(ok\)/);
    expect(tls12).toMatch(/alert bad certificate/);
    // With our leaf as the client certificate, TLS 1.2 completes.
    const withCert = openssl([...verify, '-tls1_2', '-cert', join(tlsDir, 'alertmanager.crt'), '-key', join(tlsDir, 'alertmanager.key')]);
    expect(withCert).not.toMatch(/SSL alert number/);
    expect(withCert).toMatch(/Protocol\s*:\s*TLSv1\.2/);
    for (const old of ['-tls1_1', '-tls1']) {
      expect(openssl([old, '-cipher', 'DEFAULT@SECLEVEL=0'])).toMatch(/alert protocol version|Cipher is \(NONE\)/);
    }
    const plain = spawnSync('curl', ['-sS', '--max-time', '3', '-o', '/dev/null', '-w', '%{http_code}', `http://${target}/`], { encoding: 'utf8' });
    expect(plain.stdout.trim()).toBe('000');
  });

  it('notifies the webhook once when both Alertmanagers receive the same alert from both Prometheus servers', async () => {
    const [mon1, mon2] = nodes as [Node, Node];
    await waitForCluster(mon1, 2);
    // Two Prometheus servers, each sending to both Alertmanagers (replica label dropped, so the alerts are equal).
    for (const node of [mon1, mon2, mon2, mon1]) await postAlert(node, 'ClusterDedup');
    await waitFor('a notification of ClusterDedup', async () => (notificationsOf('ClusterDedup').length > 0 ? true : undefined), 30_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${logs()}`);
      },
    );
    // The second peer sends only if the first's notification log has not reached it within the peer timeout.
    await new Promise((resolve) => setTimeout(resolve, PEER_TIMEOUT_MS + 5_000));
    expect(notificationsOf('ClusterDedup').map((p) => [p.status, p.alerts.length])).toEqual([['firing', 1]]);
    expect(unauthorized).toEqual([]);
  });

  it('shows a silence made on one Alertmanager on the other', async () => {
    const [mon1, mon2] = nodes as [Node, Node];
    const now = Date.now();
    const { silenceID } = (await api(mon1, '/api/v2/silences', {
      method: 'POST',
      body: {
        matchers: [{ name: 'alertname', value: 'ClusterSilenced', isRegex: false, isEqual: true }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        createdBy: 'cluster test',
        comment: 'made on mon1',
      },
    })) as { silenceID: string };
    const seen = await waitFor(
      'the silence on mon2',
      async () => {
        const silences = (await api(mon2, '/api/v2/silences')) as { id: string; status: { state: string }; comment: string }[];
        return silences.find((s) => s.id === silenceID);
      },
      10_000,
    );
    expect([seen.status.state, seen.comment]).toEqual(['active', 'made on mon1']);
  });

  it('still notifies once with one Alertmanager killed (its host lost)', async () => {
    const [mon1, mon2] = nodes as [Node, Node];
    process.kill(mon1.daemon?.pid as number, 'SIGKILL');
    await mon1.daemon?.stop();
    // Prometheus keeps sending to both; only mon2 answers.
    await postAlert(mon2, 'ClusterOneLeft');
    await expect(postAlert(mon1, 'ClusterOneLeft')).rejects.toThrow();
    await waitFor('a notification of ClusterOneLeft', async () => (notificationsOf('ClusterOneLeft').length > 0 ? true : undefined), 60_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${logs()}`);
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(notificationsOf('ClusterOneLeft').map((p) => [p.status, p.alerts.length])).toEqual([['firing', 1]]);
    expect(notificationsOf('ClusterDedup')).toHaveLength(1);
  });
});
