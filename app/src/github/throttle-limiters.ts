// What the throttling plugin schedules its requests through, without a shared Bottleneck in the
// path of every request. A shared Bottleneck admits one job at a time and spends ~1-3 ms of timers
// (setTimeout(0) yields in its local datastore) on each: ~350 requests a second at most, whatever
// the concurrency, which was most of a warm cycle's 304s. Requests in flight stay bounded by the
// HTTP pool (http.ts: github.concurrency connections) and by the source's own bounded maps.
import Bottleneck from 'bottleneck/light.js';

type Listener = (...args: never[]) => unknown;

/**
 * The plugin's retry limiter: every job runs on a Bottleneck of its own that carries the plugin's
 * "failed" listener, so a rate-limited request is still retried after the delay the listener
 * returns (Retry-After, x-ratelimit-reset), exactly as on the shared one.
 */
export class PerRequestLimiter {
  private readonly listeners: [string, Listener][] = [];

  on(event: string, listener: Listener): void {
    this.listeners.push([event, listener]);
  }

  schedule<R>(task: (...args: never[]) => Promise<R>, ...args: unknown[]): Promise<R> {
    const limiter = new Bottleneck();
    for (const [event, listener] of this.listeners) limiter.on(event as 'failed', listener as never);
    return (limiter.schedule as (task: (...a: never[]) => Promise<R>, ...a: unknown[]) => Promise<R>)(task, ...args);
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
