import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { httpApp, type HttpAppOptions } from '../../../app/src/http/app.ts';
import { createScrubber } from '../../../app/src/logging.ts';
import { createMetrics } from '../../../app/src/metrics.ts';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function build(options: Partial<HttpAppOptions> = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  const app = Fastify();
  await app.register(httpApp, { metrics, readiness: [], ...options });
  apps.push(app);
  return { app, metrics };
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('GET /health', () => {
  it('answers 200 while the process runs', async () => {
    const { app } = await build();
    const response = await app.inject({ url: '/health' });
    expect([response.statusCode, response.json()]).toEqual([200, { status: 'ok' }]);
  });
});

describe('GET /ready', () => {
  it('is ready when every check passes', async () => {
    const { app } = await build({
      readiness: [
        { name: 'github', check: async () => undefined },
        { name: 'slack', check: async () => undefined },
      ],
    });
    const response = await app.inject({ url: '/ready' });
    expect([response.statusCode, response.json()]).toEqual([200, { status: 'ready', checks: { config: 'ok', github: 'ok', slack: 'ok' } }]);
  });

  it('answers 503 naming the failing dependency, with secrets scrubbed from the reason', async () => {
    const { app } = await build({
      readiness: [
        { name: 'github', check: async () => undefined },
        { name: 'slack', check: () => Promise.reject(new Error('invalid_auth for xoxb-123-abc')) },
      ],
      scrub: createScrubber([]),
    });
    const response = await app.inject({ url: '/ready' });
    expect([response.statusCode, response.json()]).toEqual([
      503,
      { status: 'not_ready', checks: { config: 'ok', github: 'ok', slack: 'invalid_auth for [REDACTED]' } },
    ]);
  });

  it('reuses an answer within the cache window instead of probing again', async () => {
    let probes = 0;
    const { app } = await build({ readiness: [{ name: 'github', check: async () => void (probes += 1) }], readyCacheMs: 60_000 });
    await app.inject({ url: '/ready' });
    await app.inject({ url: '/ready' });
    expect(probes).toBe(1);
  });
});

describe('GET /metrics', () => {
  it('serves the registry in the Prometheus text format', async () => {
    const { app, metrics } = await build();
    metrics.remindersSent.inc({ schedule: 'morning', kind: 'reply' }, 3);
    const response = await app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('chatops_reminders_sent_total{schedule="morning",kind="reply"} 3');
  });

  it('asks for basic auth when metrics credentials are configured', async () => {
    const { app } = await build({ metricsAuth: { username: 'prometheus', password: 'scrape-secret' } });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: { authorization: basic('prometheus', 'wrong-secret') } })).statusCode).toBe(401);
    const ok = await app.inject({ url: '/metrics', headers: { authorization: basic('prometheus', 'scrape-secret') } });
    expect(ok.statusCode).toBe(200);
  });
});

describe('routing', () => {
  it('registers extra route plugins beside its own', async () => {
    const { app } = await build({ plugins: [async (f) => void f.post('/github/webhook', async () => ({ ok: true }))] });
    expect((await app.inject({ method: 'POST', url: '/github/webhook', payload: {} })).json()).toEqual({ ok: true });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const { app } = await build();
    const response = await app.inject({ url: '/nope?x=1' });
    expect([response.statusCode, response.json()]).toEqual([404, { error: 'not_found', message: 'No route for GET /nope' }]);
  });

  it('hides internal error details behind a generic 500', async () => {
    const { app } = await build({
      plugins: [
        async (f) =>
          void f.get('/boom', async () => {
            throw new Error('db password is hunter2');
          }),
      ],
    });
    const response = await app.inject({ url: '/boom' });
    expect([response.statusCode, response.json()]).toEqual([500, { error: 'internal_error', message: 'Internal server error' }]);
  });
});
