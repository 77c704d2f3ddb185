// `chatops serve --config F --secrets F [--port N]`: one replica. Wires its parts explicitly,
// each a fastify plugin on the one server that closes its own resources in onClose: the
// GitHub and Slack clients, coordination (with `elasticsearch`), the Slack receiver, the
// GitHub webhook, the alert messages (with `alerts`), the schedules. SIGTERM stops firing,
// closes the server (which drains and releases every part, last-registered first) and exits 0.
import closeWithGrace from 'close-with-grace';
import type { FastifyPluginAsync } from 'fastify';
import pino, { type Logger } from 'pino';
import { createAlerts } from '../../alerts/plugin.ts';
import { slackGroupMembers } from '../../slack/usergroups.ts';
import type { Config, Secrets } from '../../config/schema.ts';
import { coordinationPlugin, startCoordination, type Coordination } from '../../coordination/coordination.ts';
import { startServer, type RunningServer } from '../../http/server.ts';
import { createLogger, createScrubber } from '../../logging.ts';
import { CycleRunner } from '../../scheduling/cycle.ts';
import { DmTimeTicker } from '../../scheduling/dm-times.ts';
import { schedulingPlugin } from '../../scheduling/plugin.ts';
import { Scheduler } from '../../scheduling/scheduler.ts';
import { checkScheduleTeams } from '../../scheduling/team-check.ts';
import { createSlackApp } from '../../slack/app.ts';
import { version } from '../../version.ts';
import { MemoryDeliveryLedger, MemoryReminderHistory } from '../../store/memory.ts';
import { openPersonalSettings } from '../../store/personal-settings.ts';
import { MemoryReminderChoices } from '../../store/reminder-choices.ts';
import { githubWebhookPlugin } from '../../webhooks/github-webhook.ts';
import { loadSettingsOrReport, parseFlags, secretValues, settingsFlags, UsageError, type CommandIo } from '../args.ts';
import { createRuntime, runtimePlugin, type Runtime } from '../runtime.ts';

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number 0-65535, got "${value}"`);
  return port;
}

interface Replica {
  plugins: FastifyPluginAsync[];
  scheduler: Scheduler;
  dmTimes: DmTimeTicker;
  runner: CycleRunner;
}

/** Without `elasticsearch` every fire runs here, nothing is recorded and there is no webhook route. */
async function coordinationFor(config: Config, secrets: Secrets, runtime: Runtime, logger: Logger): Promise<Coordination | undefined> {
  if (!config.elasticsearch) {
    logger.child({ component: 'coordination' }).info('no elasticsearch section in config: fires are not coordinated (run one replica only)');
    return undefined;
  }
  return startCoordination({
    settings: config.elasticsearch,
    secrets,
    replicaId: runtime.replicaId,
    primary: config.replica.primary,
    logger,
    metrics: runtime.metrics,
  });
}

/** The replica's parts, in the order they are registered (and so closed in reverse). */
async function wireReplica(config: Config, secrets: Secrets, runtime: Runtime, logger: Logger): Promise<Replica> {
  const coordination = await coordinationFor(config, secrets, runtime, logger);
  // Webhooks need to remember deliveries and replies: in Elasticsearch, or in this one process.
  const memory = !coordination && secrets.githubWebhookSecret ? { deliveries: new MemoryDeliveryLedger(), history: new MemoryReminderHistory() } : undefined;
  if (memory) logger.warn('no elasticsearch in config.yml: webhook deliveries and digest replies are kept in memory, so run a single replica only');
  const history = coordination?.history ?? memory?.history;
  if (!coordination) logger.warn('no elasticsearch in config.yml: reminder snoozes and "not mine" choices are kept in memory, so run a single replica only');
  const choices = coordination?.choices ?? new MemoryReminderChoices();
  const settings = openPersonalSettings(config.elasticsearch, secrets, logger.child({ component: 'personal-settings' }));
  const runner = new CycleRunner({
    config,
    source: runtime.source,
    poster: runtime.slack,
    metrics: runtime.metrics,
    logger,
    settings: settings.store,
    choices,
    ...(history ? { history } : {}),
  });
  const scheduler = new Scheduler({
    schedules: config.schedules,
    run: (schedule, fireTime, group) => runner.run(schedule, fireTime, group),
    logger,
    ...(coordination ? { gate: coordination.gate } : {}),
  });
  const dmTimes = new DmTimeTicker({
    schedules: config.schedules,
    settings: settings.store,
    run: (schedule, minute, group, trigger) => runner.run(schedule, minute, group, trigger),
    logger,
    ...(coordination ? { gate: coordination.gate } : {}),
  });
  const alerts = config.alerts
    ? createAlerts({
        alerts: config.alerts,
        elasticsearch: config.elasticsearch,
        secrets,
        slack: runtime.slack,
        replicaId: runtime.replicaId,
        metrics: runtime.metrics,
        groupMembers: slackGroupMembers(runtime.slack),
        logger,
      })
    : undefined;
  const { receiver } = createSlackApp({
    config,
    secrets,
    source: runtime.source,
    poster: runtime.slack,
    logger,
    settings: settings.store,
    choices,
    reminderChoices: choices,
    ...(alerts ? { alertButtons: alerts.buttons, alertCommands: alerts.commands } : {}),
  });
  const plugins: FastifyPluginAsync[] = [runtimePlugin(runtime)];
  if (coordination) plugins.push(coordinationPlugin(coordination));
  plugins.push(async (fastify) => void fastify.addHook('onClose', () => settings.close()));
  const stores = coordination ?? memory;
  if (stores) {
    plugins.push(
      githubWebhookPlugin({
        secret: secrets.githubWebhookSecret,
        deliveries: stores.deliveries,
        history: stores.history,
        choices,
        slack: runtime.slack,
        users: config.users,
        teams: runtime.source,
        metrics: runtime.metrics,
        logger: logger.child({ component: 'coordination' }),
      }),
    );
  }
  if (alerts) plugins.push(alerts.plugin);
  plugins.push(receiver.routes, schedulingPlugin({ scheduler, runner, dmTimes }));
  return { plugins, scheduler, dmTimes, runner };
}

export async function serve(argv: string[], io: CommandIo): Promise<number> {
  const values = parseFlags(argv, { ...settingsFlags, port: { type: 'string' } });
  const port = parsePort(values.port);
  const settings = loadSettingsOrReport(values, io);
  if (!settings) return 1;
  const { config, secrets } = settings;
  const secretsList = secretValues(secrets);
  const logger = createLogger({ level: config.logging.level, secretValues: secretsList, destination: pino.destination({ dest: 1, sync: true }) });
  const runtime = createRuntime(config, secrets, logger);
  const replicaLogger = logger.child({ replica: runtime.replicaId });
  const { plugins, scheduler, dmTimes, runner } = await wireReplica(config, secrets, runtime, replicaLogger);

  const running: RunningServer = await startServer({
    config,
    logger: replicaLogger,
    ...(port !== undefined ? { port } : {}),
    app: {
      metrics: runtime.metrics,
      ...(secrets.metrics ? { metricsAuth: secrets.metrics } : {}),
      readiness: [
        { name: 'github', check: () => runtime.source.checkReachable() },
        { name: 'slack', check: async () => void (await runtime.slack.authTest()) },
      ],
      plugins,
      scrub: createScrubber(secretsList),
    },
  });
  await checkScheduleTeams(config.schedules, runtime.source, replicaLogger);
  await scheduler.start();
  await dmTimes.start();
  replicaLogger.info({ url: running.url, port: running.port, version, schedules: config.schedules.length }, 'chatops serving');

  return new Promise<number>((resolve) => {
    closeWithGrace(
      { delay: config.server.shutdownTimeoutMs, logger: { error: (message: unknown) => replicaLogger.error({ detail: String(message) }, 'shutdown problem') } },
      async ({ signal, err }) => {
        if (err) replicaLogger.error({ err }, 'fatal error; shutting down');
        else replicaLogger.info({ signal, cyclesInFlight: runner.busy }, 'shutting down: finishing in-flight work');
        // No new fires while the server still answers; then closing it lets open requests,
        // /prs answers and cycles finish before each part releases its connections.
        await scheduler.stop();
        await dmTimes.stop();
        await running.server.close();
        replicaLogger.info('shutdown complete');
        resolve(err ? 1 : 0);
      },
    );
  });
}
