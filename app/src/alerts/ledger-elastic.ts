// The alert ledger in Elasticsearch, shared by replicas: one create-if-absent document per
// notification (like GitHub deliveries), one document per group message whose changes are
// optimistic (if_seq_no/if_primary_term), so two replicas never post the same group twice.
import type { Client } from '@elastic/elasticsearch';
import type { IndexDefinition } from '../store/indices.ts';
import { guarded, statusOf } from '../store/errors.ts';
import type { AlertLedger, AlertMessageRecord, Versioned } from './ledger.ts';

export interface AlertIndexNames {
  notifications: string;
  messages: string;
}

export function alertIndexNames(prefix: string): AlertIndexNames {
  return { notifications: `${prefix}-alert-notifications`, messages: `${prefix}-alert-messages` };
}

export function alertIndexDefinitions(names: AlertIndexNames): IndexDefinition[] {
  return [
    {
      name: names.notifications,
      ageField: 'receivedAt',
      properties: { messageKey: { type: 'keyword' }, replica: { type: 'keyword' }, receivedAt: { type: 'date' } },
    },
    {
      name: names.messages,
      ageField: 'updatedAt',
      properties: {
        groupKey: { type: 'keyword' },
        channel: { type: 'keyword' },
        ts: { type: 'keyword' },
        status: { type: 'keyword' },
        replica: { type: 'keyword' },
        postedAt: { type: 'date' },
        updatedAt: { type: 'date' },
        acknowledgedBy: { properties: { userId: { type: 'keyword' }, at: { type: 'date' } } },
        silence: { properties: { id: { type: 'keyword' }, endsAt: { type: 'date' }, createdBy: { type: 'keyword' } } },
        // the notification as received, kept to re-render; not searchable
        payload: { type: 'object', enabled: false },
      },
    },
  ];
}

function version(result: { _seq_no?: number; _primary_term?: number }): string {
  return `${result._seq_no ?? -1}:${result._primary_term ?? -1}`;
}

function parseVersion(value: string): { if_seq_no: number; if_primary_term: number } {
  const [seqNo, primaryTerm] = value.split(':').map(Number);
  return { if_seq_no: seqNo ?? -1, if_primary_term: primaryTerm ?? -1 };
}

export class ElasticAlertLedger implements AlertLedger {
  constructor(
    private readonly client: Client,
    private readonly names: AlertIndexNames,
    private readonly replica: string,
  ) {}

  async claimNotification(id: string, messageKey: string): Promise<boolean> {
    try {
      await guarded('claim alert notification', () =>
        this.client.create({ index: this.names.notifications, id, document: { messageKey, replica: this.replica, receivedAt: new Date().toISOString() } }),
      );
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  async releaseNotification(id: string): Promise<void> {
    try {
      await guarded('release alert notification', () => this.client.delete({ index: this.names.notifications, id }));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async findMessage(key: string): Promise<Versioned<AlertMessageRecord> | undefined> {
    try {
      // realtime get: sees a document another replica wrote a moment ago, refresh or not
      const found = await guarded('find alert message', () => this.client.get<AlertMessageRecord>({ index: this.names.messages, id: key }));
      return found._source ? { value: found._source, version: version(found) } : undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async reserveMessage(key: string, record: AlertMessageRecord): Promise<string | undefined> {
    try {
      return version(await guarded('reserve alert message', () => this.client.create({ index: this.names.messages, id: key, document: record })));
    } catch (error) {
      if (statusOf(error) === 409) return undefined;
      throw error;
    }
  }

  async replaceMessage(key: string, record: AlertMessageRecord, current: string): Promise<string | undefined> {
    try {
      return version(
        await guarded('update alert message', () => this.client.index({ index: this.names.messages, id: key, document: record, ...parseVersion(current) })),
      );
    } catch (error) {
      if (statusOf(error) === 409) return undefined;
      throw error;
    }
  }

  async removeMessage(key: string, current: string): Promise<boolean> {
    try {
      await guarded('remove alert message', () => this.client.delete({ index: this.names.messages, id: key, ...parseVersion(current) }));
      return true;
    } catch (error) {
      if (statusOf(error) === 409 || statusOf(error) === 404) return false;
      throw error;
    }
  }
}
