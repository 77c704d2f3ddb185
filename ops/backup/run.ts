// Backup and restore as sequences of steps over their adapters (an Elasticsearch client, a
// Prometheus target, a SnapshotCopier), so the same code runs against an inventory's hosts and
// against services on this machine in the integration tests.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { UsageError } from '../../app/src/cli/flags.ts';
import * as es from './elasticsearch.ts';
import type { SnapshotCopier } from './hosts.ts';
import {
  appIndices,
  buildManifest,
  checkBackupDir,
  compareCounts,
  ELASTICSEARCH_ARCHIVE,
  MANIFEST_FILE,
  PROMETHEUS_ARCHIVE,
  REPOSITORY,
  snapshotName,
  type CountRow,
  type Manifest,
} from './manifest.ts';
import { takeTsdbSnapshot, type PrometheusTarget } from './prometheus.ts';

export interface BackupParts {
  elasticsearch: Client;
  prometheus: PrometheusTarget;
  copier: SnapshotCopier;
  indexPrefix: string;
  progress: (line: string) => void;
}

export async function runBackup(parts: BackupParts, dir: string, now: Date = new Date()): Promise<Manifest> {
  const { elasticsearch: client, progress } = parts;
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  if (existing.length > 0) throw new UsageError(`--out ${dir}: not empty; a backup goes into a new directory`);
  const repositoryDir = await es.repositoryDir(client, REPOSITORY);
  await es.registerRepository(client, REPOSITORY, repositoryDir);
  const indices = await es.presentIndices(client, appIndices(parts.indexPrefix));
  if (indices.length === 0) throw new Error(`Elasticsearch holds none of the app's indices (prefix ${parts.indexPrefix}): check --index-prefix`);
  const documents = await es.countDocuments(client, indices);
  const snapshot = snapshotName(now);
  progress(`elasticsearch: snapshot ${snapshot} of ${indices.length} indices into ${repositoryDir}`);
  await es.createSnapshot(client, REPOSITORY, snapshot, indices);
  const pruned = await es.pruneSnapshots(client, REPOSITORY, snapshot);
  if (pruned.length > 0) progress(`elasticsearch: removed the older snapshots ${pruned.join(', ')} (earlier backup directories hold them)`);
  const tsdb = await takeTsdbSnapshot(parts.prometheus);
  progress(`prometheus: TSDB snapshot ${tsdb.name}`);
  await mkdir(dir, { recursive: true });
  progress(`copying both to ${dir}`);
  await parts.copier.fetch({ repositoryDir, prometheusSnapshotDir: tsdb.dir }, dir);
  const manifest = buildManifest({
    now,
    indexPrefix: parts.indexPrefix,
    snapshot,
    documents,
    elasticsearchBytes: (await stat(path.join(dir, ELASTICSEARCH_ARCHIVE))).size,
    prometheusSnapshot: tsdb.name,
    prometheusBytes: (await stat(path.join(dir, PROMETHEUS_ARCHIVE))).size,
  });
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest of `dir`, checked against the files there; reads only. */
export async function readBackupDir(dir: string): Promise<Manifest> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (names === undefined) return checkBackupDir(dir, { manifestText: undefined, sizes: {} });
  const sizes: Record<string, number> = {};
  for (const name of names) sizes[name] = (await stat(path.join(dir, name))).size;
  const manifestText = names.includes(MANIFEST_FILE) ? await readFile(path.join(dir, MANIFEST_FILE), 'utf8') : undefined;
  return checkBackupDir(dir, { manifestText, sizes });
}

export type RestoreParts = Omit<BackupParts, 'indexPrefix' | 'prometheus'>;

/**
 * Restores a checked backup directory: the repository folder back on the logging host, the
 * snapshot over the app's indices, Prometheus's data from its snapshot; returns the counts then and now.
 */
export async function runRestore(parts: RestoreParts, dir: string, manifest: Manifest): Promise<CountRow[]> {
  const { elasticsearch: client, progress } = parts;
  // Reachable and configured before anything changes.
  const repositoryDir = await es.repositoryDir(client, manifest.elasticsearch.repository);
  const indices = Object.keys(manifest.elasticsearch.documents);
  await es.unregisterRepository(client, manifest.elasticsearch.repository);
  progress(`elasticsearch: snapshot repository back into ${repositoryDir}`);
  await parts.copier.pushRepository(dir, repositoryDir);
  await es.registerRepository(client, manifest.elasticsearch.repository, repositoryDir);
  await es.requireSnapshot(client, manifest.elasticsearch.repository, manifest.elasticsearch.snapshot);
  progress(`elasticsearch: restoring ${indices.length} indices from ${manifest.elasticsearch.snapshot}`);
  await es.restoreSnapshot(client, manifest.elasticsearch.repository, manifest.elasticsearch.snapshot, indices);
  // Counted at once: the running app may add documents soon after.
  const rows = compareCounts(manifest, await es.countDocuments(client, indices));
  progress(`prometheus: data from snapshot ${manifest.prometheus.snapshot}`);
  await parts.copier.restorePrometheus(dir);
  return rows;
}
