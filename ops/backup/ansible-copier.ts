// The SnapshotCopier for an inventory: ansible/backup.yml through the same wrapper as `chatops
// deploy` (progress lines, the failing host and task), one `backup_step` per call.
import path from 'node:path';
import { runDeploy } from '../deploy.ts';
import { log } from '../log.ts';
import { REPO_ROOT } from '../paths.ts';
import type { SnapshotCopier } from './hosts.ts';
import { ELASTICSEARCH_ARCHIVE, PROMETHEUS_ARCHIVE } from './manifest.ts';

const PLAYBOOK = path.join(REPO_ROOT, 'ansible', 'backup.yml');

async function step(inventoryDir: string, vars: Record<string, string>): Promise<void> {
  const result = await runDeploy({ inventoryDir, playbook: PLAYBOOK, extraVars: vars }, (line) => log(`  ${line}`));
  if (result.exitCode === 0) return;
  const failure = result.failures[0];
  throw new Error(
    failure
      ? `ansible/backup.yml (${vars['backup_step']}) failed on ${failure.host}, task "${failure.task}":\n${failure.message}`
      : `ansible/backup.yml exited ${result.exitCode}`,
  );
}

export function ansibleCopier(inventoryDir: string): SnapshotCopier {
  const archives = { backup_elasticsearch_archive: ELASTICSEARCH_ARCHIVE, backup_prometheus_archive: PROMETHEUS_ARCHIVE };
  return {
    fetch: (from, dir) =>
      step(inventoryDir, {
        backup_step: 'fetch',
        backup_dir: path.resolve(dir),
        backup_repository_dir: from.repositoryDir,
        backup_prometheus_snapshot_dir: from.prometheusSnapshotDir,
        ...archives,
      }),
    pushRepository: (dir, repositoryDir) =>
      step(inventoryDir, { backup_step: 'push-repository', backup_dir: path.resolve(dir), backup_repository_dir: repositoryDir, ...archives }),
    restorePrometheus: (dir) => step(inventoryDir, { backup_step: 'restore-prometheus', backup_dir: path.resolve(dir), ...archives }),
  };
}
