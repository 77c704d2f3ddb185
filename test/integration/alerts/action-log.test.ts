// Every alert button click leaves an ECS log event and a document in Elasticsearch (who, what,
// when, the silence id, the outcome): a real Elasticsearch, a real Alertmanager 0.25, the Slack
// fake, and the ledger and action log the replicas use. Without Elasticsearch the memory log
// keeps the same document; a failing write is logged and never undoes the click.
import { Writable } from 'node:stream';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertActionIndexDefinition,
  ElasticAlertActionLog,
  MemoryAlertActionLog,
  type AlertActionLog,
  type AlertActionRecord,
} from '../../../app/src/alerts/action-log.ts';
import { alertActions, alertCommandActions } from '../../../app/src/alerts/actions.ts';
import { AlertmanagerClient } from '../../../app/src/alerts/alertmanager.ts';
import { AlertButtons } from '../../../app/src/alerts/buttons.ts';
import { AlertCommands } from '../../../app/src/alerts/commands.ts';
import { MemoryAlertLedger, type AlertLedger } from '../../../app/src/alerts/ledger.ts';
import { alertIndexDefinitions, alertIndexNames, ElasticAlertLedger } from '../../../app/src/alerts/ledger-elastic.ts';
import { AlertNotifier } from '../../../app/src/alerts/notifier.ts';
import { parseWebhookPayload, type WebhookPayload } from '../../../app/src/alerts/payload.ts';
import { messageKey } from '../../../app/src/alerts/render.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { ensureDefinedIndices } from '../../../app/src/store/indices.ts';
import { SlackWebApi } from '../../../app/src/slack/web-api.ts';
import { startSlackFake, type SlackFake } from '../../../sandbox/slack.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { freePort, startElasticsearch, type ElasticsearchServer } from '../../support/elasticsearch.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const alice = { id: 'U0ALICE', name: 'alice' };
const bob = { id: 'U0BOB', name: 'bob' };
const eve = { id: 'U0EVE', name: 'eve' };
const PREFIX = 'actiontest';
const ACTIONS_INDEX = `${PREFIX}-alert-actions`;

/** A pino logger whose JSON lines the test reads. */
function capturedLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function payload(alertname: string): WebhookPayload {
  const parsed = parseWebhookPayload({
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    status: 'firing',
    receiver: 'chatops',
    groupLabels: { alertname },
    commonLabels: { alertname, severity: 'warning' },
    alerts: [
      { status: 'firing', labels: { alertname, severity: 'warning' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: 'a1' },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.payload;
}

describe('alert actions are recorded', () => {
  let certificates: TestCertificates;
  let es: ElasticsearchServer;
  let alertmanager: RunningAlertmanager;
  let slack: SlackFake;
  let esClient: Client;
  let amClient: AlertmanagerClient;
  let poster: SlackWebApi;
  const metrics = createMetrics({ defaultMetrics: false });
  const quiet = pino({ level: 'silent' });

  beforeAll(async () => {
    certificates = await createTestCertificates();
    [es, alertmanager, slack] = await Promise.all([
      startElasticsearch(),
      startAlertmanager(certificates, { route: { receiver: 'nobody' }, receivers: [{ name: 'nobody' }] }),
      startSlackFake({ host: '127.0.0.1', tls: { cert: certificates.cert, key: certificates.key } }),
    ]);
    esClient = new Client({ node: es.url });
    await ensureDefinedIndices(esClient, [...alertIndexDefinitions(alertIndexNames(PREFIX)), alertActionIndexDefinition(ACTIONS_INDEX)], quiet);
    amClient = new AlertmanagerClient({ url: alertmanager.url, caFile: certificates.caFile, auth: alertmanager.auth, timeoutMs: 5_000, metrics });
    poster = new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, caFile: certificates.caFile, logger: quiet, metrics, retries: 0 });
  }, 180_000);

  afterAll(async () => {
    await esClient?.close();
    await amClient?.close();
    await alertmanager?.stop();
    await slack?.close();
    await es?.destroy();
    await certificates?.remove();
  });

  async function postedGroup(ledger: AlertLedger, alertname: string): Promise<string> {
    const group = payload(alertname);
    await new AlertNotifier({ ledger, slack: poster, links: {}, replica: 'app1-1', logger: quiet }).notify('C0ALERTS', group);
    return messageKey('C0ALERTS', group.groupKey);
  }

  const buttonsWith = (ledger: AlertLedger, actionLog: AlertActionLog, logger: pino.Logger): AlertButtons =>
    new AlertButtons({
      ledger,
      alertmanager: amClient,
      slack: poster,
      operators: ['U0ALICE', 'U0BOB'],
      groupMembers: () => Promise.resolve([]),
      timeZone: 'UTC',
      links: {},
      logger,
      actionLog,
      replica: 'app1-1',
    });

  it('writes one Elasticsearch document and one ECS log event per click: who, what, when, silence id, outcome', async () => {
    const ledger = new ElasticAlertLedger(esClient, alertIndexNames(PREFIX), 'app1-1');
    const key = await postedGroup(ledger, 'ActionLogTest');
    const { logger, lines } = capturedLogger();
    const buttons = buttonsWith(ledger, new ElasticAlertActionLog(esClient, ACTIONS_INDEX), logger);
    const started = Date.now();

    expect((await buttons.click({ actionId: alertActions.silence1h, key, user: eve, channel: 'C0ALERTS' })).ok).toBe(false);
    const silenced = await buttons.click({ actionId: alertActions.silence1h, key, user: alice, channel: 'C0ALERTS' });
    expect(silenced.ok, silenced.text).toBe(true);
    const silenceId = /\(silence ([^)]+)\)/.exec(silenced.text)?.[1];
    expect(silenceId).toBeTruthy();
    expect((await buttons.click({ actionId: alertActions.unsilence, key, user: bob, channel: 'C0ALERTS' })).ok).toBe(true);
    expect((await buttons.click({ actionId: alertActions.acknowledge, key, user: alice, channel: 'C0ALERTS' })).ok).toBe(true);

    await esClient.indices.refresh({ index: ACTIONS_INDEX });
    const found = await esClient.search<AlertActionRecord>({ index: ACTIONS_INDEX, sort: [{ '@timestamp': 'asc' }], size: 10 });
    const docs = found.hits.hits.map((h) => h._source as AlertActionRecord);
    expect(docs.map((d) => [d.action, d.outcome, d.user.id, d.silenceId ?? null, d.reason ?? null])).toEqual([
      ['alert_silence_1h', 'failure', 'U0EVE', null, 'not an operator'],
      ['alert_silence_1h', 'success', 'U0ALICE', silenceId, null],
      ['alert_unsilence', 'success', 'U0BOB', silenceId, null],
      ['alert_acknowledge', 'success', 'U0ALICE', null, null],
    ]);
    for (const doc of docs) {
      expect(doc).toMatchObject({ channel: 'C0ALERTS', messageKey: key, replica: 'app1-1' });
      expect(Date.parse(doc['@timestamp'])).toBeGreaterThanOrEqual(started - 1_000);
    }
    expect(docs[1]).toMatchObject({ alertname: 'ActionLogTest', groupKey: '{}:{alertname="ActionLogTest"}', user: { name: 'alice' } });
    // The silence ends an hour after the click; the document is dated when the click was done.
    const hourLeft = Date.parse(docs[1]?.silenceEndsAt ?? '') - Date.parse(docs[1]?.['@timestamp'] ?? '');
    expect(hourLeft).toBeGreaterThan(3_590_000);
    expect(hourLeft).toBeLessThanOrEqual(3_600_000);

    const events = lines.filter((l) => typeof l['event.action'] === 'string');
    expect(events.map((l) => [l['event.action'], l['event.outcome'], l['user.id'], l.silenceId ?? null])).toEqual([
      ['alert_silence_1h', 'failure', 'U0EVE', null],
      ['alert_silence_1h', 'success', 'U0ALICE', silenceId],
      ['alert_unsilence', 'success', 'U0BOB', silenceId],
      ['alert_acknowledge', 'success', 'U0ALICE', null],
    ]);
    for (const event of events) expect(event).toMatchObject({ 'event.kind': 'event', 'event.category': 'configuration', messageKey: key });
  });

  it('keeps the same document in memory when the replica has no Elasticsearch', async () => {
    const ledger = new MemoryAlertLedger();
    const key = await postedGroup(ledger, 'ActionLogMemory');
    const log = new MemoryAlertActionLog();
    const answer = await buttonsWith(ledger, log, quiet).click({ actionId: alertActions.silence4h, key, user: bob, channel: 'C0ALERTS' });
    expect(answer.ok, answer.text).toBe(true);
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({ action: 'alert_silence_4h', outcome: 'success', user: bob, alertname: 'ActionLogMemory', replica: 'app1-1' });
    expect(answer.text).toContain(`(silence ${log.entries[0]?.silenceId})`);
  });

  it('records the buttons of /alerts and /silences too: the silence made, its expiry, a refusal', async () => {
    const log = new MemoryAlertActionLog();
    const commands = new AlertCommands({
      alertmanager: amClient,
      operators: ['U0ALICE'],
      groupMembers: () => Promise.resolve([]),
      timeZone: 'UTC',
      replica: 'app1-2',
      logger: quiet,
      actionLog: log,
    });
    const labels = JSON.stringify({ alertname: 'ActionLogCommand' });
    const silenced = await commands.click({ actionId: alertCommandActions.silence1h, value: labels, user: alice, channel: 'C0OPS' });
    expect(silenced.ok, silenced.text).toBe(true);
    const silenceId = log.entries[0]?.silenceId ?? '';
    expect(silenced.text).toContain(`(silence ${silenceId})`);
    const expired = await commands.click({ actionId: alertCommandActions.expireSilence, value: silenceId, user: alice, channel: 'C0OPS' });
    expect(expired.ok, expired.text).toBe(true);
    const refused = await commands.click({ actionId: alertCommandActions.expireSilence, value: silenceId, user: bob, channel: 'C0OPS' });
    expect(refused.ok).toBe(false);
    expect(log.entries.map((e) => [e.action, e.outcome, e.user.id, e.silenceId ?? null, e.replica])).toEqual([
      ['alert_list_silence_1h', 'success', 'U0ALICE', silenceId, 'app1-2'],
      ['silence_expire', 'success', 'U0ALICE', silenceId, 'app1-2'],
      ['silence_expire', 'failure', 'U0BOB', null, 'app1-2'],
    ]);
    expect(log.entries[0]?.silenceEndsAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(log.entries[2]?.reason).toBe('not an operator');
  });

  it('answers the click and logs the event when the document cannot be written', async () => {
    const ledger = new MemoryAlertLedger();
    const key = await postedGroup(ledger, 'ActionLogNoStore');
    const unreachable = new Client({ node: `http://127.0.0.1:${await freePort()}`, maxRetries: 0, requestTimeout: 2_000 });
    const { logger, lines } = capturedLogger();
    try {
      const answer = await buttonsWith(ledger, new ElasticAlertActionLog(unreachable, ACTIONS_INDEX), logger).click({
        actionId: alertActions.acknowledge,
        key,
        user: alice,
        channel: 'C0ALERTS',
      });
      expect(answer).toEqual({ ok: true, text: 'Acknowledged: the message shows you took it.' });
      expect(lines.map((l) => l.msg)).toEqual(['alert action done', 'could not record the alert action in Elasticsearch; the log line above is its record']);
      expect(lines[0]).toMatchObject({ 'event.action': 'alert_acknowledge', 'event.outcome': 'success', 'user.id': 'U0ALICE' });
    } finally {
      await unreachable.close();
    }
  });
});
