// What a backup directory holds and says about itself, all pure: the app's index names, the
// snapshot names, manifest.json's schema, the checks `chatops restore` makes before it touches
// anything, and the per-index comparison it prints afterwards.
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../app/src/cli/flags.ts';
import { alertActionIndexName } from '../../app/src/alerts/action-log.ts';
import { alertIndexNames } from '../../app/src/alerts/ledger-elastic.ts';
import { indexNames } from '../../app/src/store/indices.ts';
import { personalSettingsIndex } from '../../app/src/store/personal-settings.ts';

export const MANIFEST_FILE = 'manifest.json';
export const ELASTICSEARCH_ARCHIVE = 'elasticsearch-repository.tar.gz';
export const PROMETHEUS_ARCHIVE = 'prometheus-snapshot.tar.gz';
/** The fs snapshot repository's name, and its folder under the first path.repo. */
export const REPOSITORY = 'chatops-backup';

/** Every index the app writes, for an index prefix (config elasticsearch.indexPrefix). */
export function appIndices(prefix: string): string[] {
  const store = indexNames(prefix);
  const alerts = alertIndexNames(prefix);
  return [
    store.claims,
    store.history,
    store.deliveries,
    store.choices,
    personalSettingsIndex(prefix),
    alerts.notifications,
    alerts.messages,
    alertActionIndexName(prefix),
  ];
}

const stamp = (now: Date): string =>
  now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');

/** Snapshot names must be lowercase: chatops-20261129t005300z. */
export function snapshotName(now: Date): string {
  return `chatops-${stamp(now).toLowerCase()}`;
}

/** backups/<UTC time> under the repository root: one folder per run, sortable. */
export function defaultBackupDir(root: string, now: Date): string {
  return path.join(root, 'backups', stamp(now));
}

/** The archives have fixed names: the copiers read exactly these files. */
const archive = (file: string) => z.object({ file: z.literal(file), bytes: z.number().int().nonnegative() });

export const manifestSchema = z.object({
  format: z.literal(1),
  createdAt: z.iso.datetime(),
  indexPrefix: z.string().min(1),
  elasticsearch: z.object({
    // A folder name under path.repo that restore empties on the host: never a path.
    repository: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a repository name of a-z, 0-9, _ and - (not a path)'),
    snapshot: z.string().min(1),
    /** documents per index at snapshot time; an index the app had not created yet is absent */
    documents: z.record(z.string(), z.number().int().nonnegative()),
    archive: archive(ELASTICSEARCH_ARCHIVE),
  }),
  prometheus: z.object({ snapshot: z.string().min(1), archive: archive(PROMETHEUS_ARCHIVE) }),
});

export type Manifest = z.infer<typeof manifestSchema>;

export interface ManifestInputs {
  now: Date;
  indexPrefix: string;
  snapshot: string;
  documents: Record<string, number>;
  elasticsearchBytes: number;
  prometheusSnapshot: string;
  prometheusBytes: number;
}

export function buildManifest(inputs: ManifestInputs): Manifest {
  return {
    format: 1,
    createdAt: inputs.now.toISOString(),
    indexPrefix: inputs.indexPrefix,
    elasticsearch: {
      repository: REPOSITORY,
      snapshot: inputs.snapshot,
      documents: inputs.documents,
      archive: { file: ELASTICSEARCH_ARCHIVE, bytes: inputs.elasticsearchBytes },
    },
    prometheus: { snapshot: inputs.prometheusSnapshot, archive: { file: PROMETHEUS_ARCHIVE, bytes: inputs.prometheusBytes } },
  };
}

/** What restore needs to know of the backup directory, read by the caller. */
export interface BackupDirListing {
  /** manifest.json's text, undefined when the file is missing */
  manifestText: string | undefined;
  /** sizes of the files present, by name */
  sizes: Record<string, number>;
}

/**
 * The manifest of a backup directory, or a UsageError naming what is wrong: no manifest, a
 * manifest that is not ours, an archive missing or of another size than the manifest says.
 */
export function checkBackupDir(dir: string, listing: BackupDirListing): Manifest {
  const where = `--from ${dir}`;
  if (listing.manifestText === undefined) {
    throw new UsageError(`${where}: no ${MANIFEST_FILE}; pass a directory \`chatops backup\` wrote (backups/<time>)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(listing.manifestText);
  } catch (error) {
    throw new UsageError(`${where}: ${MANIFEST_FILE} is not JSON (${(error as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${where}: ${MANIFEST_FILE} field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const manifest = parsed.data;
  // Restore closes and replaces exactly these indices by name: only the app's own.
  const known = appIndices(manifest.indexPrefix);
  const foreign = Object.keys(manifest.elasticsearch.documents).filter((index) => !known.includes(index));
  if (foreign.length > 0)
    throw new UsageError(`${where}: ${MANIFEST_FILE} lists ${foreign.join(', ')}, not an index of the app (prefix ${manifest.indexPrefix})`);
  for (const { file, bytes } of [manifest.elasticsearch.archive, manifest.prometheus.archive]) {
    const found = listing.sizes[file];
    if (found === undefined) throw new UsageError(`${where}: ${file} is missing (the manifest lists it)`);
    if (found !== bytes) throw new UsageError(`${where}: ${file} has ${found} bytes, the manifest says ${bytes}: the copy is incomplete`);
  }
  return manifest;
}

export interface CountRow {
  index: string;
  expected: number;
  restored: number | undefined;
}

/** Each index of the manifest with its count then and now. */
export function compareCounts(manifest: Manifest, restored: Record<string, number>): CountRow[] {
  return Object.entries(manifest.elasticsearch.documents)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([index, expected]) => ({ index, expected, restored: restored[index] }));
}

/** Every document is back; more is fine (the running app writes claims and deliveries meanwhile). */
export const everyDocumentBack = (rows: readonly CountRow[]): boolean => rows.every((r) => r.restored !== undefined && r.restored >= r.expected);
