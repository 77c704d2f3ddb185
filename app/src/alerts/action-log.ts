// The audit trail of alert buttons: one document per click that reached the operator rule (who,
// what, when, which message, the silence id, the outcome), in `<prefix>-alert-actions` when
// replicas share Elasticsearch, else in memory. Written once the action is done, so a slow or
// failing write never changes what the operator did; the log event is its record then.
import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { guarded } from '../store/errors.ts';
import type { IndexDefinition } from '../store/indices.ts';

export interface AlertActionRecord {
  /** when the click was handled (ECS @timestamp) */
  '@timestamp': string;
  /** the button's action_id, e.g. alert_silence_1h */
  action: string;
  outcome: 'success' | 'failure';
  user: { id: string; name: string };
  channel: string;
  messageKey: string;
  groupKey?: string;
  alertname?: string;
  silenceId?: string;
  silenceEndsAt?: string;
  /** why a failure failed: "not an operator", Alertmanager's answer */
  reason?: string;
  replica: string;
}

export interface AlertActionLog {
  record(entry: AlertActionRecord): Promise<void>;
}

export function alertActionIndexName(prefix: string): string {
  return `${prefix}-alert-actions`;
}

export function alertActionIndexDefinition(name: string): IndexDefinition {
  return {
    name,
    ageField: '@timestamp',
    properties: {
      '@timestamp': { type: 'date' },
      action: { type: 'keyword' },
      outcome: { type: 'keyword' },
      user: { properties: { id: { type: 'keyword' }, name: { type: 'keyword' } } },
      channel: { type: 'keyword' },
      messageKey: { type: 'keyword' },
      groupKey: { type: 'keyword' },
      alertname: { type: 'keyword' },
      silenceId: { type: 'keyword' },
      silenceEndsAt: { type: 'date' },
      reason: { type: 'text' },
      replica: { type: 'keyword' },
    },
  };
}

/** A single replica's trail, the latest `limit` clicks (the log events keep them all). */
export class MemoryAlertActionLog implements AlertActionLog {
  readonly entries: AlertActionRecord[] = [];

  constructor(private readonly limit = 1_000) {}

  record(entry: AlertActionRecord): Promise<void> {
    this.entries.push(structuredClone(entry));
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return Promise.resolve();
  }
}

export class ElasticAlertActionLog implements AlertActionLog {
  constructor(
    private readonly client: Client,
    private readonly index: string,
  ) {}

  async record(entry: AlertActionRecord): Promise<void> {
    // A fresh id per click: two clicks are two documents, a retry of this write one.
    const id = randomUUID();
    await guarded('record alert action', () => this.client.index({ index: this.index, id, document: entry, op_type: 'create' }));
  }
}

/** Writes the document and logs the ECS event; a failed write is logged, never thrown. */
export async function recordAlertAction(log: AlertActionLog | undefined, logger: Logger, entry: AlertActionRecord): Promise<void> {
  const event = {
    'event.kind': 'event',
    'event.category': 'configuration',
    'event.action': entry.action,
    'event.outcome': entry.outcome,
    'user.id': entry.user.id,
    'user.name': entry.user.name,
    channel: entry.channel,
    messageKey: entry.messageKey,
    ...(entry.alertname ? { alertname: entry.alertname } : {}),
    ...(entry.silenceId ? { silenceId: entry.silenceId } : {}),
    ...(entry.reason ? { reason: entry.reason } : {}),
  };
  if (entry.outcome === 'success') logger.info(event, 'alert action done');
  else logger.warn(event, 'alert action refused or failed');
  if (!log) return;
  try {
    await log.record(entry);
  } catch (error) {
    logger.warn(
      { err: error, 'event.action': entry.action, messageKey: entry.messageKey },
      'could not record the alert action in Elasticsearch; the log line above is its record',
    );
  }
}
