import { describe, expect, it } from 'vitest';
import { SnapshotCache } from '../../../app/src/core/snapshot-cache.ts';
import type { PullRequestSnapshot } from '../../../app/src/core/types.ts';
import { aPullRequest, snapshot } from './builders.ts';

function countingSource() {
  const pending: { resolve: (s: PullRequestSnapshot) => void; reject: (e: Error) => void }[] = [];
  return {
    pending,
    reads: 0,
    fetchOpenPullRequests(): Promise<PullRequestSnapshot> {
      this.reads += 1;
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    checkReachable: () => Promise.resolve(),
    fetchTeamMembers: () => Promise.resolve({ members: new Map(), failures: [] }),
  };
}

describe('SnapshotCache', () => {
  it('shares one read between concurrent callers and reuses it while young', async () => {
    let now = 1_000;
    const source = countingSource();
    const cache = new SnapshotCache(source, 30_000, () => now);
    const a = cache.fetchOpenPullRequests(['acme/*'], []);
    const b = cache.fetchOpenPullRequests(['acme/*'], []);
    source.pending[0]?.resolve(snapshot([aPullRequest()]));
    expect(await a).toBe(await b);
    now += 30_000;
    await cache.fetchOpenPullRequests(['acme/*'], []);
    expect(source.reads).toBe(1);
    now += 1;
    void cache.fetchOpenPullRequests(['acme/*'], []);
    expect(source.reads).toBe(2);
  });

  it('reads again for other patterns and after a failed read', async () => {
    const source = countingSource();
    const cache = new SnapshotCache(source, 30_000, () => 0);
    const failing = cache.fetchOpenPullRequests(['acme/*'], []);
    source.pending[0]?.reject(new Error('HTTP 502'));
    await expect(failing).rejects.toThrow('HTTP 502');
    void cache.fetchOpenPullRequests(['acme/*'], []);
    void cache.fetchOpenPullRequests(['other/*'], []);
    expect(source.reads).toBe(3);
  });

  it('reads every time with a zero max age', () => {
    const source = countingSource();
    const cache = new SnapshotCache(
      source,
      0,
      (() => {
        let t = 0;
        return () => (t += 1);
      })(),
    );
    void cache.fetchOpenPullRequests(['acme/*'], []);
    void cache.fetchOpenPullRequests(['acme/*'], []);
    expect(source.reads).toBe(2);
  });
});
