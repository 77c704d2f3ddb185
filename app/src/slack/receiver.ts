// A Bolt receiver that lives on the app's one fastify server (after bolt-js's
// examples/custom-receiver). Signatures are checked on the raw body; bad or stale → 401.
import {
  ReceiverMultipleAckError,
  verifySlackRequest,
  type App,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

export interface FastifyReceiverOptions {
  signingSecret: string;
  logger: Logger;
  path?: string;
  /** Slack retries after 3 s; answer by then even if no listener acked. */
  unhandledRequestTimeoutMs?: number;
  now?: () => number;
}

interface AckResult {
  status: number;
  body: string | Record<string, unknown>;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Slack sends commands and interactivity form-encoded, events as JSON. */
export function parseSlackBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    if (payload !== null) return JSON.parse(payload) as Record<string, unknown>;
    return Object.fromEntries(form.entries());
  }
  return JSON.parse(raw) as Record<string, unknown>;
}

export class FastifyReceiver implements Receiver {
  private app?: App;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly logger: Logger;
  readonly path: string;

  constructor(private readonly options: FastifyReceiverOptions) {
    this.logger = options.logger.child({ component: 'slack-receiver' });
    this.path = options.path ?? '/slack/events';
  }

  init(app: App): void {
    this.app = app;
  }

  // The fastify server's life is owned by app/src/http/server.ts.
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.drain();
  }

  /** Waits for listeners still working after their ack (e.g. answering a /prs command). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Fastify plugin carrying the Slack route. Encapsulated: its raw-body parsers stay inside.
   * On close it waits for listeners still answering, before GitHub and Slack clients close.
   */
  readonly routes = async (fastify: FastifyInstance): Promise<void> => {
    fastify.addHook('onClose', async () => this.drain());
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1_048_576 }, (_request, body, done) => done(null, body));
    fastify.post(this.path, (request, reply) => this.handle(request, reply));
  };

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const raw = typeof request.body === 'string' ? request.body : '';
    const signature = header(request, 'x-slack-signature');
    const timestamp = Number(header(request, 'x-slack-request-timestamp'));
    const nowMs = (this.options.now ?? Date.now)();
    try {
      // Bolt only refuses old timestamps; one dated ahead would make a captured request replayable later.
      if (timestamp * 1000 > nowMs + 300_000) throw new Error(`x-slack-request-timestamp ${timestamp} is in the future`);
      verifySlackRequest({
        signingSecret: this.options.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature ?? '', 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: nowMs,
      });
    } catch (error) {
      request.log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'rejected a Slack request: bad or stale signature');
      return reply.code(401).send({ error: 'invalid_signature', message: 'Slack request signature is missing, wrong or stale.' });
    }

    let body: Record<string, unknown>;
    try {
      body = parseSlackBody(raw, header(request, 'content-type'));
    } catch {
      return reply.code(400).send({ error: 'invalid_body', message: 'Expected a form-encoded or JSON Slack payload.' });
    }
    if (body.type === 'url_verification' && typeof body.challenge === 'string') {
      return reply.send({ challenge: body.challenge });
    }
    if (body.ssl_check === '1') return reply.send();
    if (!this.app) throw new Error('FastifyReceiver used before Bolt called init()');

    let settle!: (result: AckResult) => void;
    const acked = new Promise<AckResult>((resolve) => {
      settle = resolve;
    });
    let isAcked = false;
    const finish = (result: AckResult): void => {
      if (isAcked) return;
      isAcked = true;
      settle(result);
    };
    const retryNum = header(request, 'x-slack-retry-num');
    const event: ReceiverEvent = {
      body,
      ...(retryNum !== undefined ? { retryNum: Number(retryNum) } : {}),
      ...(header(request, 'x-slack-retry-reason') !== undefined ? { retryReason: header(request, 'x-slack-retry-reason') } : {}),
      ack: async (response?: unknown) => {
        if (isAcked) throw new ReceiverMultipleAckError();
        if (response === undefined || response === null || response === '') finish({ status: 200, body: '' });
        else if (typeof response === 'string') finish({ status: 200, body: response });
        else finish({ status: 200, body: response as Record<string, unknown> });
      },
    };

    const timeout = setTimeout(() => {
      if (!isAcked) this.logger.error({ path: this.path }, 'no listener acknowledged the Slack request within 3 s');
      finish({ status: 404, body: '' });
    }, this.options.unhandledRequestTimeoutMs ?? 3_001);
    const processing = this.app
      .processEvent(event)
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'Slack listener failed');
        finish({ status: 500, body: '' });
      })
      .finally(() => {
        clearTimeout(timeout);
        finish({ status: 404, body: '' });
        this.inFlight.delete(processing);
      });
    this.inFlight.add(processing);

    const result = await acked;
    if (result.status === 200 && typeof result.body === 'string') {
      return reply.code(200).type('text/plain; charset=utf-8').send(result.body);
    }
    return reply.code(result.status).send(result.body);
  }
}
