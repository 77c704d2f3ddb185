// The webhook route in a real fastify app, against a real Elasticsearch and the Slack fake:
// the failure paths (wrong content type, ledger unavailable, processing failure) and how a
// redelivery is processed after each.
import Fastify, { type FastifyInstance } from 'fastify';
import { createHmac, randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubSource, type GitHubSource } from '../../app/src/github/source.ts';
import { createMetrics } from '../../app/src/metrics.ts';
import { SlackWebApi } from '../../app/src/slack/web-api.ts';
import { createElasticsearchClient } from '../../app/src/store/client.ts';
import { ElasticDeliveryLedger } from '../../app/src/store/deliveries.ts';
import { ElasticReminderHistory } from '../../app/src/store/history.ts';
import { ensureIndices, indexNames } from '../../app/src/store/indices.ts';
import { WebhookEffects } from '../../app/src/webhooks/effects.ts';
import { githubWebhookRoutes } from '../../app/src/webhooks/github-webhook.ts';
import { startGitHubFake, type GitHubFake } from '../../sandbox/github.ts';
import { startSlackFake, type SlackFake } from '../../sandbox/slack.ts';
import { startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';

const secret = 'route-test-webhook-secret';
const logger = pino({ level: 'silent' });
const metrics = createMetrics({ defaultMetrics: false });
let es: ElasticsearchServer;
let slack: SlackFake;
let app: FastifyInstance;
let client: ReturnType<typeof createElasticsearchClient>;
let github: GitHubFake;
let teams: GitHubSource;

const reviewRequested = {
  action: 'review_requested',
  pull_request: { number: 5, title: 'Add retention', html_url: 'https://github.test/acme/api/pull/5', user: { login: 'alice' } },
  requested_reviewer: { login: 'bob' },
  repository: { full_name: 'acme/api' },
  sender: { login: 'alice' },
};

const teamReviewRequested = (slug: string) => ({
  action: 'review_requested',
  pull_request: { number: 51, title: 'Dark mode', html_url: 'https://github.test/acme/web/pull/51', user: { login: 'dave' } },
  requested_team: { id: 1, slug, name: slug },
  repository: { full_name: 'acme/web' },
  sender: { login: 'alice' },
});

function post(delivery: string, payload: unknown = reviewRequested, contentType = 'application/json') {
  const body = JSON.stringify(payload);
  return app.inject({
    method: 'POST',
    url: '/github/webhook',
    headers: {
      'content-type': contentType,
      'x-github-event': 'pull_request',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    payload: body,
  });
}

const dmsToBob = (): number => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'U0BOB' && c.response.ok === true).length;

async function deliveryCount(outcome: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'chatops_webhook_deliveries_total');
  return metric?.values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0) ?? 0;
}

beforeAll(async () => {
  [es, slack, github] = await Promise.all([startElasticsearch(), startSlackFake({ host: '127.0.0.1' }), startGitHubFake({ host: '127.0.0.1' })]);
  github.addTeam('acme', 'frontend', { name: 'Frontend', members: ['carol', 'dave', 'erin'] });
  teams = createGitHubSource({ baseUrl: github.url, auth: { kind: 'token', token: github.token }, concurrency: 2, requestTimeoutMs: 10_000, metrics, logger });
  client = createElasticsearchClient({ node: es.url, indexPrefix: 'route', retentionDays: 30, username: 'chatops' }, {});
  const names = indexNames('route');
  await ensureIndices(client, names, logger);
  const poster = new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, logger, metrics, retries: 0 });
  app = Fastify();
  await app.register(
    githubWebhookRoutes({
      secret,
      ledger: new ElasticDeliveryLedger(client, names.deliveries, 'solo'),
      effects: new WebhookEffects({
        history: new ElasticReminderHistory(client, names.history, 'solo'),
        slack: poster,
        users: [
          { slack: 'U0BOB', github: 'bob', name: 'Bob' },
          { slack: 'U0CAROL', github: 'carol', name: 'Carol' },
          { slack: 'U0DAVE', github: 'dave', name: 'Dave' },
        ],
        teams,
        logger,
      }),
      metrics,
      logger,
    }),
  );
  await app.ready();
}, 300_000);

afterAll(async () => {
  await app?.close();
  await client?.close();
  await slack?.close();
  await teams?.close();
  await github?.close();
  await es?.destroy();
});

describe('POST /github/webhook failure paths', () => {
  it('refuses a form-encoded delivery with 415 and says which content type to set', async () => {
    const response = await post(randomUUID(), reviewRequested, 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toContain('application/json');
    expect(dmsToBob()).toBe(0);
  });

  it('releases a delivery whose processing failed, so the redelivery acts once', async () => {
    const delivery = randomUUID();
    slack.failNext('chat.postMessage', 'channel_not_found');
    const failed = await post(delivery);
    expect(failed.statusCode).toBe(500);
    expect(dmsToBob()).toBe(0);
    const retried = await post(delivery);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({ ok: true });
    expect(dmsToBob()).toBe(1);
    expect((await post(delivery)).json()).toEqual({ ok: true, duplicate: true });
    expect(dmsToBob()).toBe(1);
    expect(await deliveryCount('duplicate')).toBe(1);
  });

  it('answers 503 while Elasticsearch is down and processes the redelivery once it is back', async () => {
    const delivery = randomUUID();
    await es.stop();
    try {
      const refused = await post(delivery);
      expect(refused.statusCode).toBe(503);
      expect(dmsToBob()).toBe(1);
    } finally {
      await es.start();
    }
    const redelivered = await post(delivery);
    expect(redelivered.statusCode).toBe(200);
    expect(dmsToBob()).toBe(2);
  });
});

describe('POST /github/webhook review requests to a team', () => {
  const dmsTo = (channel: string) => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.response.ok === true);

  it('DMs each mapped member of the team once (not the author, not unmapped members), reading the members from GitHub', async () => {
    const response = await post(randomUUID(), teamReviewRequested('frontend'));
    expect(response.statusCode).toBe(200);
    const [dm] = dmsTo('U0CAROL');
    expect(dmsTo('U0CAROL')).toHaveLength(1);
    expect(dmsTo('U0DAVE')).toHaveLength(0);
    expect(dm?.args.text).toBe('Review requested: acme/web#51');
    expect(JSON.stringify(dm?.args.blocks)).toContain(
      ':eyes: alice asked your team @acme/frontend for a review on <https://github.test/acme/web/pull/51|acme/web#51 Dark mode> (by <@U0DAVE>)',
    );
    expect(github.requests.some((r) => r.path.startsWith('/orgs/acme/teams/frontend/members'))).toBe(true);
  });

  it('acknowledges a request to a team GitHub does not know, and DMs nobody', async () => {
    const before = slack.calls.length;
    const response = await post(randomUUID(), teamReviewRequested('ghosts'));
    expect(response.statusCode).toBe(200);
    expect(slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });
});
