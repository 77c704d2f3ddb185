// POST /github/webhook: signature checked on the raw body (X-Hub-Signature-256), each
// X-GitHub-Delivery processed once across replicas, then handed to WebhookEffects.
import { Webhooks } from '@octokit/webhooks';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { User } from '../config/schema.ts';
import type { SlackPoster } from '../core/ports.ts';
import type { Review } from '../core/types.ts';
import { firstHeader } from '../http/headers.ts';
import type { AppMetrics } from '../metrics.ts';
import type { ElasticDeliveryLedger } from '../store/deliveries.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import { WebhookEffects, type WebhookEffectsOptions } from './effects.ts';
import { dismissReview, withdrawReviewRequest } from './render.ts';

export interface GitHubWebhookOptions {
  secret: string;
  ledger: Pick<ElasticDeliveryLedger, 'claim' | 'release'>;
  effects: WebhookEffects;
  metrics: Pick<AppMetrics, 'webhookDeliveries'>;
  logger: Logger;
}

const reviewStates: Record<string, Review['state'] | undefined> = {
  approved: 'approved',
  changes_requested: 'changes_requested',
  commented: 'commented',
};

/** pull_request actions acted on; the rest are acknowledged and ignored. */
const pullRequestActions = new Set([
  'closed',
  'review_requested',
  'review_request_removed',
  'reopened',
  'ready_for_review',
  'converted_to_draft',
  'synchronize',
]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What is missing from a payload the handlers below act on; a signed but malformed body is a 400, not a retryable 500. */
export function payloadProblem(event: string, payload: unknown): string | undefined {
  // @octokit/webhooks looks handlers up by event and action in a plain object.
  if (event in Object.prototype) return 'X-GitHub-Event is not an event name';
  if (!isObject(payload)) return 'body must be a JSON object';
  const action = payload.action;
  if (action !== undefined && typeof action !== 'string') return 'payload.action must be a string';
  const acted =
    (event === 'pull_request' && typeof action === 'string' && pullRequestActions.has(action)) ||
    (event === 'pull_request_review' && (action === 'submitted' || action === 'dismissed'));
  if (!acted) return undefined;
  const pr = payload.pull_request;
  const repository = payload.repository;
  if (!isObject(repository) || typeof repository.full_name !== 'string') return 'payload.repository.full_name must be a string';
  if (!isObject(pr) || !Number.isInteger(pr.number) || typeof pr.title !== 'string')
    return 'payload.pull_request must carry an integer number and a string title';
  const hasLogin = (user: unknown): boolean => user === undefined || user === null || (isObject(user) && typeof user.login === 'string');
  if (action === 'review_requested' && (typeof pr.html_url !== 'string' || !isObject(payload.sender) || typeof payload.sender.login !== 'string')) {
    return 'payload.pull_request.html_url and payload.sender.login must be strings';
  }
  if (action === 'review_requested' && isObject(payload.requested_team)) {
    if (typeof payload.requested_team.slug !== 'string') return 'payload.requested_team.slug must be a string';
    if (!hasLogin(pr.user)) return 'payload.pull_request.user must be an object with a string login';
  } else if (action === 'review_requested' && (!hasLogin(payload.requested_reviewer) || !hasLogin(pr.user))) {
    return 'payload.requested_reviewer and payload.pull_request.user must be objects with a string login';
  }
  if (event === 'pull_request_review' && (!isObject(payload.review) || typeof payload.review.state !== 'string'))
    return 'payload.review.state must be a string';
  if (action === 'dismissed' && !(isObject(payload.review) && isObject(payload.review.user) && typeof payload.review.user.login === 'string')) {
    return 'payload.review.user.login must be a string';
  }
  if (
    action === 'review_request_removed' &&
    !(isObject(payload.requested_reviewer) || (isObject(payload.requested_team) && typeof payload.requested_team.slug === 'string'))
  ) {
    return 'payload.requested_reviewer or payload.requested_team.slug must be given';
  }
  if (event === 'pull_request_review' && isObject(payload.review) && !hasLogin(payload.review.user))
    return 'payload.review.user must be an object with a string login';
  return undefined;
}

export function createWebhooks(options: Pick<GitHubWebhookOptions, 'secret' | 'effects'>): Webhooks {
  const webhooks = new Webhooks({ secret: options.secret });
  const { effects } = options;
  webhooks.on('pull_request.closed', async ({ payload }) => {
    await effects.pullRequestClosed(
      payload.repository.full_name,
      payload.pull_request.number,
      payload.pull_request.merged === true,
      payload.pull_request.title,
    );
  });
  webhooks.on('pull_request.review_requested', async ({ payload }) => {
    const pr = payload.pull_request;
    const request = {
      repository: payload.repository.full_name,
      number: pr.number,
      title: pr.title,
      url: pr.html_url,
      author: pr.user?.login ?? 'ghost',
      requester: payload.sender.login,
    };
    // A team request names the team only: its members are read from GitHub.
    if ('requested_team' in payload && payload.requested_team) {
      await effects.teamReviewRequested(request, `${payload.repository.full_name.split('/')[0] ?? ''}/${payload.requested_team.slug}`);
      return;
    }
    if (!('requested_reviewer' in payload) || !payload.requested_reviewer) return;
    await effects.reviewRequested(request, payload.requested_reviewer.login);
  });
  webhooks.on('pull_request.reopened', async ({ payload }) => {
    const { number, title, draft } = payload.pull_request;
    await effects.updateReplies(payload.repository.full_name, number, (pr) => ({ ...pr, title, draft: draft === true }), { state: 'open', what: 'reopened' });
  });
  webhooks.on(['pull_request.ready_for_review', 'pull_request.converted_to_draft'], async ({ payload }) => {
    const { number, title } = payload.pull_request;
    const draft = payload.action === 'converted_to_draft';
    await effects.updateReplies(payload.repository.full_name, number, (pr) => ({ ...pr, title, draft }), { what: payload.action });
  });
  webhooks.on('pull_request.synchronize', async ({ payload }) => {
    const { number, title, updated_at: updatedAt } = payload.pull_request;
    await effects.pushed(payload.repository.full_name, number, (pr) => ({ ...pr, title, updatedAt }));
  });
  webhooks.on('pull_request.review_request_removed', async ({ payload }) => {
    const owner = payload.repository.full_name.split('/')[0] ?? '';
    const withdrawn =
      'requested_reviewer' in payload && payload.requested_reviewer
        ? { login: payload.requested_reviewer.login }
        : 'requested_team' in payload && payload.requested_team
          ? { team: `${owner}/${payload.requested_team.slug}` }
          : undefined;
    if (!withdrawn) return;
    await effects.updateReplies(payload.repository.full_name, payload.pull_request.number, (pr) => withdrawReviewRequest(pr, withdrawn), {
      what: 'review request removed',
    });
  });
  webhooks.on('pull_request_review.dismissed', async ({ payload }) => {
    const login = payload.review.user?.login;
    if (!login) return;
    await effects.updateReplies(payload.repository.full_name, payload.pull_request.number, (pr) => dismissReview(pr, login), {
      what: `review by ${login} dismissed`,
    });
  });
  webhooks.on('pull_request_review.submitted', async ({ payload }) => {
    const key = payload.review.state.toLowerCase();
    const state = Object.hasOwn(reviewStates, key) ? reviewStates[key] : undefined;
    if (!state || !payload.review.user) return;
    await effects.reviewSubmitted(payload.repository.full_name, payload.pull_request.number, {
      login: payload.review.user.login,
      state,
      submittedAt: payload.review.submitted_at ?? new Date().toISOString(),
    });
  });
  return webhooks;
}

export function githubWebhookRoutes(options: GitHubWebhookOptions): FastifyPluginAsync {
  const webhooks = createWebhooks(options);
  const { ledger, metrics } = options;
  const logger = options.logger.child({ component: 'github-webhook' });

  return async (fastify) => {
    // Encapsulated to this plugin: the signature is over the exact bytes GitHub sent.
    fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 25 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    // Anything else reaches the handler as a Buffer, which answers 415 with the fix.
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 25 * 1024 * 1024 }, (_request, body, done) => done(null, body));

    fastify.post('/github/webhook', async (request, reply: FastifyReply) => {
      const event = firstHeader(request.headers['x-github-event']);
      const delivery = firstHeader(request.headers['x-github-delivery']);
      const signature = firstHeader(request.headers['x-hub-signature-256']);
      const raw = request.body;
      const reject = (status: number, error: string): FastifyReply => {
        metrics.webhookDeliveries.inc({ event: event ?? 'unknown', outcome: 'rejected' });
        logger.warn({ event, delivery, status, reason: error }, 'webhook rejected');
        return reply.code(status).send({ error });
      };
      if (typeof raw !== 'string') return reject(415, 'expected Content-Type: application/json (set the webhook content type to application/json)');
      if (!signature) return reject(401, 'missing X-Hub-Signature-256: set the webhook secret in GitHub to secrets.yml githubWebhookSecret');
      // @octokit/webhooks refuses to verify an empty payload by throwing; GitHub never sends one.
      if (raw === '') return reject(400, 'empty body: expected the JSON payload of the event');
      if (!(await webhooks.verify(raw, signature)))
        return reject(401, 'bad signature: the webhook secret in GitHub differs from secrets.yml githubWebhookSecret');
      if (!event) return reject(400, 'missing X-GitHub-Event header');
      if (!delivery) return reject(400, 'missing X-GitHub-Delivery header');
      let payload: { action?: unknown };
      try {
        payload = JSON.parse(raw) as { action?: unknown };
      } catch {
        return reject(400, 'body is not valid JSON');
      }
      const problem = payloadProblem(event, payload);
      if (problem) return reject(400, problem);
      const action = typeof payload.action === 'string' ? payload.action : undefined;

      let first: boolean;
      try {
        first = await ledger.claim(delivery, event, action);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        // Without the ledger a redelivery could act twice: refuse, GitHub shows it as failed for redelivery.
        logger.warn({ err: error, event, delivery }, 'Elasticsearch unreachable: webhook not processed');
        return reply.code(503).send({ error: 'delivery ledger unavailable; redeliver later' });
      }
      if (!first) {
        metrics.webhookDeliveries.inc({ event, outcome: 'duplicate' });
        logger.info({ event, action, delivery }, 'webhook delivery already processed');
        return reply.code(200).send({ ok: true, duplicate: true });
      }
      try {
        await webhooks.receive({ id: delivery, name: event, payload } as Parameters<Webhooks['receive']>[0]);
      } catch (error) {
        await ledger.release(delivery).catch((releaseError: unknown) => logger.error({ err: releaseError, delivery }, 'could not release the delivery'));
        logger.error({ err: error, event, action, delivery }, 'webhook processing failed');
        return reply.code(500).send({ error: 'processing failed; redeliver to retry' });
      }
      metrics.webhookDeliveries.inc({ event, outcome: 'processed' });
      logger.info({ event, action, delivery }, 'webhook delivery processed');
      return reply.code(200).send({ ok: true });
    });
  };
}

export interface GitHubWebhookPluginOptions {
  /** secrets.yml githubWebhookSecret; without it the route answers 503 with the fix */
  secret: string | undefined;
  deliveries: GitHubWebhookOptions['ledger'];
  history: WebhookEffectsOptions['history'];
  /** snoozes that a push ends */
  choices?: WebhookEffectsOptions['choices'];
  /** the replica's one Slack Web API client */
  slack: SlackPoster;
  users: readonly User[];
  teams: WebhookEffectsOptions['teams'];
  metrics: GitHubWebhookOptions['metrics'];
  logger: Logger;
}

/** POST /github/webhook as `serve` registers it: the routes above, or a 503 naming the missing secret. */
export function githubWebhookPlugin(options: GitHubWebhookPluginOptions): FastifyPluginAsync {
  const { secret, logger } = options;
  if (!secret) {
    logger.warn('githubWebhookSecret missing in secrets.yml: POST /github/webhook answers 503');
    return async (fastify) => {
      fastify.post('/github/webhook', async (_request, reply) =>
        reply.code(503).send({ error: 'webhooks disabled: set githubWebhookSecret in secrets.yml (the same secret as in GitHub)' }),
      );
    };
  }
  return githubWebhookRoutes({
    secret,
    ledger: options.deliveries,
    effects: new WebhookEffects({
      history: options.history,
      slack: options.slack,
      users: options.users,
      teams: options.teams,
      logger,
      ...(options.choices ? { choices: options.choices } : {}),
    }),
    metrics: options.metrics,
    logger,
  });
}
