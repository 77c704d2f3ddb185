// The alerts part of a replica, built by `serve` when config.yml has an `alerts` section: the
// Alertmanager client, the ledger (Elasticsearch when configured, else in memory for a single
// replica) and POST /alertmanager/webhook. The plugin releases all of it in onClose.
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { AlertsConfig, Config, Secrets } from '../config/schema.ts';
import type { SlackPoster } from '../core/ports.ts';
import type { AppMetrics } from '../metrics.ts';
import { createElasticsearchClient } from '../store/client.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import { deleteExpiredFrom, ensureDefinedIndices } from '../store/indices.ts';
import { alertActionIndexDefinition, alertActionIndexName, ElasticAlertActionLog, MemoryAlertActionLog, type AlertActionLog } from './action-log.ts';
import { AlertmanagerClient } from './alertmanager.ts';
import { AlertButtons } from './buttons.ts';
import { AlertCommands } from './commands.ts';
import { MemoryAlertLedger, type AlertLedger } from './ledger.ts';
import { alertIndexDefinitions, alertIndexNames, ElasticAlertLedger } from './ledger-elastic.ts';
import { AlertNotifier } from './notifier.ts';
import { cachedGroupMembers, type GroupMembersReader } from './operators.ts';
import { PrometheusClient } from './prometheus.ts';
import { alertmanagerWebhookPlugin } from './webhook-route.ts';

const ledgerTimeoutMs = 5_000;
const setupRetryMs = 10_000;
const retentionEveryMs = 3_600_000;
// A user group's members are read again after a minute: a removed operator loses rights soon.
const groupMembersTtlMs = 60_000;

export interface AlertsOptions {
  alerts: AlertsConfig;
  elasticsearch: Config['elasticsearch'];
  secrets: Pick<Secrets, 'alertmanagerWebhookToken' | 'alertmanager' | 'prometheus' | 'elasticsearchPassword'>;
  slack: SlackPoster;
  replicaId: string;
  metrics: AppMetrics;
  /** members of a Slack user group listed in alerts.operators (usergroups.users.list) */
  groupMembers: GroupMembersReader;
  /** the replica's logger; the part logs as its `alerts` child */
  logger: Logger;
}

export interface Alerts {
  alertmanager: AlertmanagerClient;
  ledger: AlertLedger;
  notifier: AlertNotifier;
  buttons: AlertButtons;
  /** `/alerts`, `/silences`, `/chatops status` and their buttons */
  commands: AlertCommands;
  plugin: FastifyPluginAsync;
}

function elasticLedger(
  settings: NonNullable<Config['elasticsearch']>,
  options: AlertsOptions,
  logger: Logger,
  timers: NodeJS.Timeout[],
): { ledger: AlertLedger; actionLog: AlertActionLog; close: () => Promise<void> } {
  const client = createElasticsearchClient(settings, options.secrets, { requestTimeoutMs: ledgerTimeoutMs });
  const actionIndex = alertActionIndexName(settings.indexPrefix);
  const definitions = [...alertIndexDefinitions(alertIndexNames(settings.indexPrefix)), alertActionIndexDefinition(actionIndex)];
  let ready = false;
  const setUp = (): void => {
    ensureDefinedIndices(client, definitions, logger)
      .then(() => {
        ready = true;
      })
      .catch((error: unknown) => {
        if (!(error instanceof StoreUnavailableError)) return logger.error({ err: error }, 'alert index setup failed');
        logger.warn({ err: error, retryInMs: setupRetryMs }, 'Elasticsearch unreachable: alert index setup retried in the background');
        const retry = setTimeout(setUp, setupRetryMs);
        retry.unref();
        timers.push(retry);
      });
  };
  setUp();
  const retention = setInterval(() => {
    if (!ready) return;
    deleteExpiredFrom(client, definitions, settings.retentionDays).catch((error: unknown) =>
      logger.warn({ err: error }, 'alert retention job failed; next run in an hour'),
    );
  }, retentionEveryMs);
  retention.unref();
  timers.push(retention);
  return {
    ledger: new ElasticAlertLedger(client, alertIndexNames(settings.indexPrefix), options.replicaId),
    actionLog: new ElasticAlertActionLog(client, actionIndex),
    close: () => client.close(),
  };
}

function prometheusOf({ alerts, secrets, metrics }: AlertsOptions): PrometheusClient | undefined {
  if (!alerts.prometheusUrl) return undefined;
  return new PrometheusClient({
    url: alerts.prometheusUrl,
    timeoutMs: alerts.requestTimeoutMs,
    metrics,
    ...(alerts.caFile ? { caFile: alerts.caFile } : {}),
    ...(secrets.prometheus ? { auth: secrets.prometheus } : {}),
  });
}

export function createAlerts(options: AlertsOptions): Alerts {
  const { alerts, secrets, metrics } = options;
  const logger = options.logger.child({ component: 'alerts' });
  const timers: NodeJS.Timeout[] = [];
  const store = options.elasticsearch ? elasticLedger(options.elasticsearch, options, logger, timers) : undefined;
  if (!store) logger.info('no elasticsearch section in config: alert messages are remembered in memory (run one replica only)');
  const ledger = store?.ledger ?? new MemoryAlertLedger();
  const alertmanager = new AlertmanagerClient({
    url: alerts.alertmanagerUrl,
    timeoutMs: alerts.requestTimeoutMs,
    metrics,
    ...(alerts.caFile ? { caFile: alerts.caFile } : {}),
    ...(secrets.alertmanager ? { auth: secrets.alertmanager } : {}),
  });
  const links = {
    ...(alerts.grafanaUrl ? { grafanaUrl: alerts.grafanaUrl } : {}),
    ...(alerts.runbookBaseUrl ? { runbookBaseUrl: alerts.runbookBaseUrl } : {}),
  };
  const notifier = new AlertNotifier({ ledger, slack: options.slack, links, replica: options.replicaId, logger });
  const groupMembers = cachedGroupMembers(options.groupMembers, groupMembersTtlMs);
  const actionLog = store?.actionLog ?? new MemoryAlertActionLog();
  const buttons = new AlertButtons({
    ledger,
    alertmanager,
    slack: options.slack,
    operators: alerts.operators,
    groupMembers,
    timeZone: alerts.timezone,
    links,
    logger,
    actionLog,
    replica: options.replicaId,
  });
  const prometheus = prometheusOf(options);
  const commands = new AlertCommands({
    alertmanager,
    ...(prometheus ? { prometheus } : {}),
    operators: alerts.operators,
    groupMembers,
    timeZone: alerts.timezone,
    replica: options.replicaId,
    logger,
    actionLog,
  });
  const route = alertmanagerWebhookPlugin({ token: secrets.alertmanagerWebhookToken, defaultChannel: alerts.defaultChannel, notifier, metrics, logger });
  const plugin: FastifyPluginAsync = async (fastify) => {
    await fastify.register(route);
    fastify.addHook('onClose', async () => {
      for (const timer of timers) clearTimeout(timer);
      await alertmanager.close();
      await prometheus?.close();
      await store?.close();
    });
  };
  return { alertmanager, ledger, notifier, buttons, commands, plugin };
}
