// Lets `/prs` answers share one GitHub read: concurrent commands wait for the same read, and
// a read younger than `maxAgeMs` is reused. Failed reads are not kept. No I/O of its own.
import type { PullRequestSource } from './ports.ts';
import type { PullRequestSnapshot } from './types.ts';

export class SnapshotCache implements PullRequestSource {
  private last: { key: string; startedAt: number; snapshot: Promise<PullRequestSnapshot> } | undefined;

  constructor(
    private readonly source: PullRequestSource,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  fetchOpenPullRequests(patterns: string[], exclude: string[]): Promise<PullRequestSnapshot> {
    const key = JSON.stringify([patterns, exclude]);
    const now = this.clock();
    const last = this.last;
    if (last && last.key === key && now - last.startedAt <= this.maxAgeMs) return last.snapshot;
    const snapshot = this.source.fetchOpenPullRequests(patterns, exclude);
    const entry = { key, startedAt: now, snapshot };
    this.last = entry;
    snapshot.catch(() => {
      if (this.last === entry) this.last = undefined;
    });
    return snapshot;
  }

  fetchTeamMembers(teams: readonly string[]): ReturnType<PullRequestSource['fetchTeamMembers']> {
    return this.source.fetchTeamMembers(teams);
  }

  checkReachable(): Promise<void> {
    return this.source.checkReachable();
  }
}
