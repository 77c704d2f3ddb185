// What the GitHub fake does to a request besides answering it: the rate-limit budgets (REST `core`
// and `graphql`), the secondary limit, per-repository failures, latency and the in-flight count.
import { fires, type CountedFault } from '../http-server.ts';
import { lowerKey, nowSeconds } from './state.ts';
import type { RepositoryFault } from './graphql.ts';

/** GitHub keeps a separate budget per API: REST is `core`, GraphQL is `graphql`. */
export type RateLimitResource = 'core' | 'graphql';

export interface RateLimitSetting {
  limit: number;
  remaining: number;
  resetEpochSeconds: number;
  /** status sent once exhausted: GitHub answers 403 or 429 (default 403); GraphQL always answers 200 with a RATE_LIMITED error */
  status?: 403 | 429;
}

export interface Budget {
  limit: number;
  remaining: number;
  reset: number;
}

export type Api = 'rest' | 'graphql';

interface RepositoryFailure extends CountedFault {
  status: number;
  api: Api | undefined;
}

interface SecondaryLimit extends CountedFault {
  retryAfter: number;
  status: 403 | 429;
}

export class GitHubFaults {
  /** status of an exhausted REST budget */
  exhaustedStatus: 403 | 429 = 403;
  readonly latency: Record<Api, number>;
  private readonly budgets: Record<RateLimitResource, Budget> = {
    core: { limit: 5000, remaining: 5000, reset: nowSeconds() + 3600 },
    graphql: { limit: 5000, remaining: 5000, reset: nowSeconds() + 3600 },
  };
  private readonly failures = new Map<string, RepositoryFailure>();
  private secondary: SecondaryLimit | undefined;
  private inFlight = 0;
  private peakInFlight = 0;

  constructor(latencyMs: number) {
    this.latency = { rest: latencyMs, graphql: latencyMs };
  }

  /** The budget, refilled when its window has passed. */
  budget(resource: RateLimitResource): Budget {
    const budget = this.budgets[resource];
    if (nowSeconds() >= budget.reset) {
      budget.remaining = budget.limit;
      budget.reset = nowSeconds() + 3600;
    }
    return budget;
  }

  view(resource: RateLimitResource): { limit: number; remaining: number; used: number; reset: number } {
    const budget = this.budget(resource);
    return { limit: budget.limit, remaining: budget.remaining, used: budget.limit - budget.remaining, reset: budget.reset };
  }

  rateHeaders(resource: RateLimitResource): Record<string, string> {
    const budget = this.budget(resource);
    return {
      'x-ratelimit-limit': String(budget.limit),
      'x-ratelimit-remaining': String(budget.remaining),
      'x-ratelimit-used': String(budget.limit - budget.remaining),
      'x-ratelimit-reset': String(budget.reset),
      'x-ratelimit-resource': resource,
    };
  }

  setRateLimit(setting: RateLimitSetting, resource: RateLimitResource): void {
    const budget = this.budgets[resource];
    budget.limit = setting.limit;
    budget.remaining = setting.remaining;
    budget.reset = setting.resetEpochSeconds;
    if (resource === 'core') this.exhaustedStatus = setting.status ?? 403;
  }

  failRepository(fullName: string, status: number, times: number | undefined, api: Api | undefined): void {
    this.failures.set(lowerKey(fullName), { status, remaining: times ?? -1, api });
  }

  /** The status a REST request to the repository fails with, if a failure is armed for it. */
  restFailure(fullName: string): number | undefined {
    const failure = this.failures.get(lowerKey(fullName));
    return failure?.api !== 'graphql' && fires(failure) ? failure?.status : undefined;
  }

  /** A repository fault as GraphQL sees it, decided (and counted) once per request and repository. */
  graphqlFaults(): RepositoryFault {
    const decided = new Map<string, ReturnType<RepositoryFault>>();
    return (fullName) => {
      const key = lowerKey(fullName);
      if (decided.has(key)) return decided.get(key);
      const failure = this.failures.get(key);
      let outcome: ReturnType<RepositoryFault>;
      if (failure && failure.api !== 'rest' && fires(failure)) outcome = failure.status === 404 ? 'not-found' : { status: failure.status };
      decided.set(key, outcome);
      return outcome;
    };
  }

  secondaryLimitNext(times: number, retryAfter: number, status: 403 | 429): void {
    this.secondary = { remaining: times, retryAfter, status };
  }

  /** The secondary limit answer for this request, if one is armed. */
  secondaryLimit(): { status: 403 | 429; retryAfter: number } | undefined {
    return fires(this.secondary) ? this.secondary : undefined;
  }

  requestStarted(): () => void {
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    return () => {
      this.inFlight -= 1;
    };
  }

  maxInFlight(): number {
    return this.peakInFlight;
  }

  resetMaxInFlight(): void {
    this.peakInFlight = this.inFlight;
  }
}
