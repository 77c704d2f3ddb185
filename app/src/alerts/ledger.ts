// Where alert messages are remembered: which notifications were handled (so a retry or a
// duplicate from an Alertmanager peer changes nothing) and, per group and channel, the message
// (ts) to edit and what operators did to it. Elasticsearch when replicas share it
// (ledger-elastic.ts); in memory for a single replica.
import { createHash } from 'node:crypto';
import type { WebhookPayload } from './payload.ts';
import type { GroupState } from './render.ts';

export interface AlertMessageRecord extends GroupState {
  groupKey: string;
  channel: string;
  /** absent while the replica that reserved the record is still posting */
  ts?: string;
  status: 'firing' | 'resolved';
  replica: string;
  postedAt: string;
  updatedAt: string;
  /** the latest notification, kept to re-render the message after a button click */
  payload: WebhookPayload;
}

export interface Versioned<T> {
  value: T;
  /** opaque; a replace or remove with an older version fails */
  version: string;
}

export interface AlertLedger {
  /** true for the first replica to handle this notification */
  claimNotification(id: string, messageKey: string): Promise<boolean>;
  /** forgets a notification whose handling failed, so Alertmanager's retry is handled */
  releaseNotification(id: string): Promise<void>;
  findMessage(key: string): Promise<Versioned<AlertMessageRecord> | undefined>;
  /** creates the record unless one exists; the new version, or undefined when another replica was first */
  reserveMessage(key: string, record: AlertMessageRecord): Promise<string | undefined>;
  /** replaces the record if it is still at `version`; the new version, or undefined on a conflict */
  replaceMessage(key: string, record: AlertMessageRecord, version: string): Promise<string | undefined>;
  /** removes the record if it is still at `version` (a resolved group firing again gets a new message) */
  removeMessage(key: string, version: string): Promise<boolean>;
}

/**
 * One notification's identity: the message it goes to and what it says (status, and each alert
 * with its status and start). Alertmanager's repeats of an unchanged group get the same id; the
 * same alert firing again later is a new incident (a new start), so its notifications are new too.
 */
export function notificationId(key: string, payload: WebhookPayload): string {
  const alerts = payload.alerts.map((a) => `${a.fingerprint}:${a.status}:${a.startsAt}`).sort();
  return createHash('sha256')
    .update(JSON.stringify([key, payload.status, payload.truncatedAlerts, alerts]))
    .digest('hex')
    .slice(0, 40);
}

/** A single replica's ledger: nothing survives a restart, so run one replica with it. */
export class MemoryAlertLedger implements AlertLedger {
  private readonly notifications = new Set<string>();
  private readonly messages = new Map<string, Versioned<AlertMessageRecord>>();
  private versions = 0;

  claimNotification(id: string): Promise<boolean> {
    if (this.notifications.has(id)) return Promise.resolve(false);
    this.notifications.add(id);
    return Promise.resolve(true);
  }

  releaseNotification(id: string): Promise<void> {
    this.notifications.delete(id);
    return Promise.resolve();
  }

  findMessage(key: string): Promise<Versioned<AlertMessageRecord> | undefined> {
    const found = this.messages.get(key);
    return Promise.resolve(found ? { value: structuredClone(found.value), version: found.version } : undefined);
  }

  reserveMessage(key: string, record: AlertMessageRecord): Promise<string | undefined> {
    if (this.messages.has(key)) return Promise.resolve(undefined);
    return Promise.resolve(this.store(key, record));
  }

  replaceMessage(key: string, record: AlertMessageRecord, version: string): Promise<string | undefined> {
    if (this.messages.get(key)?.version !== version) return Promise.resolve(undefined);
    return Promise.resolve(this.store(key, record));
  }

  removeMessage(key: string, version: string): Promise<boolean> {
    if (this.messages.get(key)?.version !== version) return Promise.resolve(false);
    this.messages.delete(key);
    return Promise.resolve(true);
  }

  private store(key: string, record: AlertMessageRecord): string {
    this.versions += 1;
    const version = String(this.versions);
    this.messages.set(key, { value: structuredClone(record), version });
    return version;
  }
}
