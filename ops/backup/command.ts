// `npx chatops backup` and `npx chatops restore`: the flags, where Elasticsearch and Prometheus
// are (the inventory's first logging and monitoring hosts, like `chatops logs`), and the report.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { parseFlags, requireFlag, UsageError } from '../../app/src/cli/flags.ts';
import { commonVar, hostsInGroup, readInventory, type Inventory } from '../inventory.ts';
import { err, log, out, table } from '../log.ts';
import { describeFailure, resolveTarget, type Target } from '../logs.ts';
import { DEFAULT_CERTS_DIR, LAB_DIR, LAB_INVENTORY, REPO_ROOT } from '../paths.ts';
import { ansibleCopier } from './ansible-copier.ts';
import { defaultBackupDir, everyDocumentBack, type CountRow } from './manifest.ts';
import type { PrometheusTarget } from './prometheus.ts';
import { readBackupDir, runBackup, runRestore, type RestoreParts } from './run.ts';

const COMMON_FLAGS = { inventory: { type: 'string' }, ca: { type: 'string' }, url: { type: 'string' } } as const;

/** A lab password the deploy generated into .lab/secrets/ (the password lookup's file), if there. */
function labSecret(name: string): string | undefined {
  try {
    return readFileSync(path.join(LAB_DIR, 'secrets', name), 'utf8')
      .split(' salt=')[0]
      ?.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * --prometheus-url, else the first monitoring host's Prometheus; the web config's basic auth
 * (PROMETHEUS_PASSWORD, else the lab's) and our CA.
 */
export function prometheusTarget(values: { 'prometheus-url'?: string; ca?: string }, inventory: Inventory, fromLab: boolean): PrometheusTarget {
  const host = hostsInGroup(inventory, 'monitoring')[0];
  if (!host) throw new UsageError(`--inventory: no host in the "monitoring" group, so no Prometheus to back up`);
  const port = typeof host.vars.prometheus_port === 'number' ? host.vars.prometheus_port : 9090;
  const url = values['prometheus-url'] ?? `https://${host.address}:${port}`;
  if (!url.startsWith('https://')) throw new UsageError(`--prometheus-url: "${url}" is not an https URL such as https://10.77.0.31:9090`);
  const username = typeof host.vars.prometheus_web_username === 'string' ? host.vars.prometheus_web_username : 'prometheus';
  const password = process.env.PROMETHEUS_PASSWORD ?? (fromLab ? labSecret('prometheus_web_password') : undefined);
  if (!password) throw new UsageError('set the Prometheus web password in the PROMETHEUS_PASSWORD environment variable (never on the command line)');
  const caFile = values.ca ?? path.join(DEFAULT_CERTS_DIR, 'ca.crt');
  try {
    return { url, auth: { username, password }, ca: readFileSync(caFile, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new UsageError(`--ca: cannot read ${caFile}; run \`npx chatops certs\` or pass the CA that signed Prometheus's certificate`);
  }
}

interface Resolved {
  target: Target;
  client: Client;
  inventory: Inventory;
  inventoryDir: string;
  fromLab: boolean;
}

async function resolve(values: { inventory?: string; ca?: string; url?: string }): Promise<Resolved> {
  const inventoryDir = path.resolve(values.inventory ?? LAB_INVENTORY);
  const inventory = await readInventory(inventoryDir);
  // --url: the inventory's elasticsearch_username still applies (resolveTarget reads it only without a URL).
  const username = commonVar(inventory, 'elasticsearch_username');
  const target = await resolveTarget({
    inventory: inventoryDir,
    ca: values.ca ?? path.join(DEFAULT_CERTS_DIR, 'ca.crt'),
    ...(values.url ? { url: values.url } : {}),
    ...(values.url && typeof username === 'string' && username ? { username } : {}),
  });
  const client = new Client({
    node: target.url,
    maxRetries: 0,
    requestTimeout: 30_000,
    ...(target.ca ? { tls: { ca: target.ca } } : {}),
    ...(target.auth ? { auth: target.auth } : {}),
  });
  return { target, client, inventory, inventoryDir, fromLab: inventoryDir === LAB_INVENTORY };
}

/** Elasticsearch's own failures as one line naming the cluster; ours pass unchanged. */
async function reporting<T>(resolved: Resolved, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && /^(ResponseError|ConnectionError|TimeoutError)$/.test(error.name))
      throw new Error(describeFailure(error, resolved.target.url));
    throw error;
  } finally {
    await resolved.client.close();
  }
}

export async function backupCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, { ...COMMON_FLAGS, out: { type: 'string' }, 'index-prefix': { type: 'string' }, 'prometheus-url': { type: 'string' } });
  const now = new Date();
  const dir = path.resolve(values.out ?? defaultBackupDir(REPO_ROOT, now));
  const resolved = await resolve(values);
  const configured = commonVar(resolved.inventory, 'chatops_elasticsearch_index_prefix');
  const indexPrefix = values['index-prefix'] ?? (typeof configured === 'string' ? configured : 'chatops');
  const prometheus = prometheusTarget(values, resolved.inventory, resolved.fromLab);
  const manifest = await reporting(resolved, () =>
    runBackup({ elasticsearch: resolved.client, prometheus, copier: ansibleCopier(resolved.inventoryDir), indexPrefix, progress: log }, dir, now),
  );
  const rows = Object.entries(manifest.elasticsearch.documents).map(([index, n]) => [index, String(n)]);
  out(table(['index', 'documents'], rows));
  log(`backup: ${dir} (snapshot ${manifest.elasticsearch.snapshot}, TSDB snapshot ${manifest.prometheus.snapshot})`);
  return 0;
}

export function formatCounts(rows: readonly CountRow[]): string {
  return table(
    ['index', 'in backup', 'restored', ''],
    rows.map((r) => [
      r.index,
      String(r.expected),
      r.restored === undefined ? 'missing' : String(r.restored),
      r.restored !== undefined && r.restored >= r.expected ? 'ok' : 'MISSING DOCUMENTS',
    ]),
  );
}

export async function restoreCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, { ...COMMON_FLAGS, from: { type: 'string' } });
  const dir = path.resolve(requireFlag(values, 'from', 'the directory `chatops backup` wrote, e.g. --from backups/20261129T005300Z'));
  // Bad input touches nothing: the directory is checked before any host is.
  const manifest = await readBackupDir(dir);
  const resolved = await resolve(values);
  const parts: RestoreParts = { elasticsearch: resolved.client, copier: ansibleCopier(resolved.inventoryDir), progress: log };
  const rows = await reporting(resolved, async () => {
    await resolved.client.info(); // unreachable: fail here, before the copy
    return runRestore(parts, dir, manifest);
  });
  out(formatCounts(rows));
  if (!everyDocumentBack(rows)) {
    err('restore: some indices have fewer documents than the backup');
    return 1;
  }
  log(`restore: ${dir} restored (snapshot ${manifest.elasticsearch.snapshot}, TSDB snapshot ${manifest.prometheus.snapshot})`);
  return 0;
}
