// The GitHub HTTP client against a real HTTP server: what Octokit's fetch wrapper reads of a
// response over undici's Dispatcher API (headers, bodies, gzip, redirects, 304s), the timeout over
// headers and body, and the retries of 5xx (never 4xx), each try counted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Octokit } from '@octokit/rest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubHttp, GitHubTimeoutError, type GitHubHttp } from '../../app/src/github/http.ts';
import { createMetrics, type AppMetrics } from '../../app/src/metrics.ts';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const octokitOver = (http: GitHubHttp): Octokit => new Octokit({ baseUrl: base, request: { fetch: http.fetch }, log: quiet });
let base: string;

type Route = (request: IncomingMessage, response: ServerResponse) => void;

describe('GitHub HTTP client', () => {
  let server: Server;
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const seen: IncomingMessage[] = [];
  const clients: GitHubHttp[] = [];
  let metrics: AppMetrics;

  const client = (overrides: { requestTimeoutMs?: number; retries?: number } = {}): GitHubHttp => {
    metrics = createMetrics({ defaultMetrics: false });
    const http = createGitHubHttp({ requestTimeoutMs: 2_000, metrics, connections: 4, retries: 2, retryBaseDelayMs: 10, ...overrides });
    clients.push(http);
    return http;
  };
  const counted = async (status: string): Promise<number> =>
    (await metrics.githubRequests.get()).values.find((v) => v.labels.status === status && v.labels.api === 'rest')?.value ?? 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      seen.push(request);
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const route = routes.get(path);
      if (route) route(request, response);
      else response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    routes.set('/json', (_q, r) => r.writeHead(200, { 'content-type': 'application/json', etag: '"e1"', 'x-ratelimit-remaining': '4999' }).end('{"ok":true}'));
    routes.set('/gzip', (q, r) => {
      const gzip = /gzip/.test(String(q.headers['accept-encoding']));
      r.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      r.end(gzip ? gzipSync('{"packed":true}') : '{"packed":false}');
    });
    routes.set('/moved', (_q, r) => r.writeHead(301, { location: '/json' }).end());
    routes.set('/unchanged', (_q, r) => r.writeHead(304, { etag: '"e1"', 'x-ratelimit-remaining': '4998' }).end());
    routes.set('/broken', (_q, r) => r.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Server Error"}'));
    routes.set('/conflict', (_q, r) => r.writeHead(409, { 'content-type': 'application/json' }).end('{"message":"Conflict"}'));
    let graphqlCalls = 0;
    routes.set('/graphql', (q, r) => {
      let query = '';
      q.on('data', (chunk: Buffer) => (query += chunk.toString()));
      q.on('end', () => {
        graphqlCalls += 1;
        r.writeHead(200, { 'content-type': 'application/json' });
        if (query.includes('title')) r.end('{"data":{"title":"Something went wrong while executing your query"}}');
        else if (graphqlCalls === 1)
          r.end('{"data":null,"errors":[{"message":"Something went wrong while executing your query. Please include `AB12` when reporting this issue."}]}');
        else r.end('{"data":{"viewer":{"login":"chatops-bot"}}}');
      });
    });
    routes.set('/stall-headers', () => undefined);
    routes.set('/stall-body', (_q, r) => {
      r.writeHead(200, { 'content-type': 'application/json' });
      r.write('{"partial":');
    });
  });
  afterEach(async () => {
    hits.clear();
    seen.length = 0;
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives Octokit the status, headers and parsed body of a 200, and the rate limit to the metrics', async () => {
    const octokit = octokitOver(client());
    const answer = await octokit.request('GET /json');
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ ok: true });
    expect(answer.headers.etag).toBe('"e1"');
    expect(answer.url).toBe(`${base}/json`);
    expect(await counted('200')).toBe(1);
    expect((await metrics.githubRateLimitRemaining.get()).values).toEqual([{ labels: { resource: 'core' }, value: 4999 }]);
  });

  it('asks for gzip and decodes it', async () => {
    const octokit = octokitOver(client());
    expect((await octokit.request('GET /gzip')).data).toEqual({ packed: true });
  });

  it('follows a redirect as fetch did', async () => {
    const octokit = octokitOver(client());
    expect((await octokit.request('GET /moved')).data).toEqual({ ok: true });
    expect(hits.get('/moved')).toBe(1);
    expect(hits.get('/json')).toBe(1);
  });

  it('answers a 304 with no body, its headers readable by name and in order', async () => {
    const response = (await client().fetch(`${base}/unchanged`, { headers: { 'if-none-match': '"e1"' } })) as unknown as {
      status: number;
      body: unknown;
      headers: Iterable<[string, string]> & { get(name: string): string | null };
    };
    expect(response.status).toBe(304);
    expect(response.body).toBeNull();
    expect(response.headers.get('ETag')).toBe('"e1"');
    expect(Object.fromEntries(response.headers)).toMatchObject({ etag: '"e1"', 'x-ratelimit-remaining': '4998' });
    expect(seen[0]?.headers['if-none-match']).toBe('"e1"');
  });

  it('retries a 5xx twice, then hands Octokit the last answer', async () => {
    const octokit = octokitOver(client());
    await expect(octokit.request('GET /broken')).rejects.toMatchObject({ status: 502, message: 'Server Error' });
    expect(hits.get('/broken')).toBe(3);
    expect(await counted('502')).toBe(3);
  });

  it('never retries a 4xx the retry plugin did not (404), and retries one it did (409)', async () => {
    const octokit = octokitOver(client());
    await expect(octokit.request('GET /nowhere')).rejects.toMatchObject({ status: 404 });
    expect(hits.get('/nowhere')).toBe(1);
    await expect(octokit.request('GET /conflict')).rejects.toMatchObject({ status: 409 });
    expect(hits.get('/conflict')).toBe(3);
  });

  it('retries GraphQL\'s transient "Something went wrong" answered with 200, but not a title that says it', async () => {
    const octokit = octokitOver(client());
    const answer = await octokit.graphql<{ viewer: { login: string } }>('query { viewer { login } }');
    expect(answer.viewer.login).toBe('chatops-bot');
    expect(hits.get('/graphql')).toBe(2);
    const titled = await octokit.graphql<{ title: string }>('query { title }');
    expect(titled.title).toMatch(/Something went wrong/);
    expect(hits.get('/graphql')).toBe(3);
  });

  it('fails with the timeout when no headers come in time, after retrying', async () => {
    const http = client({ requestTimeoutMs: 150, retries: 1 });
    await expect(http.fetch(`${base}/stall-headers`)).rejects.toBeInstanceOf(GitHubTimeoutError);
    expect(hits.get('/stall-headers')).toBe(2);
    expect(await counted('error')).toBe(2);
  });

  it('fails the body with the timeout when it stops coming', async () => {
    const response = await client({ requestTimeoutMs: 150, retries: 0 }).fetch(`${base}/stall-body`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toBeInstanceOf(GitHubTimeoutError);
  });
});
