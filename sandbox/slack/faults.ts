// The Slack fake's injected faults: a method answering 429 with Retry-After, or an error, for its
// next calls.
import { fires, type CountedFault } from '../http-server.ts';

interface RateLimitFault extends CountedFault {
  retryAfter: number;
}

interface ErrorFault extends CountedFault {
  error: string;
}

export class SlackFaults {
  private readonly rateLimits = new Map<string, RateLimitFault>();
  private readonly failures = new Map<string, ErrorFault>();

  rateLimitNext(method: string, retryAfterSeconds: number, times: number): void {
    this.rateLimits.set(method, { retryAfter: retryAfterSeconds, remaining: times });
  }

  failNext(method: string, error: string, times: number): void {
    this.failures.set(method, { error, remaining: times });
  }

  /** Seconds to send in Retry-After when this call is rate limited. */
  rateLimited(method: string): number | undefined {
    const fault = this.rateLimits.get(method);
    return fires(fault) ? fault?.retryAfter : undefined;
  }

  /** The error this call answers with, if one is armed. */
  failure(method: string): string | undefined {
    const fault = this.failures.get(method);
    return fires(fault) ? fault?.error : undefined;
  }
}
