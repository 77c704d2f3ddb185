// Reminder history: each posted digest reply (PR, channel, ts, thread), so webhooks can
// find and update the reply in the latest digest.
import type { Client } from '@elastic/elasticsearch';
import type { ReminderHistory, ReplyRecord } from '../core/ports.ts';
import type { PullRequest, ReplyShown } from '../core/types.ts';
import { guarded } from './errors.ts';
import { pullRequestKey } from '../core/keys.ts';

export type ReplyState = 'open' | 'merged' | 'closed';

export interface HistoryDocument {
  prKey: string;
  repository: string;
  number: number;
  channel: string;
  ts: string;
  threadTs: string;
  schedule: string;
  replica: string;
  postedAt: string;
  state: ReplyState;
  updatedAt?: string;
  pr: PullRequest;
  /** absent in records written before it was kept */
  shown?: ReplyShown;
}

export interface StoredReply extends HistoryDocument {
  id: string;
}

/** A reply's document as both histories keep it; its id is `replyId(record)`. */
export function historyDocument(record: ReplyRecord, replica: string, now: Date): HistoryDocument {
  return {
    prKey: pullRequestKey(record.pr.repository, record.pr.number),
    repository: record.pr.repository,
    number: record.pr.number,
    channel: record.channel,
    ts: record.ts,
    threadTs: record.threadTs,
    schedule: record.schedule,
    replica,
    postedAt: now.toISOString(),
    state: 'open',
    pr: record.pr,
    ...(record.shown ? { shown: record.shown } : {}),
  };
}

export function replyId(record: ReplyRecord): string {
  return `${record.channel}:${record.ts}`;
}

export class ElasticReminderHistory implements ReminderHistory {
  constructor(
    private readonly client: Client,
    private readonly index: string,
    private readonly replica: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async recordReply(record: ReplyRecord): Promise<void> {
    const document = historyDocument(record, this.replica, this.clock());
    await guarded('record reply', () => this.client.index({ index: this.index, id: replyId(record), document }));
  }

  /** The reply for this PR in the most recent digest that listed it, per channel. */
  async latestReplies(repository: string, number: number): Promise<StoredReply[]> {
    const result = await guarded('find replies', () =>
      this.client.search<HistoryDocument>({
        index: this.index,
        size: 50,
        query: { term: { prKey: pullRequestKey(repository, number) } },
        sort: [{ postedAt: 'desc' }],
      }),
    );
    const latest = new Map<string, StoredReply>();
    for (const hit of result.hits.hits) {
      if (!hit._source || !hit._id) continue;
      if (!latest.has(hit._source.channel)) latest.set(hit._source.channel, { ...hit._source, id: hit._id });
    }
    return [...latest.values()];
  }

  async updateReply(id: string, changes: { state?: ReplyState; pr?: PullRequest }): Promise<void> {
    await guarded('update reply', () =>
      this.client.update({ index: this.index, id, doc: { ...changes, updatedAt: this.clock().toISOString() }, refresh: 'wait_for' }),
    );
  }
}
