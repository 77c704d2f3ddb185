import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../app/src/cli/flags.ts';
import { formatCounts, restoreCommand } from '../../../ops/backup/command.ts';
import {
  buildManifest,
  checkBackupDir,
  compareCounts,
  defaultBackupDir,
  ELASTICSEARCH_ARCHIVE,
  everyDocumentBack,
  PROMETHEUS_ARCHIVE,
  snapshotName,
  type Manifest,
} from '../../../ops/backup/manifest.ts';

const NOW = new Date('2026-11-29T01:02:03.456Z');

function aManifest(): Manifest {
  return buildManifest({
    now: NOW,
    indexPrefix: 'chatops',
    snapshot: snapshotName(NOW),
    documents: { 'chatops-reminder-history': 12, 'chatops-webhook-deliveries': 30, 'chatops-fire-claims': 4 },
    elasticsearchBytes: 2048,
    prometheusSnapshot: '20261129T010203Z-5f2a',
    prometheusBytes: 4096,
  });
}

const complete = { [ELASTICSEARCH_ARCHIVE]: 2048, [PROMETHEUS_ARCHIVE]: 4096, 'manifest.json': 700 };

describe('chatops backup: names and manifest', () => {
  it('names the snapshot and the directory after the UTC time, lowercase for Elasticsearch', () => {
    expect(snapshotName(NOW)).toBe('chatops-20261129t010203z');
    expect(defaultBackupDir('/repo', NOW)).toBe('/repo/backups/20261129T010203Z');
  });

  it('writes the time, the snapshots, the documents per index and the archive sizes', () => {
    expect(aManifest()).toEqual({
      format: 1,
      createdAt: '2026-11-29T01:02:03.456Z',
      indexPrefix: 'chatops',
      elasticsearch: {
        repository: 'chatops-backup',
        snapshot: 'chatops-20261129t010203z',
        documents: { 'chatops-reminder-history': 12, 'chatops-webhook-deliveries': 30, 'chatops-fire-claims': 4 },
        archive: { file: ELASTICSEARCH_ARCHIVE, bytes: 2048 },
      },
      prometheus: { snapshot: '20261129T010203Z-5f2a', archive: { file: PROMETHEUS_ARCHIVE, bytes: 4096 } },
    });
  });
});

describe('chatops restore: the backup directory', () => {
  const text = JSON.stringify(aManifest());

  it('accepts a directory whose archives match its manifest', () => {
    expect(checkBackupDir('/b', { manifestText: text, sizes: complete })).toEqual(aManifest());
  });

  it('names what is wrong: no manifest, not JSON, a field, a missing or truncated archive', () => {
    expect(() => checkBackupDir('/b', { manifestText: undefined, sizes: {} })).toThrow(
      new UsageError('--from /b: no manifest.json; pass a directory `chatops backup` wrote (backups/<time>)'),
    );
    expect(() => checkBackupDir('/b', { manifestText: '{', sizes: complete })).toThrow(/--from \/b: manifest\.json is not JSON/);
    const noSnapshot = { ...aManifest(), elasticsearch: { ...aManifest().elasticsearch, snapshot: '' } };
    expect(() => checkBackupDir('/b', { manifestText: JSON.stringify(noSnapshot), sizes: complete })).toThrow(/manifest\.json field elasticsearch\.snapshot:/);
    const foreign = { ...aManifest(), elasticsearch: { ...aManifest().elasticsearch, documents: { 'logs-chatops-2026.11.29': 5 } } };
    expect(() => checkBackupDir('/b', { manifestText: JSON.stringify(foreign), sizes: complete })).toThrow(
      '--from /b: manifest.json lists logs-chatops-2026.11.29, not an index of the app (prefix chatops)',
    );
    const escaping = { ...aManifest(), elasticsearch: { ...aManifest().elasticsearch, repository: '../../etc' } };
    expect(() => checkBackupDir('/b', { manifestText: JSON.stringify(escaping), sizes: complete })).toThrow(
      '--from /b: manifest.json field elasticsearch.repository: a repository name of a-z, 0-9, _ and - (not a path)',
    );
    expect(() => checkBackupDir('/b', { manifestText: text, sizes: { [ELASTICSEARCH_ARCHIVE]: 2048 } })).toThrow(
      `--from /b: ${PROMETHEUS_ARCHIVE} is missing (the manifest lists it)`,
    );
    expect(() => checkBackupDir('/b', { manifestText: text, sizes: { ...complete, [ELASTICSEARCH_ARCHIVE]: 100 } })).toThrow(
      `--from /b: ${ELASTICSEARCH_ARCHIVE} has 100 bytes, the manifest says 2048: the copy is incomplete`,
    );
  });
});

describe('chatops restore: counts', () => {
  it('compares each index of the backup with what was restored, in name order', () => {
    const rows = compareCounts(aManifest(), { 'chatops-reminder-history': 12, 'chatops-webhook-deliveries': 31 });
    expect(rows).toEqual([
      { index: 'chatops-fire-claims', expected: 4, restored: undefined },
      { index: 'chatops-reminder-history', expected: 12, restored: 12 },
      { index: 'chatops-webhook-deliveries', expected: 30, restored: 31 },
    ]);
    expect(everyDocumentBack(rows)).toBe(false);
    expect(everyDocumentBack(rows.slice(1))).toBe(true);
    expect(everyDocumentBack([{ index: 'x', expected: 3, restored: 2 }])).toBe(false);
    expect(formatCounts(rows).split('\n')).toEqual([
      'index                       in backup  restored',
      '--------------------------  ---------  --------  -----------------',
      'chatops-fire-claims         4          missing   MISSING DOCUMENTS',
      'chatops-reminder-history    12         12        ok',
      'chatops-webhook-deliveries  30         31        ok',
    ]);
  });
});

describe('chatops restore: flags, refused before anything is touched', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chatops-restore-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('requires --from, naming it and what to pass', async () => {
    await expect(restoreCommand([])).rejects.toThrow(
      new UsageError('--from is required: the directory `chatops backup` wrote, e.g. --from backups/20261129T005300Z'),
    );
  });

  it('refuses a --from without a manifest, and an unknown flag', async () => {
    await expect(restoreCommand(['--from', dir])).rejects.toThrow(
      new UsageError(`--from ${dir}: no manifest.json; pass a directory \`chatops backup\` wrote (backups/<time>)`),
    );
    await expect(restoreCommand(['--from', path.join(dir, 'missing')])).rejects.toThrow(/no manifest\.json/);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(aManifest()));
    await expect(restoreCommand(['--from', dir])).rejects.toThrow(`${ELASTICSEARCH_ARCHIVE} is missing`);
    await expect(restoreCommand(['--form', dir])).rejects.toThrow(/Unknown option '--form'/);
  });
});
