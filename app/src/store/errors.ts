// How the Elasticsearch adapter reports trouble: "unavailable" (the cluster could not be
// asked; callers fall back) versus everything else (our bug or a bad mapping: thrown on).
import { errors } from '@elastic/elasticsearch';

export class StoreUnavailableError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`Elasticsearch unavailable during ${operation}: ${(cause as Error).message ?? String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** Network failures, timeouts (a request's own, or its deadline across nodes) and 5xx/429 answers: the cluster may come back. */
export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError
  )
    return true;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    return status === 429 || status >= 500 || status === 0;
  }
  return false;
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

/** How many times the client retried the request on another node before this answer (0 without a retry). */
export function clientAttempts(error: unknown): number {
  return error instanceof errors.ResponseError ? (error.meta.meta.attempts ?? 0) : 0;
}

/** Runs one request; unavailability becomes StoreUnavailableError, anything else is rethrown. */
export async function guarded<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (isUnavailable(error)) throw new StoreUnavailableError(operation, error);
    throw error;
  }
}
