// `chatops check-config --config F --secrets F`: validate, print a summary, touch no network.
import { localTime } from '../../core/schedule.ts';
import { nextFireTimes } from '../../scheduling/scheduler.ts';
import { loadSettingsOrReport, settingsFlags } from '../args.ts';
import { parseFlags, type CommandIo } from '../flags.ts';

export async function checkConfig(argv: string[], io: CommandIo): Promise<number> {
  const values = parseFlags(argv, settingsFlags);
  const settings = loadSettingsOrReport(values, io);
  if (!settings) return 1;
  const { config } = settings;
  io.stdout(
    `configuration OK: ${config.github.repositories.length} repository pattern(s), ${config.users.length} user(s), ${config.schedules.length} schedule(s)\n`,
  );
  for (const schedule of config.schedules) {
    const next = nextFireTimes(schedule, 1)[0];
    const when = next ? `${localTime(next, schedule.timezone)} ${schedule.timezone} (${next.toISOString()})` : 'never';
    const audience = schedule.team ? ` for team ${schedule.team}` : schedule.members ? ` for ${schedule.members.join(', ')}` : '';
    io.stdout(`  ${schedule.name}: ${schedule.kind}${audience} "${schedule.cron}" next ${when}\n`);
  }
  return 0;
}
