// The app as one fastify plugin: health, readiness, metrics, and the parts `serve` wires in
// (Slack, the GitHub webhook, the schedules). server.ts only listens and shuts down.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppMetrics } from '../metrics.ts';

export interface ReadinessCheck {
  name: string;
  /** resolves when the dependency is usable; rejects with the reason otherwise */
  check: () => Promise<void>;
}

export interface HttpAppOptions {
  metrics: AppMetrics;
  /** basic auth for GET /metrics when set */
  metricsAuth?: { username: string; password: string };
  readiness: ReadinessCheck[];
  /** how long a readiness answer is reused, so frequent probes do not hammer GitHub and Slack */
  readyCacheMs?: number;
  /**
   * The app's parts, registered in this order inside this scope (so the error handler and the
   * request log cover their routes). On close their onClose hooks run last-registered first.
   */
  plugins?: FastifyPluginAsync[];
  /** cleans text that leaves the process (error reasons in /ready) */
  scrub?: (text: string) => string;
}

interface ReadyAnswer {
  ready: boolean;
  checks: Record<string, string>;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function basicAuthMatches(request: FastifyRequest, auth: { username: string; password: string }): boolean {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Evaluate both so the time taken does not tell which one was wrong.
  const user = sameSecret(decoded.slice(0, colon), auth.username);
  const password = sameSecret(decoded.slice(colon + 1), auth.password);
  return user && password;
}

export const httpApp: FastifyPluginAsync<HttpAppOptions> = async (fastify: FastifyInstance, options: HttpAppOptions) => {
  const scrub = options.scrub ?? ((text: string) => text);

  fastify.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error, request: { method: request.method, url: request.url } }, 'request failed');
      return reply.code(status).send({ error: 'internal_error', message: 'Internal server error' });
    }
    return reply.code(status).send({ error: 'bad_request', message: scrub(error.message) });
  });

  // One ECS line per request; probes and scrapes only at debug so they do not flood the log.
  const quiet = new Set(['/health', '/ready', '/metrics']);
  fastify.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const fields = {
      http: { request: { method: request.method, id: request.id }, response: { status_code: reply.statusCode } },
      url: { path },
      client: { address: request.ip },
      event: { duration: Math.round(reply.elapsedTime * 1e6) },
    };
    if (quiet.has(path) && reply.statusCode < 500) request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  });

  fastify.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );

  fastify.get('/health', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  let cached: { at: number; answer: Promise<ReadyAnswer> } | undefined;
  const evaluate = async (): Promise<ReadyAnswer> => {
    const checks: Record<string, string> = { config: 'ok' };
    const results = await Promise.allSettled(options.readiness.map((c) => c.check()));
    let ready = true;
    results.forEach((result, index) => {
      const name = options.readiness[index]?.name ?? `check-${index}`;
      if (result.status === 'fulfilled') checks[name] = 'ok';
      else {
        ready = false;
        const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
        checks[name] = scrub(reason);
      }
    });
    return { ready, checks };
  };
  fastify.get('/ready', { logLevel: 'warn' }, async (_request, reply: FastifyReply) => {
    const now = Date.now();
    if (!cached || now - cached.at > (options.readyCacheMs ?? 5_000)) cached = { at: now, answer: evaluate() };
    const answer = await cached.answer;
    return reply.code(answer.ready ? 200 : 503).send({ status: answer.ready ? 'ready' : 'not_ready', checks: answer.checks });
  });

  fastify.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    if (options.metricsAuth && !basicAuthMatches(request, options.metricsAuth)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="chatops metrics", charset="UTF-8"')
        .send({ error: 'unauthorized', message: 'GET /metrics needs the basic-auth credentials from secrets.yml "metrics"' });
    }
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });

  for (const plugin of options.plugins ?? []) await fastify.register(plugin);
};
