// Runs one reminder cycle: read GitHub, plan, post to Slack, record metrics. Tracks the
// cycles in flight so shutdown can wait for their posts to finish.
import type { Logger } from 'pino';
import type { Config, Schedule } from '../config/schema.ts';
import { postMessageArgs } from '../core/messages.ts';
import { mergeFilters, narrowSnapshot, scheduleAudience, scheduleScope } from '../core/audience.ts';
import { nothingReadable, planReminder, type PersonalDelivery, type ReminderPlan } from '../core/plan.ts';
import type { PersonalSettingsStore, PullRequestSource, ReminderHistory, SlackPoster } from '../core/ports.ts';
import type { ChoiceScope, ReminderChoice, ReminderChoices } from '../core/reminder-choices.ts';
import type { AppMetrics } from '../metrics.ts';
import { pullRequestRef } from '../core/keys.ts';
import { SharedReads } from './shared-reads.ts';

export type CycleOutcome = 'success' | 'partial' | 'failure';

export interface CycleReport {
  schedule: string;
  outcome: CycleOutcome;
  posted: number;
  failedPosts: number;
  pullRequests: number;
  failedRepositories: number;
  error?: string;
}

export interface CycleDeps {
  config: Config;
  source: PullRequestSource;
  poster: SlackPoster;
  metrics: AppMetrics;
  logger: Logger;
  history?: ReminderHistory;
  /** people's own settings: `personal` and `reviews` DMs honour them */
  settings?: PersonalSettingsStore;
  /** snoozes and "not mine": read before each plan */
  choices?: Pick<ReminderChoices, 'list'>;
  clock?: () => Date;
}

/** What started a cycle: the schedule's fire, or the minute tick of people's own DM times (DM schedules only). */
export type CycleTrigger = PersonalDelivery['trigger'];

export class CycleRunner {
  private readonly inFlight = new Set<Promise<CycleReport>>();
  private readonly reads: SharedReads;

  constructor(private readonly deps: CycleDeps) {
    this.reads = new SharedReads(deps.source, deps.config.github);
  }

  /**
   * Runs the schedule once. Never rejects: failures are in the report, logs and metrics.
   * `fireTime` (scheduled fires) goes into the digest parent's Slack message metadata, so
   * each posted digest names the fire it belongs to. `group`: the schedules of the same fire,
   * which share one GitHub read.
   */
  run(schedule: Schedule, fireTime?: Date, group: readonly Schedule[] = [schedule], trigger: CycleTrigger = 'schedule'): Promise<CycleReport> {
    const cycle = this.runCycle(schedule, fireTime, group, trigger).finally(() => this.inFlight.delete(cycle));
    this.inFlight.add(cycle);
    return cycle;
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** Resolves when every cycle started so far has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * People's settings for a DM cycle. Unreadable at a schedule's fire: everyone gets the DM
   * rather than no one; at a DM-time tick there is no one to send to.
   */
  private async personalDelivery(schedule: Schedule, trigger: CycleTrigger, at: Date, logger: Logger): Promise<PersonalDelivery | undefined> {
    if (schedule.kind === 'digest' || !this.deps.settings) return undefined;
    try {
      const all = await this.deps.settings.all();
      return { trigger, at, settings: new Map(all.map((s) => [s.slackUserId, s])) };
    } catch (error) {
      if (trigger === 'dm-time') throw error;
      logger.warn({ err: error }, "personal settings unreadable: this fire's DMs go to everyone, as without settings");
      return undefined;
    }
  }

  private async runCycle(schedule: Schedule, fireTime: Date | undefined, group: readonly Schedule[], trigger: CycleTrigger): Promise<CycleReport> {
    const { config, metrics } = this.deps;
    const logger = this.deps.logger.child({ schedule: schedule.name, kind: schedule.kind, ...(trigger === 'dm-time' ? { trigger } : {}) });
    const stopTimer = metrics.reminderCycleDuration.startTimer({ schedule: schedule.name });
    logger.info('reminder cycle started');
    const report: CycleReport = { schedule: schedule.name, outcome: 'failure', posted: 0, failedPosts: 0, pullRequests: 0, failedRepositories: 0 };
    try {
      const read = await this.reads.read(group.includes(schedule) ? group : [schedule, ...group], fireTime);
      const scope = scheduleScope(schedule, config.github);
      const snapshot = narrowSnapshot(read.snapshot, scope);
      report.pullRequests = snapshot.pullRequests.length;
      report.failedRepositories = snapshot.failedRepositories.length;
      // Each failure was logged where it happened (the source); the gauge follows the snapshot a fake source gives too.
      metrics.githubRepositoriesFailed.set(snapshot.failedRepositories.length);
      const audience = scheduleAudience(schedule, read.roster);
      if (audience?.kind === 'team' && audience.failure !== undefined) {
        logger.warn({ team: audience.team, reason: audience.failure }, "the schedule's team could not be read: it has no members this cycle");
      }
      const filters = mergeFilters(config.filters, schedule.filters);
      const choices = await this.choicesFor(schedule, logger);
      const now = (this.deps.clock ?? (() => new Date()))();
      const personal = await this.personalDelivery(schedule, trigger, fireTime ?? now, logger);
      const plan = planReminder({ schedule, snapshot, filters, users: config.users, now, roster: read.roster, choices, ...(personal ? { personal } : {}) });
      await this.carryOut(plan, report, logger, fireTime);
      if (nothingReadable(scope.patterns, snapshot)) {
        report.outcome = 'failure';
        report.error = 'no configured repository could be read';
        logger.error({ failedRepositories: report.failedRepositories }, 'no configured repository could be read');
      } else {
        report.outcome = report.failedPosts > 0 || report.failedRepositories > 0 ? 'partial' : 'success';
      }
    } catch (error) {
      report.outcome = 'failure';
      report.error = error instanceof Error ? error.message : String(error);
      logger.error({ err: error }, 'reminder cycle failed');
    } finally {
      stopTimer();
      metrics.reminderCycles.inc({ schedule: schedule.name, outcome: report.outcome });
      if (report.outcome !== 'failure') metrics.reminderLastSuccess.set({ schedule: schedule.name }, Date.now() / 1000);
    }
    logger.info(
      {
        outcome: report.outcome,
        posted: report.posted,
        failedPosts: report.failedPosts,
        prs: report.pullRequests,
        failedRepositories: report.failedRepositories,
      },
      'reminder cycle finished',
    );
    return report;
  }

  /** The choices of the digest's channel or of the DM recipients; unreadable, none (a reminder too many beats none). */
  private async choicesFor(schedule: Schedule, logger: Logger): Promise<ReminderChoice[]> {
    if (!this.deps.choices) return [];
    const scopes: ChoiceScope[] =
      schedule.kind === 'digest' ? [{ kind: 'channel', id: schedule.channel ?? '' }] : this.deps.config.users.map((user) => ({ kind: 'user', id: user.slack }));
    try {
      return await this.deps.choices.list(scopes);
    } catch (error) {
      logger.warn({ err: error }, 'could not read snoozes and "not mine" choices: this reminder shows every pull request');
      return [];
    }
  }

  private async post(schedule: string, kind: 'parent' | 'reply' | 'dm', args: Record<string, unknown>, report: CycleReport) {
    const result = await this.deps.poster.call({ method: 'chat.postMessage', args });
    report.posted += 1;
    this.deps.metrics.remindersSent.inc({ schedule, kind });
    return result;
  }

  private async carryOut(plan: ReminderPlan, report: CycleReport, logger: Logger, fireTime: Date | undefined): Promise<void> {
    const { poster, history } = this.deps;
    if (plan.kind === 'digest') {
      const [first, ...rest] = plan.digest.parent;
      if (!first) return;
      // Without the parent there is no thread: a failure here fails the cycle.
      const metadata = fireTime
        ? { metadata: { event_type: 'chatops_digest', event_payload: { schedule: plan.schedule, fire_time: fireTime.toISOString() } } }
        : {};
      const parent = await this.post(plan.schedule, 'parent', postMessageArgs(plan.channel, first, metadata), report);
      const threadArgs = { thread_ts: parent.ts };
      for (const part of rest) {
        await this.post(plan.schedule, 'parent', postMessageArgs(parent.channel, part, threadArgs), report);
      }
      for (const reply of plan.digest.replies) {
        const pr = reply.item.pr;
        try {
          const posted = await this.post(plan.schedule, 'reply', postMessageArgs(parent.channel, reply.message, threadArgs), report);
          if (reply.reaction) {
            await poster.call({ method: 'reactions.add', args: { channel: posted.channel, timestamp: posted.ts, name: reply.reaction } });
          }
          if (history) {
            await history
              .recordReply({ pr, channel: posted.channel, ts: posted.ts, threadTs: parent.ts, schedule: plan.schedule, shown: reply.shown })
              .catch((error: unknown) => logger.warn({ err: error, pr: pullRequestRef(pr) }, 'could not record the reply'));
          }
        } catch (error) {
          report.failedPosts += 1;
          logger.error({ err: error, pr: pullRequestRef(pr) }, 'could not post the thread reply');
        }
      }
      return;
    }
    for (const direct of plan.messages) {
      for (const message of direct.messages) {
        try {
          // Posting to a user id delivers to the app's DM with that user.
          await this.post(plan.schedule, 'dm', postMessageArgs(direct.user.slack, message), report);
        } catch (error) {
          report.failedPosts += 1;
          logger.error({ err: error, user: direct.user.slack }, 'could not send the direct message');
        }
      }
    }
  }
}
