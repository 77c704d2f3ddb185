// Alert messages end to end with real processes: Alertmanager 0.25 with a webhook_configs receiver
// (bearer token from a file, TLS with our CA) sends to the webhook plugin served by fastify over
// HTTPS on loopback; the ledger is a real Elasticsearch; Slack is the sandbox's fake. A firing
// group gives one chat.postMessage; its resolve edits that message with chat.update. Two
// replicas sharing Elasticsearch post a group once.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAlertLedger } from '../../../app/src/alerts/ledger.ts';
import { alertIndexDefinitions, alertIndexNames, ElasticAlertLedger } from '../../../app/src/alerts/ledger-elastic.ts';
import { AlertNotifier } from '../../../app/src/alerts/notifier.ts';
import { parseWebhookPayload, type WebhookPayload } from '../../../app/src/alerts/payload.ts';
import { alertmanagerWebhookPlugin } from '../../../app/src/alerts/webhook-route.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { createElasticsearchClient } from '../../../app/src/store/client.ts';
import { ensureDefinedIndices } from '../../../app/src/store/indices.ts';
import { SlackWebApi } from '../../../app/src/slack/web-api.ts';
import { startSlackFake, type SlackFake } from '../../../sandbox/slack.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { startElasticsearch, type ElasticsearchServer } from '../../support/elasticsearch.ts';
import { waitFor } from '../../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const token = 'integration-alertmanager-webhook-token';
const logger = pino({ level: 'silent' });

describe('Alertmanager webhook to Slack messages', () => {
  let certificates: TestCertificates;
  let es: ElasticsearchServer;
  let slack: SlackFake;
  let alertmanager: RunningAlertmanager | undefined;
  let server: FastifyInstance;
  let work: string;
  let client: ReturnType<typeof createElasticsearchClient>;
  let url: string;
  const metrics = createMetrics({ defaultMetrics: false });
  const names = alertIndexNames('alerts-it');

  const poster = (): SlackWebApi => new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, caFile: certificates.caFile, logger, metrics, retries: 0 });
  const calls = (channel: string) => slack.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === channel);

  beforeAll(async () => {
    certificates = await createTestCertificates();
    work = await mkdtemp(join(tmpdir(), 'chatops-alert-webhook-'));
    [es, slack] = await Promise.all([startElasticsearch(), startSlackFake({ host: '127.0.0.1', tls: { cert: certificates.cert, key: certificates.key } })]);
    client = createElasticsearchClient({ node: es.url, indexPrefix: 'alerts-it', retentionDays: 30, username: 'chatops' }, {}, { requestTimeoutMs: 10_000 });
    await ensureDefinedIndices(client, alertIndexDefinitions(names), logger);

    const notifier = new AlertNotifier({
      ledger: new ElasticAlertLedger(client, names, 'r1'),
      slack: poster(),
      links: { runbookBaseUrl: 'https://runbooks.example.test/' },
      replica: 'r1',
      logger,
    });
    server = Fastify({ https: { cert: certificates.cert, key: certificates.key } });
    await server.register(alertmanagerWebhookPlugin({ token, defaultChannel: 'C0DEFAULT', notifier, metrics, logger }));
    url = await server.listen({ host: '127.0.0.1', port: 0 });

    const tokenFile = join(work, 'webhook-token');
    await writeFile(tokenFile, token, { mode: 0o600 });
    alertmanager = await startAlertmanager(certificates, {
      route: { receiver: 'chatops', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'chatops',
          webhook_configs: [
            {
              url: `${url}/alertmanager/webhook?channel=C0ALERTS`,
              send_resolved: true,
              http_config: { authorization: { type: 'Bearer', credentials_file: tokenFile }, tls_config: { ca_file: certificates.caFile } },
            },
          ],
        },
      ],
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await server?.close();
    await client?.close();
    await slack?.close();
    await es?.destroy();
    await certificates?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('posts a firing group once and edits that message when it resolves', async () => {
    const endsAt = new Date(Date.now() + 6_000).toISOString();
    const add = await alertmanager!.amtool([
      'alert',
      'add',
      'alertname=WebhookTestDown',
      'severity=critical',
      'instance=db1',
      `--end=${endsAt}`,
      '--annotation=summary=db1 is down',
      '--annotation=runbook_url=WebhookTestDown',
    ]);
    expect(add.code, add.stderr).toBe(0);

    const posted = await waitFor('chat.postMessage for the group', async () => calls('C0ALERTS').find((c) => c.method === 'chat.postMessage'), 30_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\nalertmanager:\n${alertmanager!.daemon.output()}`);
      },
    );
    expect(String(posted.args.text)).toBe('🔥 FIRING (1): WebhookTestDown: db1 is down');
    expect(JSON.stringify(posted.args.blocks)).toContain('<https://runbooks.example.test/WebhookTestDown|Runbook>');
    const ts = String((posted.response as { ts?: unknown }).ts);

    const updated = await waitFor('chat.update on resolve', async () => calls('C0ALERTS').find((c) => c.method === 'chat.update'), 30_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\nalertmanager:\n${alertmanager!.daemon.output()}`);
      },
    );
    expect(updated.args.ts).toBe(ts);
    expect(String(updated.args.text)).toBe('✅ RESOLVED: WebhookTestDown: db1 is down');
    expect(JSON.stringify(updated.args.blocks)).not.toContain('alert_silence_1h');
    expect(calls('C0ALERTS').map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(slack.messages('C0ALERTS').map((m) => [m.ts, m.edited, m.text])).toEqual([[ts, true, '✅ RESOLVED: WebhookTestDown: db1 is down']]);
  });

  it('refuses a wrong token and a malformed body over HTTPS and posts nothing', async () => {
    const before = slack.calls.length;
    const dispatcher = new Agent({ connect: { ca: certificates.ca } });
    try {
      const post = (authorization: string, body: string) =>
        fetch(`${url}/alertmanager/webhook?channel=C0OTHER`, {
          method: 'POST',
          dispatcher,
          headers: { authorization, 'content-type': 'application/json' },
          body,
        });
      const wrong = await post('Bearer not-the-token', '{}');
      expect(wrong.status).toBe(401);
      const malformed = await post(`Bearer ${token}`, JSON.stringify({ version: '4', status: 'firing' }));
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: string }).error).toMatch(/^groupKey: is required/);
    } finally {
      await dispatcher.close();
    }
    expect(slack.calls.length).toBe(before);
  });

  it('two replicas sharing Elasticsearch post a group once and both edit the same message', async () => {
    const replicas = ['a', 'b'].map(
      (replica) => new AlertNotifier({ ledger: new ElasticAlertLedger(client, names, replica), slack: poster(), links: {}, replica, logger }),
    );
    const payload = (status: 'firing' | 'resolved', fingerprints: string[]): WebhookPayload => {
      const parsed = parseWebhookPayload({
        version: '4',
        groupKey: '{}:{alertname="RaceTest"}',
        truncatedAlerts: 0,
        status,
        receiver: 'chatops',
        groupLabels: { alertname: 'RaceTest' },
        commonLabels: { alertname: 'RaceTest' },
        commonAnnotations: {},
        externalURL: '',
        alerts: fingerprints.map((fingerprint) => ({
          status,
          labels: { alertname: 'RaceTest', fp: fingerprint },
          annotations: {},
          startsAt: '2026-11-28T08:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
          fingerprint,
        })),
      });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      return parsed.payload;
    };
    // the same notification at both replicas at once (an Alertmanager pair, or a retry)
    const same = await Promise.all(replicas.map((r) => r.notify('C0RACE', payload('firing', ['f1']))));
    expect(same.sort()).toEqual(['duplicate', 'posted']);
    // two different changes at once: one posts nothing new, both edit
    const changes = await Promise.all([
      replicas[0]!.notify('C0RACE', payload('firing', ['f1', 'f2'])),
      replicas[1]!.notify('C0RACE', payload('firing', ['f1', 'f2', 'f3'])),
    ]);
    expect(changes).toEqual(['updated', 'updated']);
    const race = calls('C0RACE');
    expect(race.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.update']);
    expect(new Set(race.slice(1).map((c) => c.args.ts))).toEqual(new Set([String((race[0]!.response as { ts?: unknown }).ts)]));
  });

  it('keeps a single replica exactly-once with the in-memory ledger', async () => {
    const notifier = new AlertNotifier({ ledger: new MemoryAlertLedger(), slack: poster(), links: {}, replica: 'solo', logger });
    const parsed = parseWebhookPayload({
      version: '4',
      groupKey: '{}:{alertname="Solo"}',
      status: 'firing',
      receiver: 'r',
      groupLabels: { alertname: 'Solo' },
      commonLabels: { alertname: 'Solo' },
      alerts: [{ status: 'firing', labels: { alertname: 'Solo' }, startsAt: '2026-11-28T08:00:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'x1' }],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(await Promise.all([notifier.notify('C0SOLO', parsed.payload), notifier.notify('C0SOLO', parsed.payload)])).toEqual(['posted', 'duplicate']);
    expect(calls('C0SOLO').map((c) => c.method)).toEqual(['chat.postMessage']);
  });
});
