// Moving snapshot folders between the hosts and the controller: the one step that depends on where
// Elasticsearch and Prometheus run. Two adapters with one contract: Ansible (ansible/backup.yml,
// through the deploy wrapper) for an inventory, and plain tar for services on this machine.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { ELASTICSEARCH_ARCHIVE, PROMETHEUS_ARCHIVE } from './manifest.ts';

export interface SnapshotCopier {
  /** Archives the repository folder (logging host) and the TSDB snapshot (monitoring host) into `dir`, then drops the TSDB snapshot on its host. */
  fetch(from: { repositoryDir: string; prometheusSnapshotDir: string }, dir: string): Promise<void>;
  /** Replaces the repository folder on the logging host with the archive's content. */
  pushRepository(dir: string, repositoryDir: string): Promise<void>;
  /** Replaces Prometheus's data with the archived snapshot (stopping and starting it where it is a service). */
  restorePrometheus(dir: string): Promise<void>;
}

async function packFolder(folder: string, archive: string): Promise<void> {
  await $({ quiet: true })`tar -czf ${archive} -C ${folder} .`;
}

async function unpackInto(archive: string, folder: string, owner?: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true, mode: 0o750 });
  await $({ quiet: true })`tar -xzf ${archive} -C ${folder}`;
  if (owner) await $({ quiet: true })`chown -R ${owner} ${folder}`;
}

/**
 * Elasticsearch and Prometheus on this machine (the integration tests; a one-box install).
 * `prometheusDataDir` is where restorePrometheus puts the snapshot; whoever runs Prometheus stops
 * and starts it around that. `owner` (user:group) is who Elasticsearch runs as, when not us.
 */
export function localCopier(options: { prometheusDataDir: string; owner?: string }): SnapshotCopier {
  return {
    async fetch(from, dir) {
      await packFolder(from.repositoryDir, path.join(dir, ELASTICSEARCH_ARCHIVE));
      await packFolder(from.prometheusSnapshotDir, path.join(dir, PROMETHEUS_ARCHIVE));
      await rm(from.prometheusSnapshotDir, { recursive: true, force: true });
    },
    async pushRepository(dir, repositoryDir) {
      await unpackInto(path.join(dir, ELASTICSEARCH_ARCHIVE), repositoryDir, options.owner);
    },
    async restorePrometheus(dir) {
      await unpackInto(path.join(dir, PROMETHEUS_ARCHIVE), options.prometheusDataDir);
    },
  };
}
