// POST /alertmanager/webhook?channel=C…: Alertmanager's webhook_configs receiver. The bearer
// token is checked before the body is read (401), the payload field by field (400 naming the
// field); only then does the notifier post or edit the group's message.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AppMetrics } from '../metrics.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import type { AlertNotifier } from './notifier.ts';
import { formatPayloadProblems, parseWebhookPayload } from './payload.ts';

export const alertmanagerWebhookPath = '/alertmanager/webhook';

export interface AlertmanagerWebhookOptions {
  /** secrets.yml alertmanagerWebhookToken; without it the route answers 503 */
  token: string | undefined;
  defaultChannel: string;
  notifier: AlertNotifier;
  metrics: Pick<AppMetrics, 'alertNotifications'>;
  logger: Logger;
  bodyLimit?: number;
}

const channelPattern = /^[CG][A-Z0-9]{2,}$/;

export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function alertmanagerWebhookPlugin(options: AlertmanagerWebhookOptions): FastifyPluginAsync {
  const { token, notifier, metrics } = options;
  const logger = options.logger.child({ component: 'alertmanager-webhook' });
  return async (fastify) => {
    // Encapsulated: this route reads its own body so every 400 names what is wrong.
    fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024 }, (_request, body, done) =>
      done(null, body),
    );
    // Any other type stays bytes and gets 415, text/plain too (fastify would hand it over as a string).
    for (const type of ['text/plain', '*'])
      fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));

    const reject = (reply: FastifyReply, status: number, error: string, fields: Record<string, unknown> = {}): FastifyReply => {
      metrics.alertNotifications.inc({ outcome: 'rejected' });
      logger.warn({ status, reason: error, ...fields }, 'alertmanager notification rejected');
      return reply.code(status).send({ error });
    };

    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!token)
        return reject(
          reply,
          503,
          'alert notifications disabled: set alertmanagerWebhookToken in secrets.yml (the credentials of the Alertmanager webhook receiver)',
        );
      if (!bearerMatches(request.headers.authorization, token))
        return reject(
          reply,
          401,
          "missing or wrong bearer token: the receiver's http_config.authorization.credentials must equal secrets.yml alertmanagerWebhookToken",
        );
      return undefined;
    });

    fastify.post<{ Querystring: { channel?: string | string[] } }>(alertmanagerWebhookPath, async (request, reply) => {
      const raw = request.body;
      if (typeof raw !== 'string') return reject(reply, 415, 'expected Content-Type: application/json, as Alertmanager sends');
      const requested = request.query.channel;
      if (Array.isArray(requested)) return reject(reply, 400, 'channel: give the query parameter once');
      const channel = requested ?? options.defaultChannel;
      if (!channelPattern.test(channel)) return reject(reply, 400, `channel: expected a Slack channel id such as "C012ABCDEF", got "${channel.slice(0, 40)}"`);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return reject(reply, 400, 'body is not valid JSON');
      }
      const parsed = parseWebhookPayload(body);
      if (!parsed.ok) return reject(reply, 400, formatPayloadProblems(parsed.problems), { problems: parsed.problems });
      const { payload } = parsed;
      const fields = { channel, groupKey: payload.groupKey, status: payload.status, alerts: payload.alerts.length };
      try {
        const outcome = await notifier.notify(channel, payload);
        metrics.alertNotifications.inc({ outcome });
        logger.info({ ...fields, outcome }, 'alertmanager notification handled');
        return reply.code(200).send({ ok: true, outcome });
      } catch (error) {
        metrics.alertNotifications.inc({ outcome: 'failed' });
        // A non-2xx makes Alertmanager retry the notification.
        if (error instanceof StoreUnavailableError) {
          logger.warn({ err: error, ...fields }, 'Elasticsearch unreachable: alert notification not handled');
          return reply.code(503).send({ error: 'alert ledger unavailable; Alertmanager will retry' });
        }
        logger.error({ err: error, ...fields }, 'alert notification failed');
        return reply.code(500).send({ error: 'posting the alert failed; Alertmanager will retry' });
      }
    });
  };
}
