// Prove it holds: the deployed appliance on the nspawn lab, end to end, under replica
// loss, under chaos (replicas and the whole Elasticsearch cluster at random; then one Alertmanager,
// one Prometheus and one Elasticsearch node at once), and against a security check of every host. One file so CI pays for one
// deploy: it brings the lab up and deploys it when needed, and takes it down again only if it
// brought it up. Every check prints its figures; docs/e2e.md has the table of the last run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexNames } from '../../app/src/store/indices.ts';
import { GITHUB_FAKE_TOKEN } from '../../sandbox/github.ts';
import { SLACK_FAKE_BOT_TOKEN, SLACK_FAKE_SIGNING_SECRET } from '../../sandbox/slack.ts';
import { REPO_ROOT } from '../../ops/paths.ts';
import {
  APP_HOSTS,
  CA_FILE,
  closeLabAgent,
  DOMAIN,
  elasticsearchAuth,
  ensureLab,
  frontBalancer,
  LAB_HOSTS,
  LB_IP,
  LOGGING_HOSTS,
  labFetch,
  labSecret,
  leaveLab,
  sandboxView,
  SECRETS_DIR,
  sleep,
  ssh,
  sshInput,
  waitFor,
  type LabHostName,
  type LabSession,
  type SandboxCall,
} from '../support/lab-access.ts';
import {
  backendServer,
  degradedLines,
  haproxyStats,
  installSchedules,
  PRIMARY,
  replicaDownPosts,
  REPLICAS,
  restoreSchedules,
  sendSlashCommand,
  sendWebhook,
  systemctl,
  type Replica,
} from '../support/lab-replicas.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const CERTS_DIR = path.join(REPO_ROOT, 'certs/generated');
/** elasticsearch_transport_port: the cluster's transport between the logging hosts. */
const ES_TRANSPORT_PORT = 9300;
const runId = Date.now().toString(36).toUpperCase();
let session: LabSession | undefined;

beforeAll(async () => {
  session = await ensureLab(print);
});

afterAll(async () => {
  try {
    await restoreSchedules();
    await Promise.all(['app1', 'app2'].map((h) => ssh(h as LabHostName, 'systemctl start chatops@1 chatops@2')));
    await Promise.all(LOGGING_HOSTS.map((h) => ssh(h, 'systemctl start elasticsearch elasticsearch-tls')));
  } finally {
    await closeLabAgent();
    await leaveLab(session, print);
  }
});

interface DigestPost {
  channel: string;
  fireTime: number;
  ts: string;
  at: number;
}

/** Scheduled digest parents the sandbox received, by the fire named in their metadata. */
async function digestPosts(channel: string): Promise<{ parents: DigestPost[]; replies: SandboxCall[] }> {
  const calls = await sandboxView<SandboxCall[]>('calls');
  const mine = calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.response.ok === true);
  const parents = mine.flatMap((c) => {
    const metadata = c.args.metadata as { event_type?: string; event_payload?: { fire_time?: string } } | undefined;
    if (c.args.thread_ts !== undefined || metadata?.event_type !== 'chatops_digest' || !metadata.event_payload?.fire_time) return [];
    return [{ channel, fireTime: Date.parse(metadata.event_payload.fire_time), ts: String(c.response.ts), at: c.at }];
  });
  return { parents, replies: mine.filter((c) => c.args.thread_ts !== undefined) };
}

function countBy<T>(items: T[], key: (item: T) => number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

describe('TLS everywhere', () => {
  const tlsFigures: string[] = [];
  afterAll(() => {
    print(`\nTLS: ${tlsFigures.length} listening sockets checked`);
    for (const line of tlsFigures) print(`  ${line}`);
  });

  function openssl(args: string[], input = ''): { code: number; out: string } {
    const r = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 15_000 });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  }

  it('our openssl client can still speak TLS 1.1 when a server offers it (so a refusal below is the server)', async () => {
    const certs = path.join(REPO_ROOT, 'certs/generated');
    const server = spawn(
      'openssl',
      [
        's_server',
        '-accept',
        '127.0.0.1:18466',
        '-cert',
        path.join(certs, 'sandbox.crt'),
        '-key',
        path.join(certs, 'sandbox.key'),
        '-tls1_1',
        '-cipher',
        'DEFAULT@SECLEVEL=0',
        '-www',
      ],
      { stdio: 'ignore' },
    );
    try {
      await sleep(1_000);
      const r = openssl(['s_client', '-connect', '127.0.0.1:18466', '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], 'Q\n');
      expect(r.out).toMatch(/Protocol\s*:\s*TLSv1\.1/);
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('every non-loopback listener on every lab host speaks TLS 1.2+ with our CA and refuses TLS 1.0/1.1 and plaintext; port 80 on the balancers only redirects', async () => {
    const problems: string[] = [];
    for (const host of LAB_HOSTS) {
      const r = await ssh(host.name, 'ss -Htlnp');
      expect(r.code, r.stderr).toBe(0);
      const sockets = r.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const fields = line.trim().split(/\s+/);
          const local = fields[3] ?? '';
          const port = Number(local.slice(local.lastIndexOf(':') + 1));
          const address = local.slice(0, local.lastIndexOf(':')).replace(/^\[|\]$/g, '');
          const process = /users:\(\("([^"]+)"/.exec(line)?.[1] ?? '?';
          return { address, port, process };
        });
      const exposed = sockets.filter((s) => !/^127\./.test(s.address) && s.address !== '::1' && !s.address.startsWith('::ffff:127.'));
      const ports = [...new Map(exposed.map((s) => [s.port, s])).values()];
      expect(ports.length, `${host.name} listens on nothing`).toBeGreaterThan(0);
      for (const socket of ports) {
        const target = `${host.ip}:${socket.port}`;
        const label = `${host.name}:${socket.port} (${socket.process})`;
        if (socket.port === 22 && socket.process === 'sshd') {
          // The lab's management channel: SSH, not TLS; key-only (BatchMode connections above).
          const banner = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/${host.ip}/22; head -n 1 <&3`], { encoding: 'utf8', timeout: 5_000 }).stdout;
          tlsFigures.push(`${label.padEnd(40)} SSH (${banner.trim().split('\r')[0]})`);
          if (!banner.startsWith('SSH-2.0-')) problems.push(`${label}: expected an SSH-2.0 banner, got ${JSON.stringify(banner)}`);
          continue;
        }
        if ((host.groups as readonly string[]).includes('lb') && socket.port === 80) {
          const redirect = spawnSync(
            'curl',
            ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', `Host: chatops.${DOMAIN}`, `http://${target}/health`],
            { encoding: 'utf8' },
          );
          tlsFigures.push(`${label.padEnd(40)} plain HTTP: ${redirect.stdout}`);
          if (!/^30[18] https:\/\//.test(redirect.stdout)) problems.push(`${label}: port 80 must only redirect to https, answered ${redirect.stdout}`);
          const body = spawnSync('curl', ['-sS', '--max-time', '10', '-H', `Host: chatops.${DOMAIN}`, `http://${target}/health`], { encoding: 'utf8' }).stdout;
          if (body.includes('"status"')) problems.push(`${label}: port 80 served the app's content`);
          continue;
        }
        const name = `${host.name}.${DOMAIN}`;
        // The Elasticsearch cluster's transport (the TLS proxy's tunnel between the logging hosts) demands a
        // client certificate of our CA issued to elasticsearch: the scan presents the nodes' own.
        const transport = (host.groups as readonly string[]).includes('logging') && socket.port === ES_TRANSPORT_PORT;
        const clientCert = transport ? ['-cert', path.join(CERTS_DIR, 'elasticsearch.crt'), '-key', path.join(CERTS_DIR, 'elasticsearch.key')] : [];
        const base = [
          's_client',
          '-connect',
          target,
          '-servername',
          name,
          '-CAfile',
          CA_FILE,
          '-no-CApath',
          '-no-CAstore',
          '-verify_return_error',
          '-verify_hostname',
          name,
          ...clientCert,
        ];
        const modern = openssl([...base, '-tls1_2'], 'Q\n');
        const tls13 = openssl([...base, '-tls1_3'], 'Q\n');
        const tls11 = openssl(['s_client', '-connect', target, '-servername', name, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], 'Q\n');
        const tls10 = openssl(['s_client', '-connect', target, '-servername', name, '-tls1', '-cipher', 'DEFAULT@SECLEVEL=0'], 'Q\n');
        const plain = spawnSync('curl', ['-sS', '--max-time', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://${target}/`], {
          encoding: 'utf8',
        }).stdout.trim();
        const verified = /Verify return code: 0 \(ok\)/.test(modern.out) || /Verify return code: 0 \(ok\)/.test(tls13.out);
        const protocol = /Protocol\s*:\s*(TLSv[\d.]+)/.exec(tls13.out)?.[1] ?? /Protocol\s*:\s*(TLSv[\d.]+)/.exec(modern.out)?.[1] ?? 'none';
        const oldAccepted = [tls11, tls10].filter((x) => /Protocol\s*:\s*TLSv1(\.1)?\s*$/m.test(x.out) && /Cipher is (?!\(NONE\))/.test(x.out));
        // Mutual TLS (Alertmanager's gossip port): the server verified, then the handshake ends for want of our client certificate.
        const clientCertRequired = /alert bad certificate|alert certificate required/.test(modern.out);
        tlsFigures.push(
          `${label.padEnd(40)} ${transport ? 'mutual TLS; ' : ''}${verified ? 'our CA, name ok' : 'NOT VERIFIED'}; best ${protocol}; TLS1.2 ${modern.code === 0 && /TLSv1\.2/.test(modern.out) ? 'yes' : clientCertRequired ? 'client certificate required' : 'no'}; TLS1.0/1.1 ${oldAccepted.length ? 'ACCEPTED' : 'refused'}; plaintext ${plain === '000' || plain === '400' ? `refused (${plain})` : `ANSWERED ${plain}`}`,
        );
        if (!verified)
          problems.push(
            `${label}: no TLS with a certificate from our CA for ${name}: ${modern.out
              .split('\n')
              .filter((l) => /verify|error|Verification/i.test(l))
              .slice(0, 3)
              .join(' | ')}`,
          );
        if (oldAccepted.length) problems.push(`${label}: accepted TLS 1.0/1.1`);
        if (!(plain === '000' || plain === '400')) problems.push(`${label}: answered plain HTTP with ${plain}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('a person’s view: the HAProxy stats page', () => {
  it('shows every app replica UP behind the stats login (screenshot in test-artifacts/)', async () => {
    // Chromium trusts exactly HAProxy's key (SPKI pin of our CA-issued leaf), nothing else.
    const spki = spawnSync(
      'bash',
      [
        '-c',
        `openssl x509 -in ${path.join(REPO_ROOT, 'certs/generated/haproxy.crt')} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
      ],
      { encoding: 'utf8' },
    ).stdout.trim();
    mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync', // Playwright adds a fresh temporary --user-data-dir itself
        `--host-resolver-rules=MAP lb1.${DOMAIN} ${LAB_HOSTS.find((h) => h.name === 'lb1')?.ip ?? ''}`,
        `--ignore-certificate-errors-spki-list=${spki}`,
      ],
    });
    try {
      // Without the login: 401 (asked with an HTTP client; headless Chromium turns an unanswered challenge into an error).
      expect((await labFetch(`https://lb1.${DOMAIN}:8404/`)).status).toBe(401);
      const wrong = await browser.newContext({ httpCredentials: { username: 'admin', password: 'not-the-password' } });
      const wrongAnswer = await (await wrong.newPage()).goto(`https://lb1.${DOMAIN}:8404/`).then(
        (r) => String(r?.status()),
        (error: unknown) => String(error),
      );
      expect(wrongAnswer).toMatch(/^401$|ERR_INVALID_AUTH_CREDENTIALS/);
      await wrong.close();

      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: labSecret('haproxy_stats_password') },
        viewport: { width: 1600, height: 1000 },
      });
      const page = await context.newPage();
      const response = await page.goto(`https://lb1.${DOMAIN}:8404/`);
      expect(response?.status()).toBe(200);
      // Runs in the page (a string: this project compiles without the DOM library).
      const rows = await page.evaluate<{ name: string; text: string }[]>(
        `[...document.querySelectorAll('a[name^="chatops/"]')].map((a) => ({ name: a.getAttribute('name') || '', text: a.closest('tr') ? a.closest('tr').innerText : '' }))`,
      );
      const servers = rows.filter((r) => !/\/(Frontend|Backend)$/.test(r.name));
      const screenshot = path.join(REPO_ROOT, 'test-artifacts', 'haproxy-stats.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      print(
        `\nstats page: ${servers.map((s) => `${s.name.split('/')[1]} ${/\bUP\b/.test(s.text) ? 'UP' : 'not UP'}`).join(', ')}; screenshot ${path.relative(REPO_ROOT, screenshot)}`,
      );
      expect(servers.map((s) => s.name.split('/')[1]).sort()).toEqual(REPLICAS.map((r) => r.name).sort());
      for (const server of servers) expect(server.text, server.name).toMatch(/\bUP\b/);
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});

describe('end to end through HAProxy', () => {
  const channel = `C0E2E${runId}`;

  it('answers a signed /prs all from a replica, with the answer at the Slack sandbox', async () => {
    const sent = await sendSlashCommand('all', 'U0CAROL');
    expect(sent.status, sent.body).toBe(200);
    expect(sent.ackMs).toBeLessThan(3_000);
    const started = Date.now();
    const answer = await waitFor(
      '/prs all answer at the sandbox',
      async () => (await sandboxView<{ id: string; body: { text?: string; response_type?: string } }[]>('responses')).find((r) => r.id === sent.responseId),
      30_000,
      250,
    );
    print(`\n/prs all: ack ${sent.ackMs} ms, answer at the sandbox ${sent.ackMs + Date.now() - started} ms after sending: "${answer.body.text}"`);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(answer.body.text).toMatch(/^Open pull requests \(\d+\)$/);
  });

  it('posts each scheduled digest exactly once from the four replicas, and a GitHub webhook updates its thread', async () => {
    await installSchedules([{ name: 'e2e-digest', channel, cron: '*/10 * * * * *', timezone: 'UTC', kind: 'digest' }]);
    const installed = Date.now();
    await sleep(42_000);
    const { parents, replies } = await digestPosts(channel);
    const perFire = countBy(parents, (p) => p.fireTime);
    const fires: number[] = [];
    for (let t = Math.ceil((installed + 2_000) / 10_000) * 10_000; t <= Date.now() - 8_000; t += 10_000) fires.push(t);
    print(
      `\nscheduled digest: ${fires.length} fires, ${parents.length} digests posted, per fire ${fires.map((f) => perFire.get(f) ?? 0).join(' ')}; ${replies.length} thread replies`,
    );
    expect(fires.length).toBeGreaterThanOrEqual(3);
    for (const fire of fires) expect(perFire.get(fire) ?? 0, new Date(fire).toISOString()).toBe(1);
    expect([...perFire.values()].every((n) => n === 1)).toBe(true);

    // Merge a PR listed in the latest digest: its reply in this channel is updated in place. The
    // schedule is removed first, so no newer digest supersedes it; one may still fire while the
    // replicas restart, so the latest digest is read after that.
    await restoreSchedules();
    const after = await digestPosts(channel);
    const latest = after.parents.at(-1);
    expect(latest).toBeDefined();
    const reply = after.replies.find((r) => r.args.thread_ts === latest?.ts && JSON.stringify(r.args).includes('acme/api#101'));
    expect(reply, 'the digest lists acme/api#101').toBeDefined();
    const payload = {
      action: 'closed',
      number: 101,
      pull_request: {
        number: 101,
        title: 'Add pagination to /v1/orders',
        html_url: 'https://github.test/acme/api/pull/101',
        merged: true,
        state: 'closed',
        user: { login: 'alice' },
      },
      repository: { full_name: 'acme/api', name: 'api', owner: { login: 'acme' } },
      sender: { login: 'bob' },
    };
    const sentAt = Date.now();
    const delivered = await sendWebhook('pull_request', payload);
    expect(delivered.status, delivered.body).toBe(200);
    const update = await waitFor(
      'chat.update of the digest reply',
      async () =>
        (await sandboxView<SandboxCall[]>('calls')).find(
          (c) => c.method === 'chat.update' && c.args.channel === channel && c.args.ts === reply?.response.ts && c.at >= sentAt,
        ),
      30_000,
      500,
    );
    print(`webhook: pull_request.closed (merged) → chat.update of ${channel} ${String(update.args.ts)} in ${update.at - sentAt} ms`);
    expect(JSON.stringify(update.args)).toContain('Merged');
  });
});

describe('replica loss under load', () => {
  const victim = REPLICAS.find((r) => r.name === 'app2-1') as Replica;

  afterAll(async () => {
    await ssh(victim.host, `systemctl start chatops@${victim.n}`);
  });

  it('loses at most 0.1 % of /health requests while a replica stops, alerts Slack through the app, and takes the replica back', async () => {
    await waitFor(
      'all replicas UP in HAProxy',
      async () => ((await haproxyStats()).filter((r) => r.proxy === 'chatops' && /^app/.test(r.server)).every((r) => r.status === 'UP') ? true : undefined),
      90_000,
    );
    const webhookBefore = (await sandboxView<unknown[]>('webhook')).length;
    const balancer = await frontBalancer();
    const loadStartedS = Math.floor(Date.now() / 1000);
    const durationS = 50;
    const wrk = spawn('wrk', ['-t2', '-c16', `-d${durationS}s`, '--timeout', '5s', '-H', `Host: chatops.${DOMAIN}`, `https://${LB_IP}/health`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    wrk.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    wrk.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const finished = new Promise<number | null>((resolve) => wrk.on('close', resolve));

    await sleep(10_000);
    const stoppedAt = Date.now();
    await systemctl(victim.host, 'stop', `chatops@${victim.n}`);
    const stopReturned = Date.now();
    await waitFor(
      'HAProxy marks the stopped replica DOWN',
      async () => (/DOWN/.test((await backendServer(victim.name)).status) ? true : undefined),
      60_000,
      200,
    );
    const downAt = Date.now();
    const code = await finished;
    expect(code, out).toBe(0);

    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
    const failures = non2xx + socketErrors;
    print(
      `\nreplica loss: ${requests} requests in ${durationS} s through HAProxy over TLS, ${failures} failed (${((failures / requests) * 100).toFixed(3)} %: ${non2xx} non-2xx, ${socketErrors} socket errors); systemctl stop took ${stopReturned - stoppedAt} ms; HAProxy marked ${victim.name} DOWN ${downAt - stoppedAt} ms after the stop`,
    );
    expect(requests).toBeGreaterThan(1_000);
    expect(failures / requests).toBeLessThanOrEqual(0.001);
    // HAProxy's access log under this load: journald's rate limit drops none of it (the role raises it for the unit).
    const since = `--since @${loadStartedS}`;
    const logged = await ssh(
      balancer,
      `journalctl -u haproxy ${since} -o cat | grep -c 'GET /health HTTP'; journalctl -u systemd-journald ${since} -o cat | grep 'from haproxy.service' || true`,
    );
    const [loggedLines, ...suppressed] = logged.stdout.trim().split('\n');
    print(
      `replica loss: ${balancer}'s journal holds ${loggedLines} HAProxy lines of /health for the ${requests} requests${suppressed.length ? `; journald: ${suppressed.join('; ')}` : ''}`,
    );
    expect(suppressed).toEqual([]);

    // Alertmanager hands the alert to the app (alerts.test.ts follows it to resolved), which posts it.
    const alert = await waitFor(
      'ChatOpsReplicaDown posted by the app to the Slack sandbox',
      async () =>
        (await sandboxView<SandboxCall[]>('calls')).find(
          (c) =>
            c.at >= stoppedAt &&
            c.method === 'chat.postMessage' &&
            /^🔥 FIRING \(\d+\): ChatOpsReplicaDown/.test(String(c.args.text)) &&
            JSON.stringify(c.args.blocks ?? []).includes(`10.77.0.22:${victim.port}`),
        ),
      300_000,
      5_000,
    );
    print(
      `replica loss: ChatOpsReplicaDown reached Slack through the app ${Math.round((alert.at - stoppedAt) / 1000)} s after the stop: ${String(alert.args.text)}`,
    );
    expect((await sandboxView<unknown[]>('webhook')).slice(webhookBefore).filter((m) => /ChatOpsReplicaDown/.test(JSON.stringify(m)))).toEqual([]);

    const before = await backendServer(victim.name);
    const startedAt = Date.now();
    await systemctl(victim.host, 'start', `chatops@${victim.n}`);
    await waitFor('HAProxy marks the replica UP again', async () => ((await backendServer(victim.name)).status === 'UP' ? true : undefined), 90_000, 500);
    const upAt = Date.now();
    for (let i = 0; i < 40; i += 1) expect((await labFetch(`https://chatops.${DOMAIN}/health`)).status).toBe(200);
    const after = await backendServer(victim.name);
    print(`replica loss: ${victim.name} UP again ${upAt - startedAt} ms after start; it served ${after.sessions - before.sessions} of 40 new requests`);
    expect(after.sessions).toBeGreaterThan(before.sessions);
  });
});

describe('scheduled posts under chaos', () => {
  const channel = `C0CHAOS${runId}`;

  it('posts every fire at most once, and every fire while a replica could post it, while replicas and the whole Elasticsearch cluster stop and start at random', async () => {
    await installSchedules([{ name: 'e2e-chaos', channel, cron: '*/5 * * * * *', timezone: 'UTC', kind: 'digest' }], { repositories: ['acme/infra'] });
    const running = new Map<string, number>(REPLICAS.map((r) => [r.name, Date.now()]));
    const lives: { replica: string; up: number; down: number }[] = [];
    const esDown: { from: number; to: number }[] = [];
    const runStart = Date.now();
    const runMs = 270_000;
    const events: string[] = [];
    let esStopped = false;
    let esStoppedAt = 0;
    while (Date.now() - runStart < runMs) {
      await sleep(8_000 + Math.floor(Math.random() * 8_000));
      const elapsed = Date.now() - runStart;
      if (!esStopped && elapsed > 60_000 && elapsed < 120_000) {
        esStoppedAt = Date.now();
        // Every node: one node's loss is the cluster's own business (elasticsearch-cluster.test.ts).
        await Promise.all(LOGGING_HOSTS.map((h) => systemctl(h, 'stop', 'elasticsearch')));
        esStopped = true;
        events.push(`${Math.round(elapsed / 1000)}s es stop`);
        continue;
      }
      if (esStopped && Date.now() - esStoppedAt > 40_000) {
        await Promise.all(LOGGING_HOSTS.map((h) => systemctl(h, 'start', 'elasticsearch')));
        await waitFor(
          'Elasticsearch healthy',
          async () =>
            (await labFetch(`https://mon1.${DOMAIN}:9200/_cluster/health`, { headers: elasticsearchAuth(), timeoutMs: 5_000 })).status === 200
              ? true
              : undefined,
          180_000,
          1_000,
        );
        esDown.push({ from: esStoppedAt, to: Date.now() });
        esStopped = false;
        events.push(`${Math.round(elapsed / 1000)}s es start (healthy after ${Math.round((Date.now() - esStoppedAt) / 1000)}s down)`);
        continue;
      }
      const replica = REPLICAS[Math.floor(Math.random() * REPLICAS.length)] as Replica;
      const since = running.get(replica.name);
      if (since !== undefined && running.size > 1) {
        await systemctl(replica.host, 'stop', `chatops@${replica.n}`);
        running.delete(replica.name);
        lives.push({ replica: replica.name, up: since, down: Date.now() });
        events.push(`${Math.round(elapsed / 1000)}s stop ${replica.name}`);
      } else if (since === undefined) {
        await systemctl(replica.host, 'start', `chatops@${replica.n}`);
        running.set(replica.name, Date.now());
        events.push(`${Math.round(elapsed / 1000)}s start ${replica.name}`);
      }
    }
    if (esStopped) {
      await Promise.all(LOGGING_HOSTS.map((h) => systemctl(h, 'start', 'elasticsearch')));
      esDown.push({ from: esStoppedAt, to: Date.now() + 60_000 });
    }
    const runEnd = Date.now();
    for (const [replica, up] of running) lives.push({ replica, up, down: runEnd });
    await sleep(8_000);
    await restoreSchedules();

    const { parents } = await digestPosts(channel);
    const perFire = countBy(parents, (p) => p.fireTime);
    const fires: number[] = [];
    for (let t = Math.ceil((runStart + 5_000) / 5_000) * 5_000; t <= runEnd - 5_000; t += 5_000) fires.push(t);
    // A replica can post fire F when it had been started 15 s before (boot, first claim) and was
    // not stopped until 5 s after; without Elasticsearch only the primary posts (docs/coordination.md).
    const alive = (replica: string | undefined, fire: number): boolean =>
      lives.some((l) => (replica === undefined || l.replica === replica) && l.up <= fire - 15_000 && l.down >= fire + 5_000);
    const esOut = (fire: number): boolean => esDown.some((d) => fire >= d.from - 5_000 && fire <= d.to + 15_000);
    const covered = fires.filter((f) => (esOut(f) ? alive(PRIMARY, f) : alive(undefined, f)));
    const missing = covered.filter((f) => !perFire.has(f)).map((f) => new Date(f).toISOString());
    const duplicates = [...perFire].filter(([, n]) => n > 1).map(([t, n]) => `${new Date(t).toISOString()} x${n}`);
    print(
      `\nchaos: ${fires.length} fires in ${Math.round((runEnd - runStart) / 1000)} s, ${parents.length} digests posted, ${covered.length} fires had a replica able to post, ${missing.length} of them missing, ${duplicates.length} duplicates; Elasticsearch down ${esDown.map((d) => `${Math.round((d.to - d.from) / 1000)} s`).join(', ') || 'never'}`,
    );
    print(`chaos events: ${events.join('; ')}`);
    expect(fires.length).toBeGreaterThanOrEqual(50);
    expect(esDown.length, 'Elasticsearch was stopped during the run').toBeGreaterThan(0);
    expect(duplicates).toEqual([]);
    expect(missing).toEqual([]);
    expect(covered.length).toBeGreaterThan(fires.length / 2);
  });
});

describe('one of each stopped', () => {
  const channel = `C0ONEEACH${runId}`;
  /** stopped by this check and started again in its finally */
  const stopped: { host: LabHostName; unit: string }[] = [];
  const alertmanagerAuth = (): Record<string, string> => ({
    authorization: `Basic ${Buffer.from(`alertmanager:${labSecret('alertmanager_web_password')}`).toString('base64')}`,
  });
  const esGet = async <T>(host: LabHostName, route: string): Promise<T> => {
    const response = await labFetch(`https://${host}.${DOMAIN}:9200${route}`, { headers: elasticsearchAuth(), timeoutMs: 15_000 });
    if (response.status !== 200) throw new Error(`${host} ${route}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const activeReplicaDown = async (host: LabHostName): Promise<number> => {
    const url = `https://${host}.${DOMAIN}:9093/api/v2/alerts?active=true&silenced=false&inhibited=false&filter=${encodeURIComponent('alertname="ChatOpsReplicaDown"')}`;
    const response = await labFetch(url, { headers: alertmanagerAuth(), timeoutMs: 5_000 });
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    return ((await response.json()) as unknown[]).length;
  };

  it('posts every fire exactly once without a degraded coordinator, and a stopped replica’s alert once, with one Alertmanager, one Prometheus and one Elasticsearch node stopped', async () => {
    // From a settled appliance: every replica and node up, no replica alert still firing from an earlier check.
    await Promise.all(APP_HOSTS.map((h) => ssh(h, 'systemctl start chatops@1 chatops@2')));
    await Promise.all(LOGGING_HOSTS.map((h) => ssh(h, 'systemctl start elasticsearch elasticsearch-tls')));
    await waitFor(
      'a green cluster of every logging host',
      async () => {
        const h = await esGet<{ status: string; number_of_nodes: number }>(LOGGING_HOSTS[0] as LabHostName, '/_cluster/health?timeout=5s');
        return h.status === 'green' && h.number_of_nodes === LOGGING_HOSTS.length ? true : undefined;
      },
      240_000,
      2_000,
    );
    await waitFor('no ChatOpsReplicaDown firing', async () => ((await activeReplicaDown('mon1')) === 0 ? true : undefined), 240_000, 5_000);
    await installSchedules([{ name: 'e2e-one-of-each', channel, cron: '*/5 * * * * *', timezone: 'UTC', kind: 'digest' }], { repositories: ['acme/infra'] });
    const start = Date.now();
    await sleep(15_000);

    const claims = await esGet<{ prirep: string; node: string }[]>(
      LOGGING_HOSTS[0] as LabHostName,
      `/_cat/shards/${indexNames('chatops').claims}?format=json&h=prirep,node`,
    );
    const esVictim = claims.find((c) => c.prirep === 'p')?.node as LabHostName;
    expect((LOGGING_HOSTS as string[]).includes(esVictim), JSON.stringify(claims)).toBe(true);
    const replica = REPLICAS.find((r) => r.name === 'app1-2') as Replica;
    // Prometheus on mon1 and Alertmanager on mon2: the alert has to go from mon2's Prometheus to mon1's Alertmanager.
    const victims: { host: LabHostName; unit: string }[] = [
      { host: 'mon1', unit: 'prometheus' },
      { host: 'mon2', unit: 'prometheus-alertmanager' },
      { host: esVictim, unit: 'elasticsearch' },
    ];
    const stoppedAt = Date.now();
    try {
      for (const v of victims) stopped.push(v);
      await Promise.all(victims.map((v) => systemctl(v.host, 'stop', v.unit)));
      stopped.push({ host: replica.host, unit: `chatops@${replica.n}` });
      await systemctl(replica.host, 'stop', `chatops@${replica.n}`);
      const posted = await waitFor('the ChatOpsReplicaDown message from the app', async () => (await replicaDownPosts(replica, stoppedAt))[0], 300_000, 2_000);
      const alertAfterS = Math.round((posted.at - stoppedAt) / 1000);
      // Alertmanager's peer timeout (15 s) and more: a second notification would come within it.
      await sleep(30_000);
      const posts = await replicaDownPosts(replica, stoppedAt);
      const downS = Math.round((Date.now() - stoppedAt) / 1000);
      const witness = LOGGING_HOSTS.find((h) => h !== esVictim) as LabHostName;
      const during = await esGet<{ status: string; number_of_nodes: number }>(witness, '/_cluster/health?timeout=5s');
      await Promise.all(stopped.splice(0).map((v) => systemctl(v.host, 'start', v.unit)));
      await waitFor(
        'green with every node back',
        async () => {
          const h = await esGet<{ status: string; number_of_nodes: number }>(witness, '/_cluster/health?timeout=5s');
          return h.status === 'green' && h.number_of_nodes === LOGGING_HOSTS.length ? true : undefined;
        },
        240_000,
        2_000,
      );
      await sleep(5_000);
      await restoreSchedules();
      const end = Date.now();

      const { parents } = await digestPosts(channel);
      const perFire = countBy(parents, (p) => p.fireTime);
      // Every fire from the replicas' start (boot, first claim) until the schedules went back.
      const fires: number[] = [];
      for (let t = Math.ceil((start + 5_000) / 5_000) * 5_000; t <= end - 15_000; t += 5_000) fires.push(t);
      const missing = fires.filter((f) => !perFire.has(f)).map((f) => new Date(f).toISOString());
      const duplicates = [...perFire].filter(([, n]) => n > 1).map(([t, n]) => `${new Date(t).toISOString()} x${n}`);
      const degraded = await degradedLines(start);
      print(
        `\none of each stopped: prometheus on mon1, prometheus-alertmanager on mon2, elasticsearch on ${esVictim} (claims primary; cluster ${during.status} with ${during.number_of_nodes} nodes meanwhile) and chatops@${replica.n} on ${replica.host} for ${downS} s; ${fires.length} fires, ${parents.length} digests posted, ${missing.length} missing, ${duplicates.length} duplicates; degraded log lines ${degraded.length}; ChatOpsReplicaDown for ${replica.name} posted by the app ${alertAfterS} s after the stop, ${posts.length} post(s) within ${downS} s`,
      );
      for (const line of degraded) print(`  ${line}`);
      expect(fires.length).toBeGreaterThanOrEqual(20);
      expect(duplicates).toEqual([]);
      expect(missing).toEqual([]);
      expect(degraded).toEqual([]);
      expect(posts).toHaveLength(1);
    } finally {
      await Promise.all(stopped.splice(0).map((v) => ssh(v.host, `systemctl start ${v.unit}`)));
    }
  });
});

describe('secrets', () => {
  it('no token or password in any journal, log file, process argument list or world-readable file on any lab host; secret files are 0600', async () => {
    const names = readdirSync(SECRETS_DIR).filter((n) => n !== 'bcrypt_salt'); // a salt is public by design (it is in every hash)
    // The Elasticsearch proxy's password too: Filebeat's keystore, the app's secrets.yml and the retention job hold it.
    expect(names).toEqual(expect.arrayContaining(['elasticsearch_password', 'prometheus_web_password', 'haproxy_stats_password']));
    // The Alertmanager webhook's bearer token is scanned like every other generated secret.
    expect(names).toContain('alertmanager_webhook_token');
    const secrets = [...names.map((n) => labSecret(n)), SLACK_FAKE_BOT_TOKEN, SLACK_FAKE_SIGNING_SECRET, GITHUB_FAKE_TOKEN].filter((s) => s.length >= 8);
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    for (const name of readdirSync(SECRETS_DIR)) expect((statSync(path.join(SECRETS_DIR, name)).mode & 0o777).toString(8), `.lab/secrets/${name}`).toBe('600');

    const patterns = `${secrets.join('\n')}\n`;
    const script = [
      'set -u; P=$(mktemp /run/e2e-patterns.XXXXXX); chmod 600 "$P"; cat > "$P"',
      'echo "== journal"; journalctl --no-pager -o cat 2>/dev/null | grep -cF -f "$P" || true',
      'echo "== logs"; grep -rlF -f "$P" /var/log 2>/dev/null || true',
      'echo "== cmdline"; for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f" 2>/dev/null; echo; done | grep -F -f "$P" | sed "s/^/pid-arg: /" | cut -c1-60 || true',
      'echo "== world-readable"; find /etc /opt /var /srv /home /root /run /tmp /usr/local -xdev -type f -perm -o+r -size -20M 2>/dev/null | grep -v "^$P$" | xargs -r -d "\\n" grep -lF -f "$P" 2>/dev/null || true',
      'echo "== holders"; find /etc /opt /var /srv /home /root /usr/local -xdev -type f -size -20M 2>/dev/null | xargs -r -d "\\n" grep -lF -f "$P" 2>/dev/null | while read -r f; do stat -c "%a %U:%G %n" "$f"; done',
      'echo "== keys"; find /etc -xdev -type f \\( -name "*.key" -o -name "*.pem" \\) 2>/dev/null | while read -r f; do if grep -q "PRIVATE KEY" "$f"; then stat -c "%a %U:%G %n" "$f"; fi; done',
      'rm -f "$P"',
    ].join('\n');
    const problems: string[] = [];
    for (const host of LAB_HOSTS) {
      const r = await sshInput(host.name, `bash -c '${script.replace(/'/g, `'\\''`)}'`, patterns, 300_000);
      expect(r.code, r.stderr).toBe(0);
      const sections = new Map<string, string[]>();
      let current = '';
      for (const line of r.stdout.split('\n')) {
        const head = /^== (.+)$/.exec(line);
        if (head?.[1]) {
          current = head[1];
          sections.set(current, []);
        } else if (line.trim()) sections.get(current)?.push(line.trim());
      }
      const journalHits = Number(sections.get('journal')?.[0] ?? NaN);
      const holders = sections.get('holders') ?? [];
      const keys = sections.get('keys') ?? [];
      print(
        `secrets ${host.name}: journal lines with a secret ${journalHits}; log files ${sections.get('logs')?.length ?? 0}; process args ${sections.get('cmdline')?.length ?? 0}; world-readable ${sections.get('world-readable')?.length ?? 0}; files holding secrets ${holders.length} (${holders.map((h) => h.split(' ').slice(0, 1).join('') + ' ' + (h.split(' ')[2] ?? '')).join(', ')}); private keys ${keys.length}`,
      );
      if (!(journalHits === 0)) problems.push(`${host.name}: ${journalHits} journal lines carry a secret`);
      for (const f of sections.get('logs') ?? []) problems.push(`${host.name}: log file ${f} carries a secret`);
      for (const f of sections.get('cmdline') ?? []) problems.push(`${host.name}: a process argument list carries a secret (${f.slice(0, 20)}…)`);
      for (const f of sections.get('world-readable') ?? []) problems.push(`${host.name}: world-readable ${f} carries a secret`);
      for (const h of [...holders, ...keys]) {
        const [mode, , file] = h.split(' ');
        if (!/^[46]00$/.test(mode ?? '')) problems.push(`${host.name}: ${file} holds a secret with mode ${mode} (want 0600)`);
      }
    }
    expect(problems).toEqual([]);
  });
});
