// `chatops remind --schedule NAME --config F --secrets F [--dry-run]`: run one schedule once.
// With --dry-run nothing is posted; each Web API call is printed as one JSON line on stdout.
import pino from 'pino';
import { findSchedule } from '../../core/schedule.ts';
import type { SlackPoster } from '../../core/ports.ts';
import { createLogger } from '../../logging.ts';
import { CycleRunner } from '../../scheduling/cycle.ts';
import { checkScheduleTeams } from '../../scheduling/team-check.ts';
import { DryRunPoster } from '../../slack/web-api.ts';
import { loadSettingsOrReport, secretValues, settingsFlags } from '../args.ts';
import { parseFlags, requireFlag, UsageError, type CommandIo } from '../flags.ts';
import { openPersonalSettings } from '../../store/personal-settings.ts';
import { createRuntime } from '../runtime.ts';

export async function remind(argv: string[], io: CommandIo): Promise<number> {
  const values = parseFlags(argv, { ...settingsFlags, schedule: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } });
  const name = requireFlag(values, 'schedule', 'name the schedule to run, e.g. --schedule morning-digest');
  const settings = loadSettingsOrReport(values, io);
  if (!settings) return 1;
  const { config, secrets } = settings;
  const schedule = findSchedule(config.schedules, name);
  if (!schedule) {
    const known = config.schedules.map((s) => s.name).join(', ') || 'none are configured';
    throw new UsageError(`--schedule: no schedule named "${name}" in config.yml (known: ${known})`);
  }
  // stdout belongs to the dry-run JSON lines; logs go to stderr.
  const logger = createLogger({ level: config.logging.level, secretValues: secretValues(secrets), destination: pino.destination({ dest: 2, sync: true }) });
  const runtime = createRuntime(config, secrets, logger, { defaultMetrics: false });
  const poster: SlackPoster = values['dry-run'] ? new DryRunPoster(io.stdout) : runtime.slack;
  // People's settings live in Elasticsearch; without it no one has any (serve's memory is its own).
  const personal = config.elasticsearch ? openPersonalSettings(config.elasticsearch, secrets, logger.child({ component: 'personal-settings' })) : undefined;
  const runner = new CycleRunner({
    config,
    source: runtime.source,
    poster,
    metrics: runtime.metrics,
    logger,
    ...(personal ? { settings: personal.store } : {}),
  });
  try {
    await personal?.ready;
    await checkScheduleTeams([schedule], runtime.source, logger);
    const report = await runner.run(schedule);
    return report.outcome === 'failure' ? 1 : 0;
  } finally {
    await personal?.close();
    await runtime.close();
  }
}
