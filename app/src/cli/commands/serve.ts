// `chatops serve --config F --secrets F [--port N]`: one replica. HTTP (Slack, health,
// readiness, metrics, extension routes) and the schedules; SIGTERM finishes in-flight work,
// closes the server and exits 0.
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import type { ReminderHistory } from '../../core/ports.ts';
import { startServer } from '../../http/server.ts';
import type { ReadinessCheck } from '../../http/app.ts';
import { createLogger, createScrubber } from '../../logging.ts';
import { CycleRunner } from '../../scheduling/cycle.ts';
import { Scheduler } from '../../scheduling/scheduler.ts';
import { createSlackApp } from '../../slack/app.ts';
import { version } from '../../version.ts';
import { loadSettingsOrReport, parseFlags, secretValues, settingsFlags, UsageError, type CommandIo } from '../args.ts';
import { extensionFactories, type AppExtension } from '../extensions.ts';
import { createRuntime } from '../runtime.ts';

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number 0-65535, got "${value}"`);
  return port;
}

function combineHistories(histories: ReminderHistory[]): ReminderHistory | undefined {
  if (histories.length === 0) return undefined;
  return { recordReply: async (record) => void (await Promise.all(histories.map((h) => h.recordReply(record)))) };
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

  const extensions: AppExtension[] = [];
  for (const factory of extensionFactories) {
    const extension = await factory({ config, secrets, replicaId: runtime.replicaId, logger: replicaLogger, metrics: runtime.metrics, source: runtime.source });
    if (extension) extensions.push(extension);
  }
  const gates = extensions.filter((e) => e.fireGate);
  if (gates.length > 1) throw new Error(`more than one extension gates fires: ${gates.map((e) => e.name).join(', ')}`);
  const history = combineHistories(extensions.flatMap((e) => (e.history ? [e.history] : [])));

  const runner = new CycleRunner({
    config,
    source: runtime.source,
    poster: runtime.slack,
    metrics: runtime.metrics,
    logger: replicaLogger,
    ...(history ? { history } : {}),
  });
  const { receiver } = createSlackApp({ config, secrets, source: runtime.source, poster: runtime.slack, logger: replicaLogger });
  const readiness: ReadinessCheck[] = [
    { name: 'github', check: () => runtime.source.checkReachable() },
    { name: 'slack', check: async () => void (await runtime.slack.authTest()) },
    ...extensions.flatMap((e) => (e.checkReady ? [{ name: e.name, check: e.checkReady }] : [])),
  ];
  const releaseAll = async (): Promise<void> => {
    for (const extension of extensions) await extension.close?.();
    await runtime.close();
  };
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer({
      config,
      logger: replicaLogger,
      ...(port !== undefined ? { port } : {}),
      app: {
        metrics: runtime.metrics,
        ...(secrets.metrics ? { metricsAuth: secrets.metrics } : {}),
        readiness,
        slackRoutes: receiver.routes,
        routes: extensions.flatMap((e) => e.routes ?? []),
        scrub: createScrubber(secretsList),
      },
    });
  } catch (error) {
    // e.g. the port is taken: release what was opened so the process can exit
    await releaseAll();
    throw error;
  }
  const scheduler = new Scheduler({
    schedules: config.schedules,
    run: (schedule, fireTime) => runner.run(schedule, fireTime),
    logger: replicaLogger,
    ...(gates[0]?.fireGate ? { gate: gates[0].fireGate } : {}),
  });
  await scheduler.start();
  replicaLogger.info({ url: running.url, port: running.port, version, schedules: config.schedules.length }, 'chatops serving');

  return new Promise<number>((resolve) => {
    closeWithGrace(
      { delay: config.server.shutdownTimeoutMs, logger: { error: (message: unknown) => replicaLogger.error({ detail: String(message) }, 'shutdown problem') } },
      async ({ signal, err }) => {
        if (err) replicaLogger.error({ err }, 'fatal error; shutting down');
        else replicaLogger.info({ signal, cyclesInFlight: runner.busy }, 'shutting down: finishing in-flight work');
        await scheduler.stop();
        // Stops accepting, lets open requests finish; Slack listeners and cycles keep posting.
        await Promise.all([running.server.close(), receiver.drain(), runner.drain()]);
        await releaseAll();
        replicaLogger.info('shutdown complete');
        resolve(err ? 1 : 0);
      },
    );
  });
}
