// Wires issue 5 into `serve`: with an `elasticsearch` section, fires are claimed through
// Elasticsearch, posted replies are recorded, and POST /github/webhook is served.
import type { FastifyPluginAsync } from 'fastify';
import type { AppExtension, ExtensionFactory } from '../cli/extensions.ts';
import { SlackWebApi } from '../slack/web-api.ts';
import { ElasticFireClaims } from '../store/claims.ts';
import { createElasticsearchClient } from '../store/client.ts';
import { ElasticDeliveryLedger } from '../store/deliveries.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import { ElasticReminderHistory } from '../store/history.ts';
import { deleteExpired, ensureIndices, indexNames } from '../store/indices.ts';
import { WebhookEffects } from '../webhooks/effects.ts';
import { githubWebhookRoutes } from '../webhooks/github-webhook.ts';
import { RunCoordinator } from './run-coordinator.ts';

/** The client's request timeout for claims; the primary's degraded wait derives from it. */
export const claimTimeoutMs = 1_000;
const setupRetryMs = 10_000;
const pendingFlushMs = 5_000;
const retentionEveryMs = 3_600_000;

export const coordinationExtension: ExtensionFactory = async (context) => {
  const { config, secrets, replicaId, metrics } = context;
  const logger = context.logger.child({ component: 'coordination' });
  const settings = config.elasticsearch;
  if (!settings) {
    logger.info('no elasticsearch section in config: fires are not coordinated (run one replica only)');
    return undefined;
  }
  const client = createElasticsearchClient(settings, secrets, { requestTimeoutMs: claimTimeoutMs });
  const names = indexNames(settings.indexPrefix);
  const timers: NodeJS.Timeout[] = [];

  let ready = false;
  const setUp = async (): Promise<void> => {
    try {
      await ensureIndices(client, names, logger);
      ready = true;
      logger.info({ indices: Object.values(names) }, 'coordination indices ready');
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      logger.warn({ err: error, retryInMs: setupRetryMs }, 'Elasticsearch unreachable at start: index setup retried in the background');
      const retry = setTimeout(() => void setUp().catch((e: unknown) => logger.error({ err: e }, 'index setup failed')), setupRetryMs);
      retry.unref();
      timers.push(retry);
    }
  };
  await setUp();

  const coordinator = new RunCoordinator({
    claims: new ElasticFireClaims(client, names.claims),
    replicaId,
    primary: config.replica.primary,
    logger,
    metrics,
    claimTimeoutMs,
  });
  const history = new ElasticReminderHistory(client, names.history, replicaId);

  const flush = setInterval(() => {
    if (coordinator.pendingClaims > 0) coordinator.flushPending().catch((error: unknown) => logger.error({ err: error }, 'could not record fires posted while degraded'));
  }, pendingFlushMs);
  flush.unref();
  timers.push(flush);
  const retention = setInterval(() => {
    if (!ready) return;
    deleteExpired(client, names, settings.retentionDays)
      .then((deleted) => logger.info({ deleted, retentionDays: settings.retentionDays }, 'expired coordination documents deleted'))
      .catch((error: unknown) => logger.warn({ err: error }, 'retention job failed; next run in an hour'));
  }, retentionEveryMs);
  retention.unref();
  timers.push(retention);

  let routes: FastifyPluginAsync;
  if (secrets.githubWebhookSecret) {
    const slack = new SlackWebApi({
      token: secrets.slackBotToken,
      apiUrl: config.slack.apiUrl,
      logger: context.logger,
      metrics,
      ...(config.slack.caFile ? { caFile: config.slack.caFile } : {}),
    });
    routes = githubWebhookRoutes({
      secret: secrets.githubWebhookSecret,
      ledger: new ElasticDeliveryLedger(client, names.deliveries, replicaId),
      effects: new WebhookEffects({ history, slack, users: config.users, logger }),
      metrics,
      logger,
    });
  } else {
    logger.warn('githubWebhookSecret missing in secrets.yml: POST /github/webhook answers 503');
    routes = async (fastify) => {
      fastify.post('/github/webhook', async (_request, reply) =>
        reply.code(503).send({ error: 'webhooks disabled: set githubWebhookSecret in secrets.yml (the same secret as in GitHub)' }),
      );
    };
  }

  const extension: AppExtension = {
    name: 'coordination',
    fireGate: coordinator,
    history,
    routes: [routes],
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await coordinator.flushPending().catch((error: unknown) => logger.warn({ err: error }, 'fires posted while degraded left unrecorded at shutdown'));
      await client.close();
    },
  };
  return extension;
};
