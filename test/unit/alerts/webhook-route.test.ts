import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAlertLedger } from '../../../app/src/alerts/ledger.ts';
import { AlertNotifier } from '../../../app/src/alerts/notifier.ts';
import { alertmanagerWebhookPlugin, bearerMatches } from '../../../app/src/alerts/webhook-route.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { DryRunPoster } from '../../../app/src/slack/web-api.ts';

const token = 'alertmanager-webhook-token-0123';
const firing = JSON.parse(readFileSync(new URL('../../fixtures/alerts/firing.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const resolved = {
  ...firing,
  status: 'resolved',
  alerts: (firing.alerts as Record<string, unknown>[]).map((a) => ({ ...a, status: 'resolved', endsAt: '2026-11-28T09:00:00Z' })),
};

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

async function build(options: { token?: string } = { token }) {
  const poster = new DryRunPoster(() => undefined);
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = pino({ level: 'silent' });
  const notifier = new AlertNotifier({ ledger: new MemoryAlertLedger(), slack: poster, links: {}, replica: 'r1', logger });
  app = Fastify();
  await app.register(alertmanagerWebhookPlugin({ token: options.token, defaultChannel: 'C0ALERTS', notifier, metrics, logger }));
  const send = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${token}` }, url = '/alertmanager/webhook') =>
    app!.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { poster, metrics, send };
}

describe('POST /alertmanager/webhook', () => {
  it('posts one message per group, edits it on resolve and ignores a repeat', async () => {
    const { poster, send, metrics } = await build();
    const first = await send(firing, undefined, '/alertmanager/webhook?channel=C0OPS');
    expect([first.statusCode, first.json()]).toEqual([200, { ok: true, outcome: 'posted' }]);
    expect((await send(firing, undefined, '/alertmanager/webhook?channel=C0OPS')).json()).toEqual({ ok: true, outcome: 'duplicate' });
    expect((await send(resolved, undefined, '/alertmanager/webhook?channel=C0OPS')).json()).toEqual({ ok: true, outcome: 'updated' });
    expect(poster.calls.map((c) => [c.method, c.args.channel])).toEqual([
      ['chat.postMessage', 'C0OPS'],
      ['chat.update', 'C0OPS'],
    ]);
    expect(poster.calls[1]?.args.ts).toBe('<dry-run: ts of chat.postMessage #1>');
    expect(String(poster.calls[1]?.args.text)).toMatch(/^✅ RESOLVED/);
    expect(await metrics.registry.getSingleMetricAsString('chatops_alert_notifications_total')).toMatch(
      /outcome="posted"} 1[\s\S]*outcome="duplicate"} 1[\s\S]*outcome="updated"} 1/,
    );
  });

  it('goes to alerts.defaultChannel without a channel parameter, and a new message when a resolved group fires again', async () => {
    const { poster, send } = await build();
    await send(firing);
    await send(resolved);
    const again = await send({ ...firing, alerts: [(firing.alerts as unknown[])[0]] });
    expect(again.json()).toEqual({ ok: true, outcome: 'posted' });
    expect(poster.calls.map((c) => [c.method, c.args.channel])).toEqual([
      ['chat.postMessage', 'C0ALERTS'],
      ['chat.update', 'C0ALERTS'],
      ['chat.postMessage', 'C0ALERTS'],
    ]);
  });

  it('posts the same alerts firing again later as a new message, and edits that one when they resolve again', async () => {
    const { poster, send } = await build();
    await send(firing);
    await send(resolved);
    const later = (alert: Record<string, unknown>) => ({ ...alert, startsAt: '2026-11-28T10:00:00Z' });
    const again = { ...firing, alerts: (firing.alerts as Record<string, unknown>[]).map(later) };
    const resolvedAgain = { ...resolved, alerts: resolved.alerts.map((a) => ({ ...later(a), endsAt: '2026-11-28T10:30:00Z' })) };
    expect((await send(again)).json()).toEqual({ ok: true, outcome: 'posted' });
    expect((await send(again)).json()).toEqual({ ok: true, outcome: 'duplicate' });
    expect((await send(resolvedAgain)).json()).toEqual({ ok: true, outcome: 'updated' });
    expect(poster.calls.map((c) => [c.method, c.args.ts ?? null])).toEqual([
      ['chat.postMessage', null],
      ['chat.update', '<dry-run: ts of chat.postMessage #1>'],
      ['chat.postMessage', null],
      ['chat.update', '<dry-run: ts of chat.postMessage #2>'],
    ]);
  });

  it('answers 401 to a missing or wrong token before reading the body, and posts nothing', async () => {
    const { poster, send } = await build();
    for (const headers of [
      {} as Record<string, string>,
      { authorization: `Bearer ${token}x` },
      { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
      { authorization: token },
    ]) {
      const response = await send('{not json', headers);
      expect(response.statusCode).toBe(401);
      expect(response.json<{ error: string }>().error).toContain('alertmanagerWebhookToken');
    }
    expect(poster.calls).toEqual([]);
  });

  it('answers 400 naming the field, and posts nothing', async () => {
    const { poster, send } = await build();
    const cases: [unknown, string, string?][] = [
      ['{not json', 'body is not valid JSON'],
      [[], 'expected a JSON object as Alertmanager sends'],
      [{ ...firing, version: '5' }, 'version: expected "4", the webhook format of Alertmanager 0.25'],
      [{ ...firing, alerts: [{ ...(firing.alerts as object[])[0], labels: 'x' }] }, 'alerts[0].labels: expected record, received string'],
      [firing, 'channel: expected a Slack channel id such as "C012ABCDEF", got "#alerts"', '/alertmanager/webhook?channel=%23alerts'],
      [firing, 'channel: give the query parameter once', '/alertmanager/webhook?channel=C0A&channel=C0B'],
    ];
    for (const [body, error, url] of cases) {
      const response = await send(body, undefined, url);
      expect([response.statusCode, response.json<{ error: string }>().error]).toEqual([400, error]);
    }
    const form = await send('a=b', { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.statusCode).toBe(415);
    expect(poster.calls).toEqual([]);
  });

  it('answers 503 naming the secret when no token is configured', async () => {
    const { poster, send } = await build({});
    const response = await send(firing);
    expect(response.statusCode).toBe(503);
    expect(response.json<{ error: string }>().error).toContain('set alertmanagerWebhookToken in secrets.yml');
    expect(poster.calls).toEqual([]);
  });
});

describe('bearerMatches', () => {
  it('needs the Bearer scheme and the exact token', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(1)}`, token)).toBe(false);
    expect(bearerMatches(undefined, token)).toBe(false);
  });
});
