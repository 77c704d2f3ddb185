// The Elasticsearch half of backup and restore: an fs snapshot repository under the node's
// path.repo (the elasticsearch role sets it), one snapshot of the app's indices, and its restore
// over closed indices, all through the documented snapshot APIs.
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';

/** Deleting snapshots rewrites the repository's index: longer than a query's timeout (below the proxy's 60 s). */
const slow = { requestTimeout: 55_000 };

/**
 * The folder of the repository on the logging host: `name` under the first path.repo, which
 * Elasticsearch reports itself, so the controller never guesses the host's layout.
 */
export async function repositoryDir(client: Client, name: string): Promise<string> {
  const info = await client.nodes.info({ metric: 'settings' });
  const node = Object.values(info.nodes)[0] as { settings?: { path?: { repo?: string | string[] } } } | undefined;
  const repo = node?.settings?.path?.repo;
  const first = Array.isArray(repo) ? repo[0] : repo;
  if (!first) {
    throw new Error('Elasticsearch has no path.repo: deploy the elasticsearch role again (it sets path.repo to elasticsearch_snapshot_dir)');
  }
  return path.posix.join(first, name);
}

/** PUT of the same fs repository is a no-op; it also makes Elasticsearch re-read a folder copied back. */
export async function registerRepository(client: Client, name: string, location: string): Promise<void> {
  await client.snapshot.createRepository({ name, repository: { type: 'fs', settings: { location } }, verify: true });
}

/** Forgets the repository registration (its files stay): before restore replaces the folder. */
export async function unregisterRepository(client: Client, name: string): Promise<void> {
  await client.snapshot.deleteRepository({ name }, { ignore: [404] });
}

/** Of `indices`, those that exist. */
export async function presentIndices(client: Client, indices: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const index of indices) if (await client.indices.exists({ index })) present.push(index);
  return present;
}

/** Documents per index, after a refresh so the last writes count. */
export async function countDocuments(client: Client, indices: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  if (indices.length === 0) return counts;
  await client.indices.refresh({ index: [...indices] });
  for (const index of indices) counts[index] = (await client.count({ index })).count;
  return counts;
}

/** How long a snapshot or a restore may take; polled, since the TLS proxy closes a request after 60 s. */
const completionMs = 15 * 60_000;
const pollMs = 1_000;

/** A snapshot of `indices` only (no cluster state), polled until it is complete and checked. */
export async function createSnapshot(client: Client, repository: string, snapshot: string, indices: readonly string[]): Promise<void> {
  await client.snapshot.create({ repository, snapshot, indices: [...indices], include_global_state: false, wait_for_completion: false });
  const deadline = Date.now() + completionMs;
  for (;;) {
    const listed = await client.snapshot.get({ repository, snapshot });
    const info = listed.snapshots?.[0];
    const state = info?.state;
    if (state === 'SUCCESS') return;
    if (state !== 'IN_PROGRESS' && state !== 'STARTED') {
      throw new Error(`snapshot ${snapshot} ended ${state ?? 'without a state'}: ${JSON.stringify(info?.failures ?? [])}`);
    }
    if (Date.now() > deadline) throw new Error(`snapshot ${snapshot} still ${state} after ${completionMs / 60_000} min`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Deletes the repository's other snapshots: each backup directory carries exactly its own. */
export async function pruneSnapshots(client: Client, repository: string, keep: string): Promise<string[]> {
  const listed = await client.snapshot.get({ repository, snapshot: '_all' });
  const old = listed.snapshots?.map((s) => s.snapshot).filter((name) => name !== keep) ?? [];
  if (old.length > 0) await client.snapshot.delete({ repository, snapshot: old.join(',') }, slow);
  return old;
}

/** Fails unless the repository holds the snapshot (a wrong or partial copy). */
export async function requireSnapshot(client: Client, repository: string, snapshot: string): Promise<void> {
  const listed = await client.snapshot.get({ repository, snapshot: '_all' });
  const names = listed.snapshots?.map((s) => s.snapshot) ?? [];
  if (!names.includes(snapshot)) {
    throw new Error(
      `the copied repository holds ${names.join(', ') || 'no snapshot'}, not ${snapshot}: the backup directory is not the one its manifest describes`,
    );
  }
}

/**
 * Restores the snapshot's indices. Those present are closed first (a restore replaces a closed
 * index of the same shard count; closed, no write recreates it meanwhile), explicitly by name.
 * Done when every restored index is yellow (its primary recovered from the snapshot).
 */
export async function restoreSnapshot(client: Client, repository: string, snapshot: string, indices: readonly string[]): Promise<void> {
  const present = await presentIndices(client, indices);
  if (present.length > 0) await client.indices.close({ index: present });
  await client.snapshot.restore({ repository, snapshot, indices: [...indices].join(','), include_global_state: false, wait_for_completion: false });
  const deadline = Date.now() + completionMs;
  for (;;) {
    const health = await client.cluster.health({ index: [...indices], wait_for_status: 'yellow', timeout: '30s' }, { requestTimeout: 45_000 });
    if (!health.timed_out && health.status !== 'red') return;
    if (Date.now() > deadline) throw new Error(`restore of ${snapshot}: indices still ${health.status} after ${completionMs / 60_000} min`);
  }
}
