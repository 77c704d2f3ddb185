// Without Elasticsearch, a single replica remembers webhook deliveries and digest replies in
// memory: the same contracts as deliveries.ts and history.ts, lost on restart, never shared.
import { pullRequestKey } from '../core/keys.ts';
import type { ReminderHistory, ReplyRecord } from '../core/ports.ts';
import type { PullRequest } from '../core/types.ts';
import { historyDocument, replyId, type ReplyState, type StoredReply } from './history.ts';

/** X-GitHub-Delivery ids seen, oldest forgotten first beyond `capacity`. */
export class MemoryDeliveryLedger {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 50_000) {}

  /** true when the delivery is new. */
  async claim(delivery: string): Promise<boolean> {
    if (this.seen.has(delivery)) return false;
    this.seen.add(delivery);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  async release(delivery: string): Promise<void> {
    this.seen.delete(delivery);
  }
}

/** The latest reply per PR and channel: what webhooks update. */
export class MemoryReminderHistory implements ReminderHistory {
  private readonly replies = new Map<string, StoredReply>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async recordReply(record: ReplyRecord): Promise<void> {
    const reply: StoredReply = { id: replyId(record), ...historyDocument(record, 'memory', this.clock()) };
    this.replies.set(`${reply.prKey}|${record.channel}`, reply);
  }

  async latestReplies(repository: string, number: number): Promise<StoredReply[]> {
    const prefix = `${pullRequestKey(repository, number)}|`;
    return [...this.replies].filter(([key]) => key.startsWith(prefix)).map(([, reply]) => ({ ...reply }));
  }

  async updateReply(id: string, changes: { state?: ReplyState; pr?: PullRequest }): Promise<void> {
    for (const [key, reply] of this.replies) {
      if (reply.id === id) this.replies.set(key, { ...reply, ...changes, updatedAt: this.clock().toISOString() });
    }
  }
}
