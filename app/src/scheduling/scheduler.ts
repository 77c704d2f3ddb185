// Fires each schedule with node-cron in the schedule's own time zone. Every fire passes
// the FireGate first, so replicas can agree on which one posts.
import { createTask, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Schedule } from '../config/schema.ts';
import { alwaysRun, type FireGate } from '../core/ports.ts';
import { fireSecond } from '../core/schedule.ts';
import type { CycleReport } from './cycle.ts';

export interface SchedulerOptions {
  schedules: readonly Schedule[];
  /** `group`: every schedule firing at `fireTime` (this one included); they share one GitHub read */
  run: (schedule: Schedule, fireTime: Date, group: readonly Schedule[]) => Promise<CycleReport>;
  gate?: FireGate;
  logger: Logger;
}

/** The next `count` fire times of a schedule, computed in its time zone. */
export function nextFireTimes(schedule: Schedule, count: number): Date[] {
  const task = createTask(schedule.cron, () => undefined, { timezone: schedule.timezone, name: `preview-${schedule.name}` });
  try {
    return task.getNextRuns(count);
  } finally {
    void task.destroy();
  }
}

/** node-cron logs to the console by default; keep its few lines in the app's JSON log. */
export function cronLogger(logger: Logger): CronLogger {
  const child = logger.child({ component: 'node-cron' });
  const text = (message: string | Error): string => (message instanceof Error ? message.message : message);
  return {
    info: (message) => child.info(message),
    warn: (message) => child.warn(message),
    error: (message, err) => child.error({ err: err ?? (message instanceof Error ? message : undefined) }, text(message)),
    debug: (message, err) => child.debug({ err }, text(message)),
  };
}

export class Scheduler {
  private readonly tasks = new Map<Schedule, ScheduledTask>();
  /** Fires past node-cron but not finished: stop() waits, so a claimed fire is never dropped. */
  private readonly firing = new Set<Promise<unknown>>();
  private readonly gate: FireGate;

  constructor(private readonly options: SchedulerOptions) {
    this.gate = options.gate ?? alwaysRun;
  }

  async start(): Promise<void> {
    for (const schedule of this.options.schedules) {
      const task = createTask(schedule.cron, (context) => this.track(this.fire(schedule, context.date)), {
        timezone: schedule.timezone,
        name: schedule.name,
        // Fires overlap freely: each is its own claim, and a replica busy with the previous
        // fire must still take the next one (otherwise a fire is lost while a replica is up).
        noOverlap: false,
        logger: cronLogger(this.options.logger),
      });
      await task.start();
      this.tasks.set(schedule, task);
      this.options.logger.info(
        { schedule: schedule.name, cron: schedule.cron, timezone: schedule.timezone, next: task.getNextRun()?.toISOString() },
        'schedule armed',
      );
    }
  }

  /** Runs one fire: asks the gate, then the cycle. Exposed for tests and `remind`. */
  async fire(schedule: Schedule, when: Date): Promise<CycleReport | undefined> {
    const fireTime = fireSecond(when);
    const logger = this.options.logger.child({ schedule: schedule.name, fireTime: fireTime.toISOString() });
    let run: boolean;
    try {
      run = await this.gate.shouldRun(schedule.name, fireTime);
    } catch (error) {
      logger.error({ err: error }, 'fire gate failed; skipping this fire');
      return undefined;
    }
    if (!run) {
      logger.info('another replica runs this fire');
      return undefined;
    }
    return this.options.run(schedule, fireTime, this.firingAt(schedule, fireTime));
  }

  /** The schedules whose cron matches `fireTime` in their own zones: they fire together. */
  private firingAt(schedule: Schedule, fireTime: Date): Schedule[] {
    const others = [...this.tasks].filter(([other, task]) => other !== schedule && task.match(fireTime)).map(([other]) => other);
    return [schedule, ...others];
  }

  private track<T>(fire: Promise<T>): Promise<T> {
    this.firing.add(fire);
    // The rejection itself reaches node-cron through the returned promise; this copy only cleans up.
    void fire.finally(() => this.firing.delete(fire)).catch(() => undefined);
    return fire;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.tasks.values()].map(async (task) => task.destroy()));
    this.tasks.clear();
    await Promise.allSettled([...this.firing]);
  }
}
