// Creates the one fastify server (HTTPS with the configured cert and key, plain HTTP only
// when asked) and listens. Shutdown is driven by the caller (cli/serve.ts): closing the server
// runs each part's onClose.
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { httpApp, type HttpAppOptions } from './app.ts';

export interface StartServerOptions {
  config: Config;
  logger: Logger;
  app: HttpAppOptions;
  /** overrides server.port (tests pass 0 for an ephemeral port) */
  port?: number;
}

export interface RunningServer {
  server: FastifyInstance;
  url: string;
  port: number;
}

export function buildServer(options: Omit<StartServerOptions, 'port'>): FastifyInstance {
  const { config, logger } = options;
  const tls = config.server.tls;
  const common = {
    loggerInstance: logger,
    // behind HAProxy: the client address comes from X-Forwarded-For
    trustProxy: true,
    // HAProxy's per-request id (haproxy.cfg.j2), so the app's line and HAProxy's line correlate.
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: 'idle' as const,
    // app.ts logs one ECS line per request instead (fastify's own lines lose the request here).
    logController: new LogController({ disableRequestLogging: true }),
  };
  // One FastifyInstance type for both: the routes do not care which transport carries them.
  const server = (tls
    ? Fastify({ ...common, https: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } })
    : Fastify(common)) as unknown as FastifyInstance;
  void server.register(httpApp, options.app);
  return server;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const server = buildServer(options);
  const port = options.port ?? options.config.server.port;
  try {
    await server.listen({ host: options.config.server.host, port });
  } catch (error) {
    // e.g. the port is taken: the plugins' onClose hooks release what was opened, so the process can exit
    await server.close();
    throw error;
  }
  const address = server.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const scheme = options.config.server.tls ? 'https' : 'http';
  const host = options.config.server.host.includes(':') ? `[${options.config.server.host}]` : options.config.server.host;
  return { server, url: `${scheme}://${host}:${actualPort}`, port: actualPort };
}
