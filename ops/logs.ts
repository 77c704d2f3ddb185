// `npx chatops logs`: the terminal view of what Kibana shows, read from the daily log indices
// Filebeat (or Logstash) writes: time, host, service, level, message and request id, filtered by
// the same fields. Coloured on a terminal, plain when piped, one JSON object per line with --json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, errors } from '@elastic/elasticsearch';
import { parseFlags, positiveInt, UsageError } from '../app/src/cli/flags.ts';
import { commonVar, hostsInGroup, readInventory } from './inventory.ts';
import { out } from './log.ts';
import { DEFAULT_CERTS_DIR, LAB_DIR, LAB_INVENTORY } from './paths.ts';

/** The index pattern of elasticsearch/index-templates/logs-chatops.json. */
export const LOG_INDICES = 'logs-chatops-*';

/** Severity order: --level L shows L and everything more severe. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

/** journald's syslog priorities (0 emerg .. 7 debug) for the levels above. */
const PRIORITY_OF: Record<Level, number> = { trace: 7, debug: 7, info: 6, warn: 4, error: 3, fatal: 2 };
const LEVEL_OF_PRIORITY = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'] as const;

export interface LogFilters {
  service?: string;
  host?: string;
  level?: Level;
  /** start of the window, epoch milliseconds */
  sinceMs: number;
  grep?: string;
  requestId?: string;
}

export interface LogRecord {
  time: string;
  host: string;
  service: string;
  level: string;
  message: string;
  requestId?: string;
}

/** "15m", "2h", "1d", "30s" or an ISO time, relative to `now`. */
export function parseSince(value: string, now: number = Date.now()): number {
  const relative = /^(\d+)(s|m|h|d)$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(relative[1]) * unit;
  }
  const absolute = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(absolute)) throw new UsageError(`--since: "${value}" is not a duration like 30s, 15m, 2h, 1d or an ISO time like 2026-11-28T10:00:00Z`);
  return absolute;
}

export function parseLevel(value: string | undefined): Level | undefined {
  if (value === undefined) return undefined;
  const level = value.toLowerCase() === 'warning' ? 'warn' : value.toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level)) throw new UsageError(`--level: "${value}" is not one of ${LEVELS.join(', ')}`);
  return level as Level;
}

/** The Elasticsearch query for the filters: every filter narrows, none scores. */
export function buildQuery(filters: LogFilters): Record<string, unknown> {
  const filter: Record<string, unknown>[] = [{ range: { '@timestamp': { gte: new Date(filters.sinceMs).toISOString() } } }];
  if (filters.service) {
    const s = filters.service;
    // The app names itself (service.name), journald entries carry their unit, HAProxy's lines their dataset.
    filter.push({
      bool: {
        should: [
          { term: { 'service.name': s } },
          { term: { 'systemd.unit': s } },
          { term: { 'systemd.unit': `${s}.service` } },
          { prefix: { 'systemd.unit': `${s}@` } },
          { term: { 'event.dataset': s } },
          { prefix: { 'event.dataset': `${s}.` } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  if (filters.host) {
    filter.push({ bool: { should: [{ term: { 'host.name': filters.host } }, { term: { 'host.hostname': filters.host } }], minimum_should_match: 1 } });
  }
  if (filters.level) {
    const levels = LEVELS.slice(LEVELS.indexOf(filters.level));
    filter.push({
      bool: {
        should: [{ terms: { 'log.level': levels } }, { range: { 'syslog.priority': { lte: PRIORITY_OF[filters.level] } } }],
        minimum_should_match: 1,
      },
    });
  }
  if (filters.grep) filter.push({ match_phrase: { message: filters.grep } });
  if (filters.requestId) filter.push({ term: { 'http.request.id': filters.requestId } });
  return { bool: { filter } };
}

function pick(source: Record<string, unknown>, dotted: string): unknown {
  // Documents hold both nested objects and dotted keys (ECS loggers write "log.level").
  if (dotted in source) return source[dotted];
  const dot = dotted.indexOf('.');
  if (dot < 0) return undefined;
  const head = source[dotted.slice(0, dot)];
  return head !== null && typeof head === 'object' ? pick(head as Record<string, unknown>, dotted.slice(dot + 1)) : undefined;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : undefined;

/** One search hit as the terminal shows it. */
export function toRecord(source: Record<string, unknown>): LogRecord {
  const priority = Number(pick(source, 'syslog.priority'));
  const unit = text(pick(source, 'systemd.unit'));
  const level = text(pick(source, 'log.level')) ?? (Number.isInteger(priority) ? LEVEL_OF_PRIORITY[priority] : undefined) ?? '-';
  const requestId = text(pick(source, 'http.request.id'));
  return {
    time: text(pick(source, '@timestamp')) ?? '-',
    host: text(pick(source, 'host.name')) ?? text(pick(source, 'host.hostname')) ?? '-',
    service: text(pick(source, 'service.name')) ?? unit?.replace(/\.service$/, '') ?? text(pick(source, 'event.dataset')) ?? '-',
    level,
    message: text(pick(source, 'message')) ?? '',
    ...(requestId ? { requestId } : {}),
  };
}

const COLOURS: Record<string, string> = { fatal: '\x1b[1;31m', error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[32m', debug: '\x1b[2m', trace: '\x1b[2m' };

/** One line per record: aligned fields, the level coloured on a terminal. */
export function formatRecord(record: LogRecord, colour: boolean): string {
  const level = record.level.toUpperCase().padEnd(5);
  const shown = colour ? `${COLOURS[record.level] ?? ''}${level}\x1b[0m` : level;
  const id = record.requestId ? (colour ? ` \x1b[2m[${record.requestId}]\x1b[0m` : ` [${record.requestId}]`) : '';
  const time = colour ? `\x1b[2m${record.time}\x1b[0m` : record.time;
  return `${time} ${record.host.padEnd(6)} ${record.service.padEnd(10)} ${shown} ${record.message}${id}`;
}

/** Elasticsearch's failure as one line the operator can act on. */
export function describeFailure(error: unknown, url: string): string {
  if (error instanceof errors.ResponseError) {
    const body = error.meta.body as { error?: { root_cause?: { reason?: string }[]; reason?: string } } | undefined;
    const reason = body?.error?.root_cause?.[0]?.reason ?? body?.error?.reason ?? error.message;
    if (error.meta.statusCode === 401 || error.meta.statusCode === 403)
      return `Elasticsearch at ${url} refused the credentials (${error.meta.statusCode}): set --username and ES_PASSWORD`;
    return `Elasticsearch at ${url} rejected the query (${error.meta.statusCode ?? '?'}): ${reason}`;
  }
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError) {
    return `cannot reach Elasticsearch at ${url}: ${error.message}; check --url (or the inventory's logging host) and that Elasticsearch runs`;
  }
  return `Elasticsearch at ${url}: ${error instanceof Error ? error.message : String(error)}`;
}

export interface Target {
  url: string;
  /** every node of the cluster when the inventory named them (url is the first); the client moves on when one does not answer */
  nodes?: string[];
  ca?: string;
  auth?: { username: string; password: string };
}

/**
 * Basic auth: --username (else the inventory's elasticsearch_username) with ES_PASSWORD, else, for
 * the lab, the password the deploy generated into .lab/secrets/. Never a password on the command line.
 */
export function resolveAuth(username: string | undefined, fromLab: boolean): Target['auth'] {
  if (!username) return undefined;
  let password = process.env.ES_PASSWORD;
  if (!password && fromLab) {
    try {
      password = readFileSync(path.join(LAB_DIR, 'secrets', 'elasticsearch_password'), 'utf8')
        .split(' salt=')[0]
        ?.trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  if (!password) throw new UsageError(`--username ${username}: set the password in the ES_PASSWORD environment variable (never on the command line)`);
  return { username, password };
}

/** --url, else every logging host of the inventory on its Elasticsearch port (the first as `url`). */
export async function resolveTarget(values: { url?: string; inventory?: string; ca?: string; username?: string }): Promise<Target> {
  const caFile = values.ca ?? path.join(DEFAULT_CERTS_DIR, 'ca.crt');
  let url = values.url;
  let nodes: string[] | undefined;
  let username = values.username;
  const fromLab = !values.url && path.resolve(values.inventory ?? LAB_INVENTORY) === LAB_INVENTORY;
  if (!url) {
    const inventory = await readInventory(values.inventory ?? LAB_INVENTORY);
    const hosts = hostsInGroup(inventory, 'logging');
    if (hosts.length === 0) throw new UsageError(`--inventory: no host in the "logging" group; pass --url https://HOST:9200 instead`);
    nodes = hosts.map((host) => `https://${String(host.vars.ansible_host ?? host.name)}:${String(host.vars.elasticsearch_port ?? 9200)}`);
    url = nodes[0] as string;
    const configured = commonVar(inventory, 'elasticsearch_username');
    username ??= typeof configured === 'string' && configured.length > 0 ? configured : undefined;
  }
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--url: "${url}" is not an http(s) URL such as https://10.77.0.31:9200`);
  const auth = resolveAuth(username, fromLab);
  const options = { ...(auth ? { auth } : {}), ...(nodes && nodes.length > 1 ? { nodes } : {}) };
  if (!url.startsWith('https://')) return { url, ...options };
  try {
    return { url, ca: readFileSync(caFile, 'utf8'), ...options };
  } catch {
    throw new UsageError(`--ca: cannot read ${caFile}; run \`npx chatops certs\` or pass the CA that signed Elasticsearch's certificate`);
  }
}

interface Hit {
  _id: string;
  _source: Record<string, unknown>;
  sort?: unknown[];
}

async function search(client: Client, filters: LogFilters, size: number, order: 'asc' | 'desc'): Promise<Hit[]> {
  const response = await client.search({
    index: LOG_INDICES,
    ignore_unavailable: true,
    allow_no_indices: true,
    size,
    query: buildQuery(filters),
    sort: [{ '@timestamp': { order } }],
  });
  return response.hits.hits as Hit[];
}

export async function logsCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, {
    service: { type: 'string' },
    host: { type: 'string' },
    level: { type: 'string' },
    since: { type: 'string', default: '15m' },
    grep: { type: 'string' },
    'request-id': { type: 'string' },
    follow: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    limit: { type: 'string' },
    url: { type: 'string' },
    inventory: { type: 'string' },
    ca: { type: 'string' },
    username: { type: 'string' },
  });
  const level = parseLevel(values.level);
  const filters: LogFilters = {
    sinceMs: parseSince(values.since),
    ...(values.service ? { service: values.service } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(level ? { level } : {}),
    ...(values.grep ? { grep: values.grep } : {}),
    ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
  };
  const limit = positiveInt('--limit', values.limit, 200);
  const target = await resolveTarget(values);
  const client = new Client({
    node: target.nodes ?? target.url,
    // With every node listed, one that does not answer is skipped for the next.
    maxRetries: (target.nodes?.length ?? 1) - 1,
    requestTimeout: 10_000,
    ...(target.ca ? { tls: { ca: target.ca } } : {}),
    ...(target.auth ? { auth: target.auth } : {}),
  });
  const colour = !values.json && process.stdout.isTTY === true;
  const print = (hit: Hit): void => {
    const record = toRecord(hit._source);
    out(values.json ? JSON.stringify(record) : formatRecord(record, colour));
  };
  try {
    // The newest `limit` entries, printed oldest first like a log file.
    const hits = (await search(client, filters, limit, 'desc')).reverse();
    hits.forEach(print);
    if (!values.follow) return 0;
    const seen = new Set(hits.map((h) => h._id));
    let since = hits.length > 0 ? Date.parse(String(pick(hits[hits.length - 1]?._source ?? {}, '@timestamp'))) : filters.sinceMs;
    let stopped = false;
    process.once('SIGINT', () => {
      stopped = true;
    });
    while (!stopped) {
      await new Promise((r) => setTimeout(r, 2_000));
      // Entries arrive out of order across hosts: re-read from the last time seen, skip the ids printed.
      const fresh = (await search(client, { ...filters, sinceMs: since }, 1_000, 'asc')).filter((h) => !seen.has(h._id));
      for (const hit of fresh) {
        seen.add(hit._id);
        print(hit);
        since = Math.max(since, Date.parse(String(pick(hit._source, '@timestamp'))) || since);
      }
    }
    return 0;
  } catch (error) {
    // The cluster, not the command line: exit 1 with one line.
    throw new Error(describeFailure(error, target.url));
  } finally {
    await client.close();
  }
}
