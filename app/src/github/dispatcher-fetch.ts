// The fetch Octokit is given (its documented `request: { fetch }` option), over undici's Dispatcher
// API (`dispatcher.request`) instead of undici's WHATWG fetch: no Request, Response, Headers or web
// streams per request, which were a quarter of a warm cycle's CPU and much of its garbage per 304.
// The response offers what @octokit/request's fetch wrapper reads (status, statusText, url, headers
// by `get` and by iteration, text/arrayBuffer/json, and the body as chunks when it is left
// unparsed), and keeps what fetch did for GitHub: redirects followed (the Authorization header
// dropped across origins by undici's redirect handler), gzip/deflate/br asked for and decoded, no
// body for a 304/204/205 or a HEAD.
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { arrayBuffer, text } from 'node:stream/consumers';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';

/** What Octokit passes to fetch (@octokit/request's fetch-wrapper.js). */
export interface DispatcherFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | null;
  signal?: AbortSignal | null;
  redirect?: 'follow' | 'manual' | 'error';
}

/** fetch's limit of redirects followed for one request. */
const MAX_REDIRECTS = 20;
const ACCEPT_ENCODING = 'gzip, deflate, br';
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** A response's headers as fetch's Headers gives them to a reader: lower-case names, repeated values joined. */
export class ResponseHeaders implements Iterable<[string, string]> {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this) callback(value, name);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    // An array's iterator, not a generator: Octokit walks every response's headers, 304s included.
    const entries: [string, string][] = [];
    for (const name in this.raw) {
      const value = this.get(name);
      if (value !== null) entries.push([name, value]);
    }
    return entries[Symbol.iterator]();
  }
}

/** The part of fetch's Response that Octokit reads; `body` is null where fetch's would be. */
export class DispatcherResponse {
  readonly statusText: string;
  readonly redirected = false;

  constructor(
    readonly status: number,
    readonly url: string,
    readonly headers: ResponseHeaders,
    readonly body: Readable | null,
  ) {
    this.statusText = STATUS_CODES[status] ?? '';
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): Promise<string> {
    return this.body === null ? Promise.resolve('') : text(this.body);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.body === null ? Promise.resolve(new ArrayBuffer(0)) : arrayBuffer(this.body);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
}

/** `https://host:port/path?query` as the Dispatcher API takes it, without a URL object per request. */
function originAndPath(url: string): { origin: string; path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash === -1 ? { origin: url, path: '/' } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

/** Statuses and methods whose answer has no body (fetch's null body). */
function bodiless(status: number, method: string): boolean {
  return method === 'HEAD' || status === 204 || status === 205 || status === 304 || status < 200;
}

/** The body as the reader gets it: decoded when GitHub compressed it, errors (a timeout) carried through. */
function decodedBody(body: Readable, encoding: string | string[] | undefined): Readable {
  const decoder = typeof encoding === 'string' ? DECODERS[encoding.trim().toLowerCase()] : undefined;
  if (decoder === undefined) return body;
  // pipeline destroys the other stream when one fails: the reader sees the error of either.
  return pipeline(body, decoder(), () => undefined) as unknown as Readable;
}

export function dispatcherFetch(dispatcher: Dispatcher): (url: string, init?: DispatcherFetchInit) => Promise<DispatcherResponse> {
  return async (url, init = {}) => {
    const method = init.method ?? 'GET';
    const redirect = init.redirect ?? 'follow';
    const answer = await dispatcher.request({
      ...originAndPath(url),
      method: method as Dispatcher.HttpMethod,
      headers: { 'accept-encoding': ACCEPT_ENCODING, ...init.headers },
      body: init.body ?? null,
      signal: init.signal ?? null,
      maxRedirections: redirect === 'follow' ? MAX_REDIRECTS : 0,
    });
    const { statusCode, headers } = answer;
    if (bodiless(statusCode, method)) {
      // HTTP gives these no body: the connection is free once the headers are read, and the empty
      // stream undici made is left to the collector (reading it to its end is a few ticks per 304).
      return new DispatcherResponse(statusCode, url, new ResponseHeaders(headers), null);
    }
    if (redirect === 'error' && statusCode >= 300 && statusCode < 400 && headers.location !== undefined) {
      await answer.body.dump();
      throw new TypeError(`${method} ${url}: redirected to ${String(headers.location)} while redirect is "error"`);
    }
    return new DispatcherResponse(statusCode, url, new ResponseHeaders(headers), decodedBody(answer.body, headers['content-encoding']));
  };
}
