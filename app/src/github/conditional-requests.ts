// Conditional GET for every Octokit request: remember each response's ETag and send it back as
// If-None-Match. GitHub answers 304 for an unchanged resource and does not count it against the
// rate limit; the hook then hands Octokit the remembered response, so paginate and callers cannot
// tell the difference (pagination keeps following the remembered Link header). The remembered
// body is the parsed data itself, not JSON text: a 304 costs no parse and no deep copy. Its items
// are shared between cycles, so callers treat response data as read-only (the source does).
import type { Octokit } from '@octokit/rest';

/** What the hook needs of an Octokit: plugins are handed the core one, before the REST methods. */
type OctokitCore = Pick<Octokit, 'hook' | 'request'>;

interface CachedResponse {
  etag: string;
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  /** the parsed body; its top level is copied on the way in and out (paginate rewrites it in place) */
  data: unknown;
}

/** A bounded map of URL -> last 200 response; least recently used entries go first. */
export class ETagCache {
  private readonly entries = new Map<string, CachedResponse>();
  hits = 0;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: CachedResponse): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}

/**
 * An Octokit plugin. Listed before the throttling and retry plugins it runs inside them: a 304
 * reaches them as the remembered response, not as an error to inspect (and a retried request is
 * conditional again).
 */
export function conditionalRequests(cache: ETagCache): (octokit: OctokitCore) => void {
  return (octokit) => installConditionalRequests(octokit, cache);
}

export function installConditionalRequests(octokit: OctokitCore, cache: ETagCache): void {
  octokit.hook.wrap('request', async (request, options) => {
    if (options.method !== 'GET') return request(options);
    // The options are merged already: parse is enough to name the URL.
    const endpoint = octokit.request.endpoint.parse(options);
    const key = `${endpoint.url} ${String(endpoint.headers.accept ?? '')}`;
    const cached = cache.get(key);
    // In place: before-after-hook binds every inner hook to this same options object, so a copy
    // would never reach the wire.
    if (cached) options.headers['if-none-match'] = cached.etag;
    try {
      const response = await request(options);
      const etag = response.headers.etag;
      if (etag) {
        cache.set(key, {
          etag,
          status: response.status,
          url: response.url,
          headers: { ...response.headers },
          data: shallowCopy(response.data),
        });
      }
      return response;
    } catch (error) {
      if (cached && isNotModified(error)) {
        cache.hits += 1;
        const fresh = error.response?.headers ?? {};
        // Keep the remembered body and Link header; take the fresh rate-limit view of the 304.
        return {
          status: cached.status,
          url: cached.url,
          headers: { ...cached.headers, ...pickRateLimit(fresh) },
          data: shallowCopy(cached.data),
        } as Awaited<ReturnType<typeof request>>;
      }
      throw error;
    }
  });
}

/** A new top-level array or object over the same items. */
function shallowCopy(data: unknown): unknown {
  if (Array.isArray(data)) return data.slice();
  if (typeof data === 'object' && data !== null) return { ...data };
  return data;
}

function pickRateLimit(headers: Record<string, string | number | undefined>): Record<string, string | number | undefined> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-ratelimit-')));
}

/** Octokit's RequestError for a 304 (status, response.headers). */
function isNotModified(error: unknown): error is { status: 304; response?: { headers: Record<string, string | number | undefined> } } {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 304;
}
