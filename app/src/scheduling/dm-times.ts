// People's own DM times (App Home settings): a tick at the start of every minute finds who of
// each `personal` / `reviews` schedule is due in that minute and, when someone is, runs that
// schedule's DM cycle for them. The tick passes the FireGate under its own name, so one replica
// sends it.
import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Schedule } from '../config/schema.ts';
import { dmTimeDue } from '../core/personal-settings.ts';
import { alwaysRun, type FireGate, type PersonalSettingsStore } from '../core/ports.ts';
import type { CycleReport, CycleTrigger } from './cycle.ts';
import { cronLogger } from './scheduler.ts';

export interface DmTimeTickerOptions {
  schedules: readonly Schedule[];
  settings: PersonalSettingsStore;
  run: (schedule: Schedule, minute: Date, group: readonly Schedule[], trigger: CycleTrigger) => Promise<CycleReport>;
  gate?: FireGate;
  logger: Logger;
}

/** The name a schedule's DM-time tick is claimed under (the claims index keys fires by name and second). */
export function dmTimeClaimName(schedule: Schedule): string {
  return `${schedule.name}@dm-time`;
}

export class DmTimeTicker {
  private task: ScheduledTask | undefined;
  private readonly ticking = new Set<Promise<unknown>>();
  private readonly logger: Logger;
  private readonly schedules: readonly Schedule[];

  constructor(private readonly options: DmTimeTickerOptions) {
    this.logger = options.logger.child({ component: 'dm-times' });
    this.schedules = options.schedules.filter((s) => s.kind !== 'digest');
  }

  async start(): Promise<void> {
    if (this.schedules.length === 0) return;
    this.task = createTask('* * * * *', (context) => this.track(this.tick(context.date)), {
      name: 'dm-times',
      noOverlap: false,
      logger: cronLogger(this.options.logger),
    });
    await this.task.start();
  }

  /** One minute: the schedules someone is due in, each claimed and run. Exposed for tests. */
  async tick(when: Date): Promise<CycleReport[]> {
    const minute = new Date(Math.floor(when.getTime() / 60_000) * 60_000);
    let everyone;
    try {
      everyone = await this.options.settings.all();
    } catch (error) {
      this.logger.error({ err: error, minute: minute.toISOString() }, 'personal settings unreadable: DM times of this minute skipped');
      return [];
    }
    const reports: CycleReport[] = [];
    for (const schedule of this.schedules) {
      const due = everyone.filter((s) => dmTimeDue(s, minute, schedule.timezone)).length;
      if (due === 0) continue;
      const gate = this.options.gate ?? alwaysRun;
      const run = await gate.shouldRun(dmTimeClaimName(schedule), minute).catch((error: unknown) => {
        this.logger.error({ err: error, schedule: schedule.name }, 'fire gate failed; DM times of this minute skipped');
        return false;
      });
      if (!run) continue;
      this.logger.info({ schedule: schedule.name, minute: minute.toISOString(), due }, 'DM time due');
      reports.push(await this.options.run(schedule, minute, [schedule], 'dm-time'));
    }
    return reports;
  }

  private track<T>(tick: Promise<T>): Promise<T> {
    this.ticking.add(tick);
    void tick.finally(() => this.ticking.delete(tick)).catch(() => undefined);
    return tick;
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await Promise.allSettled([...this.ticking]);
  }
}
