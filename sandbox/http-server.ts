// The plain or TLS listener both fakes run on (ephemeral port by default, closes every open
// connection), and the pieces of HTTP both fakes share: reading a header or the body, replying JSON,
// and counting down an injected fault.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  /** PEM certificate and key (contents, not paths); without them the fake speaks plain HTTP. */
  tls?: { cert: string; key: string };
  port?: number;
  host?: string;
}

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. "https://127.0.0.1:41234". */
  url: string;
  close(): Promise<void>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export async function listen(handler: RequestHandler, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handler(req, res).catch((error: unknown) => {
      // A bug in a fake must be loud: answer 500 with the reason so the test failing shows it.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake failed: ${message}`);
    });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(onRequest);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One value of a request header; repeated headers joined as HTTP allows. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The credential of the Authorization header when its scheme is one of `schemes` (any case). */
export function presentedCredential(req: IncomingMessage, schemes: readonly string[]): string | undefined {
  const match = /^(\S+)\s+(.+)$/.exec(headerValue(req, 'authorization') ?? '');
  return match?.[1] && schemes.includes(match[1].toLowerCase()) ? match[2] : undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** A JSON reply already encoded (the GitHub fake hashes the text for its ETag first). */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** An injected fault that fires `remaining` more times (-1: until replaced). */
export interface CountedFault {
  remaining: number;
}

/** True when the fault fires for this request, which uses up one of its times. */
export function fires(fault: CountedFault | undefined): boolean {
  if (!fault || fault.remaining === 0) return false;
  if (fault.remaining > 0) fault.remaining -= 1;
  return true;
}
