// What the throttling plugin schedules its requests through, without a Bottleneck in the path of
// every request. A shared Bottleneck admits one job at a time and spends ~1-3 ms of timers
// (setTimeout(0) yields in its local datastore) on each: ~350 requests a second at most, whatever
// the concurrency, which was most of a warm cycle's 304s; a Bottleneck of its own per request still
// cost ~25 µs of CPU and a timer each (a twentieth of a warm cycle over 3,000 repositories).
// Requests in flight stay bounded by the HTTP pool (http.ts: github.concurrency connections) and
// by the source's own bounded maps.
import { setTimeout as sleep } from 'node:timers/promises';
import type Bottleneck from 'bottleneck/light.js';

type Listener = (...args: never[]) => unknown;

/** What Bottleneck hands its "failed" listeners besides the error. */
export interface FailedJob {
  args: unknown[];
  options: Record<string, never>;
  retryCount: number;
}

/**
 * The plugin's retry limiter: runs each job at once and, when it fails, asks the "failed"
 * listeners (the plugin's) as Bottleneck does: the first that returns a number of milliseconds
 * has the job run again after that delay (Retry-After, x-ratelimit-reset); none, and the job
 * rejects with its error. A listener that throws counts as none, as in Bottleneck, which only
 * reports it as an "error" event.
 */
export class PerRequestLimiter {
  private readonly failedListeners: Listener[] = [];

  on(event: string, listener: Listener): void {
    if (event === 'failed') this.failedListeners.push(listener);
  }

  async schedule<R>(task: (...args: never[]) => Promise<R>, ...args: unknown[]): Promise<R> {
    const run = task as (...a: unknown[]) => Promise<R>;
    for (let retryCount = 0; ; retryCount += 1) {
      try {
        return await run(...args);
      } catch (error) {
        const delay = await this.retryDelay(error, { args, options: {}, retryCount });
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }

  private async retryDelay(error: unknown, job: FailedJob): Promise<number | undefined> {
    const answers = await Promise.all(
      this.failedListeners.map(async (listener) => {
        try {
          return await (listener as (e: unknown, j: FailedJob) => unknown)(error, job);
        } catch {
          // Bottleneck turns a listener's exception into an "error" event and the job's own failure.
          return undefined;
        }
      }),
    );
    const retry = answers.find((answer) => answer !== undefined && answer !== null);
    // Bottleneck's `~~retry`: a whole number of milliseconds.
    return retry === undefined ? undefined : Math.trunc(Number(retry)) || 0;
  }
}

/**
 * A group with no limit of its own: `key(id).schedule([options,] task, ...args)` runs the task now.
 * Typed as the Bottleneck.Group the plugin's options name; the plugin calls only those two methods.
 */
export const unlimitedGroup = {
  key: () => ({
    schedule: <R>(first: unknown, ...rest: unknown[]): Promise<R> => {
      const [task, ...args] = (typeof first === 'function' ? [first, ...rest] : rest) as [(...a: unknown[]) => Promise<R>, ...unknown[]];
      return task(...args);
    },
  }),
} as unknown as Bottleneck.Group;
