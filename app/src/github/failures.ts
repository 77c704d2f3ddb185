// Error description for GitHub requests: one short reason per failure, for the digest and the
// logs, never carrying the token.
import { createScrubber } from '../redaction.ts';
import { GitHubTimeoutError } from './http.ts';
import { describeGraphQLError } from './review-batches.ts';

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

type HttpFailure = Error & { status: number; request?: { url?: string }; response?: { data?: unknown; headers?: Record<string, string> } };

/** auth-app's token request: a refusal there is about the App's credentials, not a repository. */
const TOKEN_REQUEST = /\/app\/installations\/(\d+)\/access_tokens$/;

/** `HTTP 404: Not Found (hint)`, with the rate-limit reset when the limit was hit. */
function describeHttpFailure(error: HttpFailure, credentials: string): string {
  const { status, response } = error;
  const data = response?.data;
  const message =
    data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string' ? (data as { message: string }).message : error.message;
  let reason = `HTTP ${status}: ${message}`;
  const installation = TOKEN_REQUEST.exec(error.request?.url ?? '')?.[1];
  if (installation !== undefined && (status === 401 || status === 403 || status === 404)) {
    return `${reason} (the GitHub App got no token for installation ${installation}: check githubApp in secrets.yml and that the app is installed)`;
  }
  if (status === 401) reason += ` (check ${credentials} in secrets.yml)`;
  if (status === 404) reason += ' (does the repository exist, and may the token read it?)';
  if ((status === 403 || status === 429) && response?.headers?.['x-ratelimit-remaining'] === '0') {
    const reset = Number(response.headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) reason += ` (rate limit resets at ${new Date(reset * 1000).toISOString()})`;
  }
  return reason;
}

type GraphQLRateLimit = Error & { data: { errors: { type?: string; message?: string }[] }; response?: { headers?: Record<string, string> } };

/** The throttling plugin's "GraphQL Rate Limit Exceeded": HTTP 200 with a RATE_LIMITED error. */
function describeGraphQLFailure(error: GraphQLRateLimit): string {
  const first = error.data.errors[0];
  let reason = describeGraphQLError({ ...first, message: first?.message ?? error.message });
  const reset = Number(error.response?.headers?.['x-ratelimit-reset']);
  if (first?.type === 'RATE_LIMITED' && Number.isFinite(reset) && reset > 0) reason += ` (rate limit resets at ${new Date(reset * 1000).toISOString()})`;
  return reason;
}

function describeUnscrubbed(error: unknown, credentials: string): string {
  const status = statusOf(error);
  if (error instanceof GitHubTimeoutError) return error.message;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof GitHubTimeoutError) return cause.message;
  // Octokit reports a request that never got an answer (TLS, DNS, refused) as a bare 500.
  if (status !== undefined && (error as { response?: unknown }).response === undefined) return `network error: ${(error as Error).message}`;
  if (status !== undefined) return describeHttpFailure(error as HttpFailure, credentials);
  if (Array.isArray((error as { data?: { errors?: unknown } } | null)?.data?.errors)) return describeGraphQLFailure(error as GraphQLRateLimit);
  if (error instanceof Error) {
    const withCause = (error as { cause?: { code?: string; message?: string } }).cause;
    return withCause?.code ? `${error.message} (${withCause.code})` : withCause?.message ? `${error.message}: ${withCause.message}` : error.message;
  }
  return String(error);
}

/**
 * Describes failures of requests made with `secret` (the token or the App's key): short reasons
 * that never carry it; a 401 names `credentials`, the secrets.yml key to check.
 */
export function failureDescriber(secret: string, credentials = 'githubToken'): { describe: (error: unknown) => string; scrub: (text: string) => string } {
  const scrub = createScrubber([secret]);
  return { describe: (error) => scrub(describeUnscrubbed(error, credentials)).slice(0, 300), scrub };
}
