// A Bolt receiver that lives on the app's one fastify server (after bolt-js's
// examples/custom-receiver), in bolt-js's three pieces: signature verification on the raw
// body (verify-request.ts; bad or expired → 401), body parsing (parse-request.ts), the ack and
// timeout state (response-ack.ts).
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { firstHeader } from '../http/headers.ts';
import { parseSlackRequest } from './parse-request.ts';
import { ResponseAck, type AckResult } from './response-ack.ts';
import { signatureProblem } from './verify-request.ts';

export interface FastifyReceiverOptions {
  signingSecret: string;
  logger: Logger;
  path?: string;
  /** Slack retries after 3 s; answer by then even if no listener acked. */
  unhandledRequestTimeoutMs?: number;
  now?: () => number;
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
    const signature = firstHeader(request.headers['x-slack-signature']);
    const timestamp = Number(firstHeader(request.headers['x-slack-request-timestamp']));
    const problem = signatureProblem({ raw, signature, timestamp }, this.options.signingSecret, (this.options.now ?? Date.now)());
    if (problem !== undefined) {
      request.log.warn({ reason: problem }, 'rejected a Slack request: bad or expired signature');
      return reply.code(401).send({ error: 'invalid_signature', message: 'Slack request signature is missing, wrong or stale.' });
    }
    const parsed = parseSlackRequest(raw, firstHeader(request.headers['content-type']));
    if (parsed.kind === 'unparseable') return reply.code(400).send({ error: 'invalid_body', message: 'Expected a form-encoded or JSON Slack payload.' });
    if (parsed.kind === 'malformed') return reply.code(400).send({ error: 'invalid_body', message: parsed.problem });
    if (parsed.kind === 'url_verification') return reply.send({ challenge: parsed.challenge });
    if (parsed.kind === 'ssl_check') return reply.send();

    const result = await this.dispatch(parsed.body, request);
    if (result.status === 200 && typeof result.body === 'string') {
      return reply.code(200).type('text/plain; charset=utf-8').send(result.body);
    }
    return reply.code(result.status).send(result.body);
  }

  /** Hands the event to Bolt; resolves with the answer the ack state decides, while the listener may go on. */
  private dispatch(body: Record<string, unknown>, request: FastifyRequest): Promise<AckResult> {
    if (!this.app) throw new Error('FastifyReceiver used before Bolt called init()');
    const ack = new ResponseAck(this.options.unhandledRequestTimeoutMs ?? 3_001, () =>
      this.logger.error({ path: this.path }, 'no listener acknowledged the Slack request within 3 s'),
    );
    const retryNum = firstHeader(request.headers['x-slack-retry-num']);
    const retryReason = firstHeader(request.headers['x-slack-retry-reason']);
    const event: ReceiverEvent = {
      body,
      ...(retryNum !== undefined ? { retryNum: Number(retryNum) } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
      ack: ack.ack,
    };
    const processing = this.app
      .processEvent(event)
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'Slack listener failed');
        ack.failed();
      })
      .finally(() => {
        ack.done();
        this.inFlight.delete(processing);
      });
    this.inFlight.add(processing);
    return ack.result;
  }
}
