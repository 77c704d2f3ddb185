// With an `elasticsearch` section, fires are claimed through Elasticsearch, posted replies
// are recorded and GitHub deliveries are deduplicated. `serve` starts this and registers
// coordinationPlugin, which closes it when the server closes.
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Config, Secrets } from '../config/schema.ts';
import type { AppMetrics } from '../metrics.ts';
import { ElasticFireClaims } from '../store/claims.ts';
import { createElasticsearchClient } from '../store/client.ts';
import { ElasticDeliveryLedger } from '../store/deliveries.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import { ElasticReminderHistory } from '../store/history.ts';
import { deleteExpired, ensureIndices, indexNames, type IndexNames } from '../store/indices.ts';
import { choicesRequestTimeoutMs, ElasticReminderChoices } from '../store/reminder-choices.ts';
import { RunCoordinator } from './run-coordinator.ts';

/** The client's request timeout for claims; the primary's degraded wait derives from it. */
export const claimTimeoutMs = 1_000;
const setupRetryMs = 10_000;
const pendingFlushMs = 5_000;
const retentionEveryMs = 3_600_000;

export interface CoordinationOptions {
  settings: NonNullable<Config['elasticsearch']>;
  secrets: Secrets;
  replicaId: string;
  primary: boolean;
  /** the replica's logger; coordination logs as its `coordination` child */
  logger: Logger;
  metrics: AppMetrics;
}

export interface Coordination {
  gate: RunCoordinator;
  history: ElasticReminderHistory;
  deliveries: ElasticDeliveryLedger;
  /** snoozes and "not mine" of the reminder buttons, seen by every replica */
  choices: ElasticReminderChoices;
  /** stops the timers, records fires posted while degraded, closes the client */
  close(): Promise<void>;
}

type Client = ReturnType<typeof createElasticsearchClient>;

/** Creates the indices; while Elasticsearch does not answer, retries in the background. */
async function setUpIndices(client: Client, names: IndexNames, logger: Logger, timers: NodeJS.Timeout[], onReady: () => void): Promise<void> {
  try {
    await ensureIndices(client, names, logger);
    onReady();
    logger.info({ indices: Object.values(names) }, 'coordination indices ready');
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    logger.warn({ err: error, retryInMs: setupRetryMs }, 'Elasticsearch unreachable at start: index setup retried in the background');
    const retry = setTimeout(
      () => void setUpIndices(client, names, logger, timers, onReady).catch((e: unknown) => logger.error({ err: e }, 'index setup failed')),
      setupRetryMs,
    );
    retry.unref();
    timers.push(retry);
  }
}

function every(ms: number, timers: NodeJS.Timeout[], task: () => void): void {
  const timer = setInterval(task, ms);
  timer.unref();
  timers.push(timer);
}

export async function startCoordination(options: CoordinationOptions): Promise<Coordination> {
  const { settings, secrets, replicaId, metrics } = options;
  const logger = options.logger.child({ component: 'coordination' });
  const client = createElasticsearchClient(settings, secrets, { requestTimeoutMs: claimTimeoutMs });
  const names = indexNames(settings.indexPrefix);
  const timers: NodeJS.Timeout[] = [];
  let ready = false;
  await setUpIndices(client, names, logger, timers, () => {
    ready = true;
  });

  const gate = new RunCoordinator({
    claims: new ElasticFireClaims(client, names.claims, claimTimeoutMs),
    replicaId,
    primary: options.primary,
    logger,
    metrics,
    claimTimeoutMs,
  });
  every(pendingFlushMs, timers, () => {
    if (gate.pendingClaims > 0) gate.flushPending().catch((error: unknown) => logger.error({ err: error }, 'could not record fires posted while degraded'));
  });
  every(retentionEveryMs, timers, () => {
    if (!ready) return;
    deleteExpired(client, names, settings.retentionDays)
      .then((deleted) => logger.info({ deleted, retentionDays: settings.retentionDays }, 'expired coordination documents deleted'))
      .catch((error: unknown) => logger.warn({ err: error }, 'retention job failed; next run in an hour'));
  });

  // The stores whose writes wait for a refresh (refresh=wait_for) get a client of their own: the
  // client's HTTP pool times every request out at the client's timeout, which a request's own
  // longer one cannot raise, and the claims' 1 s failed such writes under load with the write done.
  const waiting = createElasticsearchClient(settings, secrets, { requestTimeoutMs: choicesRequestTimeoutMs });
  return {
    gate,
    history: new ElasticReminderHistory(waiting, names.history, replicaId),
    deliveries: new ElasticDeliveryLedger(client, names.deliveries, replicaId),
    choices: new ElasticReminderChoices(waiting, names.choices),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await gate.flushPending().catch((error: unknown) => logger.warn({ err: error }, 'fires posted while degraded left unrecorded at shutdown'));
      await Promise.all([client.close(), waiting.close()]);
    },
  };
}

/** Closes the coordination once the server has stopped and the cycles have drained. */
export function coordinationPlugin(coordination: Coordination): FastifyPluginAsync {
  return async (fastify) => {
    fastify.addHook('onClose', async () => coordination.close());
  };
}
