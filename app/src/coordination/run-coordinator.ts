// Decides which replica posts each scheduled fire: the one that claims it first in
// Elasticsearch. When Elasticsearch cannot be asked, only the primary posts (fail-safe,
// docs/coordination.md), and it records its claims once the cluster answers again.
import type { Logger } from 'pino';
import type { FireGate } from '../core/ports.ts';
import { fireSecond } from '../core/schedule.ts';
import type { AppMetrics } from '../metrics.ts';
import { fireKey, type ClaimOutcome } from '../store/claims.ts';
import { StoreUnavailableError } from '../store/errors.ts';

/** What the coordinator needs from the claims store (app/src/store/claims.ts). */
export interface FireClaims {
  claim(schedule: string, fireTime: Date, replica: string, options?: { degraded?: boolean; retry?: boolean }): Promise<ClaimOutcome>;
}

export interface RunCoordinatorOptions {
  claims: FireClaims;
  replicaId: string;
  primary: boolean;
  logger: Logger;
  metrics: Pick<AppMetrics, 'fireClaims' | 'coordinatorDegraded'>;
  /**
   * The longest a claim request may take (the client's request timeout). A non-primary
   * decides within lateLimitMs + 2x this after the fire (create + read back); the primary
   * waits that long before posting unclaimed, so it cannot overlap a non-primary that won.
   */
  claimTimeoutMs: number;
  /**
   * A non-primary skips fires it starts claiming later than this after the fire time. Default two
   * claim timeouts: room to ask again after a claim that timed out (a node failing over).
   */
  lateLimitMs?: number;
  /** Pause between the primary's claim attempts while Elasticsearch does not answer. */
  retryDelayMs?: number;
  /** Most fires the primary remembers to record later (oldest dropped first). */
  maxPendingClaims?: number;
  clock?: () => number;
}

interface PendingClaim {
  schedule: string;
  fireTime: Date;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RunCoordinator implements FireGate {
  private degraded = false;
  private readonly pending: PendingClaim[] = [];
  private flushing: Promise<void> | undefined;
  private readonly clock: () => number;
  private readonly logger: Logger;

  constructor(private readonly options: RunCoordinatorOptions) {
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger.child({ component: 'run-coordinator', primary: options.primary });
    options.metrics.coordinatorDegraded.set(0);
  }

  get isDegraded(): boolean {
    return this.degraded;
  }

  /** Fires the primary posted unclaimed and has not recorded yet. */
  get pendingClaims(): number {
    return this.pending.length;
  }

  async shouldRun(scheduleName: string, fireTime: Date): Promise<boolean> {
    // Fires are keyed to the whole second node-cron scheduled, never to when the callback ran.
    const fire = fireSecond(fireTime);
    const key = fireKey(scheduleName, fire);
    const { claims, replicaId, primary, metrics } = this.options;
    const lateLimit = this.options.lateLimitMs ?? 2 * this.options.claimTimeoutMs;
    // A non-primary starts claiming by fire + lateLimit and decides within two requests after (a retry
    // starts only when it ends as early).
    const retryDelay = this.options.retryDelayMs ?? 250;
    const deadline = fire.getTime() + lateLimit + 2 * this.options.claimTimeoutMs + retryDelay;
    if (!primary && this.clock() > fire.getTime() + lateLimit) {
      // A late fire (stalled process): the primary may already have posted it unclaimed.
      metrics.fireClaims.inc({ schedule: scheduleName, outcome: 'skipped' });
      this.logger.warn({ schedule: scheduleName, fire: key, lateMs: this.clock() - fire.getTime() }, 'fire came too late to claim: skipping');
      return false;
    }
    for (let attempt = 0; ; attempt += 1) {
      try {
        const outcome = await claims.claim(scheduleName, fire, replicaId, { retry: attempt > 0 });
        this.markHealthy();
        metrics.fireClaims.inc({ schedule: scheduleName, outcome });
        this.logger.info({ schedule: scheduleName, fire: key, outcome }, outcome === 'won' ? 'fire claimed: posting' : 'fire claimed by another replica');
        return outcome === 'won';
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        // Degraded only once a fire is decided without Elasticsearch: an attempt answered by a retry is not.
        // A create whose answer was lost (a node failing over) may have landed, and then the primary
        // meets it and stands back: a non-primary asks again (and reads its claim back) while that
        // still ends a retry delay before the primary would post unclaimed, as a first try does.
        if (!primary && this.clock() <= fire.getTime() + lateLimit - retryDelay) {
          await sleep(retryDelay);
          continue;
        }
        if (!primary) {
          this.markDegraded(error);
          metrics.fireClaims.inc({ schedule: scheduleName, outcome: 'skipped' });
          this.logger.warn({ schedule: scheduleName, fire: key }, 'Elasticsearch unreachable: skipping fire (only the primary posts while degraded)');
          return false;
        }
        if (this.clock() >= deadline) {
          this.markDegraded(error);
          break;
        }
        await sleep(Math.min(retryDelay, Math.max(0, deadline - this.clock())));
      }
    }
    // Primary, and the cluster did not answer until every non-primary had to decide.
    metrics.fireClaims.inc({ schedule: scheduleName, outcome: 'won' });
    this.remember({ schedule: scheduleName, fireTime: fire });
    this.logger.warn({ schedule: scheduleName, fire: key }, 'Elasticsearch unreachable: primary posts this fire unclaimed and records it later');
    return true;
  }

  /** Records the fires posted while degraded; called on recovery and by the retention timer. */
  async flushPending(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    while (this.pending.length > 0) {
      const next = this.pending[0] as PendingClaim;
      const key = fireKey(next.schedule, next.fireTime);
      let outcome: ClaimOutcome;
      try {
        outcome = await this.options.claims.claim(next.schedule, next.fireTime, this.options.replicaId, { degraded: true });
      } catch (error) {
        if (error instanceof StoreUnavailableError) return;
        throw error;
      }
      this.pending.shift();
      if (outcome === 'lost') {
        // Only possible if a non-primary reached the cluster while the primary could not.
        this.logger.error({ schedule: next.schedule, fire: key }, 'fire posted while degraded was also claimed by another replica: posted twice');
      } else {
        this.logger.info({ schedule: next.schedule, fire: key }, 'recorded the claim of a fire posted while degraded');
      }
    }
  }

  private remember(claim: PendingClaim): void {
    this.pending.push(claim);
    const max = this.options.maxPendingClaims ?? 10_000;
    if (this.pending.length > max) this.pending.splice(0, this.pending.length - max);
  }

  private markDegraded(error: StoreUnavailableError): void {
    if (this.degraded) return;
    this.degraded = true;
    this.options.metrics.coordinatorDegraded.set(1);
    this.logger.warn(
      { err: error, replica: this.options.replicaId },
      this.options.primary
        ? 'coordinator degraded: Elasticsearch unreachable, this primary posts alone'
        : 'coordinator degraded: Elasticsearch unreachable, this replica skips fires',
    );
  }

  private markHealthy(): void {
    if (this.degraded) {
      this.degraded = false;
      this.options.metrics.coordinatorDegraded.set(0);
      this.logger.info('coordinator recovered: Elasticsearch answers again, fires are claimed');
    }
    if (this.pending.length > 0) {
      this.flushPending().catch((error: unknown) => this.logger.error({ err: error }, 'could not record fires posted while degraded'));
    }
  }
}
