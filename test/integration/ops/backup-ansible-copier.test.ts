// The Ansible side of backup (ansible/backup.yml through the deploy wrapper), on this machine as
// both the logging and the monitoring host: fetch archives each folder with the folder as its
// root and drops the TSDB snapshot; push-repository puts exactly those files back.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleCopier } from '../../../ops/backup/ansible-copier.ts';
import { ELASTICSEARCH_ARCHIVE, PROMETHEUS_ARCHIVE } from '../../../ops/backup/manifest.ts';
import { runCommand } from '../../support/monitoring.ts';

let work: string;
let inventory: string;

async function tree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full)] = await readFile(full, 'utf8');
  }
  return files;
}

async function layout(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'chatops-backup-ansible-'));
  inventory = path.join(work, 'inventory');
  await mkdir(inventory);
  const host = { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3', backup_elasticsearch_user: 'root' };
  await writeFile(
    path.join(inventory, 'hosts.yml'),
    JSON.stringify({ all: { children: { logging: { hosts: { localhost: host } }, monitoring: { hosts: { localhost: host } } } } }),
  );
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('ansible/backup.yml', () => {
  const repository = { 'index-0': 'repo index', 'index.latest': 'latest', 'indices/abc/0/snap-x.dat': 'shard' };
  const tsdb = { '01JDX/meta.json': '{"ulid":"01JDX"}', '01JDX/chunks/000001': 'chunk', '01JDX/index': 'idx' };

  it('fetches both folders as archives rooted at the folder and removes the TSDB snapshot', async () => {
    const repositoryDir = path.join(work, 'es-repo');
    const snapshotDir = path.join(work, 'prom', 'snapshots', '20261129T010000Z-abc');
    await layout(repositoryDir, repository);
    await layout(snapshotDir, tsdb);
    const out = path.join(work, 'backup');
    await mkdir(out);

    await ansibleCopier(inventory).fetch({ repositoryDir, prometheusSnapshotDir: snapshotDir }, out);

    for (const [archive, files] of [
      [ELASTICSEARCH_ARCHIVE, repository],
      [PROMETHEUS_ARCHIVE, tsdb],
    ] as const) {
      const listed = await runCommand('tar', ['-tzf', path.join(out, archive)]);
      expect(listed.code, listed.stderr).toBe(0);
      const names = listed.stdout
        .split('\n')
        .filter((n) => n && !n.endsWith('/'))
        .map((n) => n.replace(/^\.\//, ''));
      expect(names.sort()).toEqual(Object.keys(files).sort());
    }
    expect(await readdir(path.join(work, 'prom', 'snapshots'))).toEqual([]);
    expect(await tree(repositoryDir)).toEqual(repository);
  }, 120_000);

  it('puts the repository back in place of whatever the folder held, keeping the folder itself (a shared mount point)', async () => {
    const target = path.join(work, 'fresh-repo');
    await layout(target, { 'index-9': 'a newer repository the restore replaces', 'indices/old/0/snap-y.dat': 'old shard', '.hidden': 'x' });
    const folder = await stat(target);

    await ansibleCopier(inventory).pushRepository(path.join(work, 'backup'), target);

    expect(await tree(target)).toEqual(repository);
    expect((await stat(target)).ino).toBe(folder.ino);
  }, 120_000);
});
