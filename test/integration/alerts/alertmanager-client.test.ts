// The Alertmanager API v2 client against a real Alertmanager 0.25 (HTTPS, basic auth): a silence
// made from an alert group shows in `amtool silence query`, expires, and the failure kinds
// (refused connection, 5xx, wrong credentials) come back as the typed errors the UI describes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertActions, silenceLengths } from '../../../app/src/alerts/actions.ts';
import { AlertmanagerClient, AlertmanagerUnavailableError } from '../../../app/src/alerts/alertmanager.ts';
import { buildSilence } from '../../../app/src/alerts/silence.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { freePort } from '../../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const receiverConfig = {
  route: { receiver: 'nobody', group_by: ['alertname'] },
  receivers: [{ name: 'nobody' }],
};

describe('AlertmanagerClient against Alertmanager 0.25', () => {
  let certificates: TestCertificates;
  let alertmanager: RunningAlertmanager;
  let client: AlertmanagerClient;
  const metrics = createMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    certificates = await createTestCertificates();
    alertmanager = await startAlertmanager(certificates, receiverConfig);
    client = new AlertmanagerClient({ url: alertmanager.url, caFile: certificates.caFile, auth: alertmanager.auth, timeoutMs: 5_000, metrics });
  });

  afterAll(async () => {
    await client?.close();
    await alertmanager?.stop();
  });

  it('creates a silence from a group that amtool sees, lists it and expires it', async () => {
    const silence = buildSilence({
      payload: { groupLabels: { alertname: 'DiskFull', instance: 'db1' }, commonLabels: {} },
      length: silenceLengths[alertActions.silence1h],
      timeZone: 'UTC',
      now: new Date(),
      actor: { id: 'U0ALICE', name: 'alice' },
      channel: 'C0ALERTS',
    });
    const id = await client.createSilence(silence);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const query = await alertmanager.amtool(['silence', 'query', '--output=json', 'alertname=DiskFull']);
    expect(query.code, query.stderr).toBe(0);
    const listed = JSON.parse(query.stdout) as { id: string; createdBy: string; comment: string; matchers: { name: string; value: string }[] }[];
    expect(listed.map((s) => s.id)).toEqual([id]);
    expect(listed[0]?.createdBy).toBe('alice (Slack U0ALICE)');
    expect(listed[0]?.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual(['alertname=DiskFull', 'instance=db1']);

    const mine = await client.listSilences(['alertname=DiskFull']);
    expect(mine.map((s) => [s.id, s.status.state])).toEqual([[id, 'active']]);

    await client.expireSilence(id);
    expect((await client.getSilence(id)).status.state).toBe('expired');
    // a second Unsilence, and one for a silence Alertmanager no longer has, change nothing
    await client.expireSilence(id);
    await client.expireSilence('00000000-0000-0000-0000-000000000000');
    const after = await alertmanager.amtool(['silence', 'query', '--output=json', 'alertname=DiskFull']);
    expect(JSON.parse(after.stdout)).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('chatops_alertmanager_requests_total')).toContain('operation="create silence",outcome="ok"} 1');
  });

  it('lists the alert groups Alertmanager holds', async () => {
    const add = await alertmanager.amtool(['alert', 'add', 'alertname=ClientTestAlert', 'severity=warning', '--annotation=summary=from the test']);
    expect(add.code, add.stderr).toBe(0);
    const groups = await client.alertGroups();
    const group = groups.find((g) => g.labels.alertname === 'ClientTestAlert');
    expect(group?.receiver.name).toBe('nobody');
    expect(group?.alerts[0]?.annotations.summary).toBe('from the test');
  });

  it('reports a refused silence (bad matcher) as rejected', async () => {
    const bad = { matchers: [], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 60_000).toISOString(), createdBy: 'x', comment: 'x' };
    await expect(client.createSilence(bad)).rejects.toMatchObject({
      name: 'AlertmanagerRejectedError',
      status: 422,
      message: expect.stringContaining('matchers in body should have at least 1 items') as unknown,
    });
  });

  it('reports wrong credentials as rejected, not as success', async () => {
    const wrong = new AlertmanagerClient({
      url: alertmanager.url,
      caFile: certificates.caFile,
      auth: { username: 'alertmanager', password: 'not-the-password' },
      timeoutMs: 5_000,
      metrics,
    });
    try {
      await expect(wrong.listSilences()).rejects.toMatchObject({ name: 'AlertmanagerRejectedError', status: 401 });
    } finally {
      await wrong.close();
    }
  });

  it('reports a closed port as unreachable and a 5xx as a server error', async () => {
    const closed = new AlertmanagerClient({ url: `https://127.0.0.1:${await freePort()}`, caFile: certificates.caFile, timeoutMs: 5_000, metrics });
    const failure = await closed.listSilences().catch((error: unknown) => error);
    await closed.close();
    expect(failure).toBeInstanceOf(AlertmanagerUnavailableError);
    expect(failure).toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(/Alertmanager is unreachable \(list silences: ECONNREFUSED\)/) as unknown,
    });

    const failing: Server = createServer((_request, response) => response.writeHead(503).end('overloaded'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const broken = new AlertmanagerClient({ url: `http://127.0.0.1:${(failing.address() as AddressInfo).port}`, timeoutMs: 5_000, metrics });
    try {
      await expect(broken.createSilence({ matchers: [], startsAt: '', endsAt: '', createdBy: '', comment: '' })).rejects.toMatchObject({
        kind: 'server_error',
        message: 'Alertmanager failed (create silence: HTTP 503: overloaded)',
      });
    } finally {
      await broken.close();
      failing.close();
    }
    const counted = await metrics.registry.getSingleMetricAsString('chatops_alertmanager_requests_total');
    expect(counted).toContain('operation="list silences",outcome="unreachable"} 1');
    expect(counted).toContain('operation="create silence",outcome="server_error"} 1');
  });
});
