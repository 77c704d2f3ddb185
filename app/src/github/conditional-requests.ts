// Conditional GET for every Octokit request: remember each response's ETag and send it back as
// If-None-Match. GitHub answers 304 for an unchanged resource and does not count it against the
// rate limit; the hook then hands Octokit the remembered response, so paginate and callers cannot
// tell the difference (pagination keeps following the remembered Link header). The remembered
// body is the parsed data itself, not JSON text: a 304 costs no parse and no deep copy. Its items
// are shared between cycles, so callers treat response data as read-only (the source does).
// A caller that reads a few fields of a list's items calls through `compacting(method, cut)`: each
// item is cut down to them on arrival, so 200 and 304 answers carry the same small items and the cache
// holds only those (a listed PR is ~3 KB of JSON, of which the source reads ~10 fields). Of the
// headers only those describing the body are remembered; the rest come fresh with the 304.
import type { Octokit } from '@octokit/core';

/** What the hook needs of an Octokit: plugins are handed the core one, before the REST methods. */
type OctokitCore = Pick<Octokit, 'hook' | 'request'>;

interface CachedResponse {
  etag: string;
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  /** the parsed body; its top level is copied on the way in and out (paginate rewrites it in place) */
  data: unknown;
  /** the function the body's items were cut down with; another caller's entry is not reused */
  compactItems?: CompactItems | undefined;
}

/** Cuts one item of a list answer down to the fields its caller reads. */
export type CompactItems = (item: never) => unknown;

/** Octokit's request options with the one this plugin reads, and Octokit's own for the raw body. */
interface CompactRequestOptions {
  compactItems?: CompactItems;
  parseSuccessResponseBody?: boolean;
}

/**
 * An Octokit REST method whose list answers come with each item cut down by `compactItems` (every
 * page: paginate calls the method itself with each page's URL). The options travel with each call,
 * not as the method's defaults: a hook that makes requests of its own from the request function it
 * is handed (the GitHub App's token request in @octokit/auth-app) would otherwise inherit them and
 * get an unparsed body. The caller's own type describes the items it cut.
 */
export function compacting<M extends Pick<Octokit['request'], 'endpoint'>>(method: M, compactItems: CompactItems): M {
  // The body comes unparsed (Octokit's documented option) and is parsed here with the native
  // JSON.parse: Octokit's own parser (json-with-bigint, a reviver on every value) took ~40% of a
  // cold read's CPU, and the fields a cut keeps hold no integers beyond 2^53.
  const extra: CompactRequestOptions = { compactItems, parseSuccessResponseBody: false };
  const call = method as unknown as (parameters?: Record<string, unknown>) => Promise<unknown>;
  const compacted = (parameters: Record<string, unknown> = {}) =>
    call({ ...parameters, request: { ...(parameters.request as Record<string, unknown> | undefined), ...extra } });
  return Object.assign(compacted, { endpoint: method.endpoint }) as unknown as M;
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
 * An Octokit plugin. Listed before the throttling plugin it runs inside it: a 304 reaches it as
 * the remembered response, not as an error to inspect (and a retried request is conditional again).
 */
export function conditionalRequests(cache: ETagCache): (octokit: OctokitCore) => void {
  return (octokit) => installConditionalRequests(octokit, cache);
}

export function installConditionalRequests(octokit: OctokitCore, cache: ETagCache): void {
  octokit.hook.wrap('request', async (request, options) => {
    if (options.method !== 'GET') return request(options);
    const key = requestKey(options as unknown as MergedRequestOptions);
    const compactItems = (options.request as CompactRequestOptions | undefined)?.compactItems;
    const remembered = cache.get(key);
    const cached = remembered?.compactItems === compactItems ? remembered : undefined;
    // In place: before-after-hook binds every inner hook to this same options object, so a copy
    // would never reach the wire.
    if (cached) options.headers['if-none-match'] = cached.etag;
    try {
      const answered = await request(options);
      const response = compactItems ? { ...answered, data: compactList(await parsedBody(answered.data, answered.url), compactItems) } : answered;
      const etag = response.headers.etag;
      if (etag) {
        cache.set(key, {
          etag,
          status: response.status,
          url: response.url,
          headers: pickRepresentation(response.headers),
          data: shallowCopy(response.data),
          compactItems,
        });
      }
      return response as typeof answered;
    } catch (error) {
      if (cached && isNotModified(error)) {
        cache.hits += 1;
        const fresh = error.response?.headers ?? {};
        // Keep the remembered body and Link header; take the rest (the rate-limit view...) from the 304.
        return {
          status: cached.status,
          url: cached.url,
          headers: { ...fresh, ...cached.headers },
          data: shallowCopy(cached.data),
        } as Awaited<ReturnType<typeof request>>;
      }
      throw error;
    }
  });
}

/** Octokit's merged options as a request hook gets them: the route, its parameters and what is not a parameter. */
export interface MergedRequestOptions {
  method: string;
  baseUrl?: string;
  url: string;
  headers: Record<string, unknown>;
  mediaType?: { format?: string; previews?: readonly string[] };
  [parameter: string]: unknown;
}

/** What of the merged options is not a URL parameter (as @octokit/endpoint omits them). */
const NOT_PARAMETERS = new Set(['method', 'baseUrl', 'url', 'headers', 'request', 'mediaType']);

/**
 * The cache key of a request: its route (a template or, for later pages, the URL a Link header
 * gave), every parameter, and what decides the representation (accept, media type). The same
 * request gives the same key cycle after cycle; two requests for different URLs never share one.
 * Built from the options as they are, not from a parse of them (Octokit parses once more to send
 * the request: doing it twice was ~5% of a warm cycle's CPU and garbage).
 */
export function requestKey(options: MergedRequestOptions): string {
  const parameters: [string, unknown][] = [];
  for (const name of Object.keys(options).sort()) if (!NOT_PARAMETERS.has(name)) parameters.push([name, options[name]]);
  const media = options.mediaType ?? {};
  return JSON.stringify([options.baseUrl ?? '', options.url, options.headers.accept ?? '', media.format ?? '', media.previews ?? [], parameters]);
}

/** The JSON of a body Octokit left unparsed (`parseSuccessResponseBody: false`): a stream of bytes. */
async function parsedBody(body: unknown, url: string): Promise<unknown> {
  if (body === null || body === undefined) return undefined;
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  text += decoder.decode();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`GitHub answered ${url} with a body that is not JSON: ${text.slice(0, 80)}`, { cause: error });
  }
}

function compactList(data: unknown, compactItems: CompactItems): unknown {
  return Array.isArray(data) ? data.map(compactItems as (item: unknown) => unknown) : data;
}

/** A new top-level array or object over the same items. */
function shallowCopy(data: unknown): unknown {
  if (Array.isArray(data)) return data.slice();
  if (typeof data === 'object' && data !== null) return { ...data };
  return data;
}

/** The headers that describe the remembered body (a 304 need not repeat them). */
const REPRESENTATION_HEADERS = ['etag', 'link', 'content-type', 'last-modified'];

function pickRepresentation(headers: Record<string, string | number | undefined>): Record<string, string | number | undefined> {
  return Object.fromEntries(REPRESENTATION_HEADERS.filter((name) => headers[name] !== undefined).map((name) => [name, headers[name]]));
}

/** Octokit's RequestError for a 304 (status, response.headers). */
function isNotModified(error: unknown): error is { status: 304; response?: { headers: Record<string, string | number | undefined> } } {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 304;
}
