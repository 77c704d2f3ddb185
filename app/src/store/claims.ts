// Claimed fires: one create-if-absent document per schedule and fire time. The first
// replica to create it posts; everyone else gets 409.
import type { Client } from '@elastic/elasticsearch';
import { clientAttempts, guarded, statusOf, StoreUnavailableError } from './errors.ts';

export type ClaimOutcome = 'won' | 'lost';

export interface ClaimDocument {
  schedule: string;
  fireTime: string;
  replica: string;
  claimedAt: string;
  degraded: boolean;
}

/** `${schedule}@${ISO fire time}`: the same on every replica for the same fire. */
export function fireKey(schedule: string, fireTime: Date): string {
  return `${schedule}@${fireTime.toISOString()}`;
}

export class ElasticFireClaims {
  /**
   * `deadlineMs`: the longest one claim request may take, the client's retries on other nodes included
   * (the coordinator's timing rests on it, docs/coordination.md); without it, each node's own timeout.
   */
  constructor(
    private readonly client: Client,
    private readonly index: string,
    private readonly deadlineMs?: number,
  ) {}

  private deadline(): { signal?: AbortSignal } {
    return this.deadlineMs === undefined ? {} : { signal: AbortSignal.timeout(this.deadlineMs) };
  }

  /**
   * Claims a fire for `replica`. Throws StoreUnavailableError when the answer is unknown
   * even after reading the claim back.
   */
  async claim(schedule: string, fireTime: Date, replica: string, options: { degraded?: boolean; retry?: boolean } = {}): Promise<ClaimOutcome> {
    const id = fireKey(schedule, fireTime);
    const document: ClaimDocument = {
      schedule,
      fireTime: fireTime.toISOString(),
      replica,
      claimedAt: new Date().toISOString(),
      degraded: options.degraded ?? false,
    };
    try {
      await guarded('claim fire', () => this.client.create({ index: this.index, id, document }, this.deadline()));
      return 'won';
    } catch (error) {
      if (statusOf(error) === 409) {
        // Only a retry can meet its own earlier claim (a create whose answer was lost), be it ours or the
        // client's own on the next node (attempts > 0: the first node may have written it before failing).
        if (!options.retry && !options.degraded && clientAttempts(error) === 0) return 'lost';
        return (await this.owner(id).catch(() => undefined)) === replica ? 'won' : 'lost';
      }
      if (!(error instanceof StoreUnavailableError)) throw error;
      // The create may have landed even though its answer did not: read it back.
      const owner = await this.owner(id).catch(() => undefined);
      if (owner === undefined) throw error;
      return owner === replica ? 'won' : 'lost';
    }
  }

  /** The replica holding a claim, or undefined when there is none. */
  async owner(id: string): Promise<string | undefined> {
    try {
      const found = await guarded('read claim', () => this.client.get<ClaimDocument>({ index: this.index, id }, this.deadline()));
      return found._source?.replica;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
