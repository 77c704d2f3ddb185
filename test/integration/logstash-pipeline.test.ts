// The `logstash` log path against the `direct` one, without Logstash (not installable here): the
// real Filebeat 7.17 reads the same lines twice, once with the rendered `logstash` pipeline's
// inputs (what the beats input receives) and once with the `direct` pipeline's processors (what
// Elasticsearch receives), both to a file. The Logstash events then go through the rendered
// logstash/pipeline/chatops.conf.j2 filter, run by a small interpreter of exactly its constructs
// (test/support/logstash-filter.ts), and must give the same documents in the same daily indices,
// field by field: the app's JSON lines, what Node writes to a replica's stderr file (real crashes),
// HAProxy's dissected lines and plain journald entries.
// Journald is replaced by a file per input (same fields, processors, routing).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createLogger } from '../../app/src/logging.ts';
import { requireFilebeat } from '../support/filebeat.ts';
import { appendNodeCrashes } from '../support/node-crashes.ts';
import { applyFilter, expandIndex, parseFilter, routeOf, type Event, type Node } from '../support/logstash-filter.ts';
import { renderTemplates, repoRoot, waitFor } from '../support/monitoring.ts';

type Config = Record<string, unknown> & { 'filebeat.inputs': Record<string, unknown>[] };
const HOSTS = ['app2', 'lb1'] as const;
const PIPELINES = ['logstash', 'direct'] as const;
const requestId = '6b1d0c7e-2f4a-4c3b-8e9d-1a2b3c4d5e6f';
const haproxyLine = `10.77.0.1:51234 [28/Nov/2026:10:00:00.123] https~ chatops/app2-1 0/0/1/12/13 200 512 - - ---- 1/1/0/0/0 0/0 {${requestId}} "POST /slack/events HTTP/1.1"`;

let work: string;
let filter: Node[];
let logstashIndex: string;
const configs = new Map<string, Config>();
/** Filebeat's output events by `host-pipeline`, keyed by input file and offset. */
const events = new Map<string, Map<string, Event>>();
/** The lines written for each input id. */
const lines = new Map<string, string[]>();
/** Events an input's lines make when not one per line (its multiline parser joins them). */
const eventsOf = new Map<string, number>();

async function appLines(): Promise<string[]> {
  const written: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ destination, base: { service: { name: 'chatops', node: { name: 'app2-1' } } } });
  logger.info({ http: { request: { method: 'POST', id: requestId }, response: { status_code: 200 } }, url: { path: '/slack/events' } }, 'request completed');
  logger.error({ err: new Error('channel_not_found'), schedule: 'daily' }, 'slack post failed');
  logger.warn({ github: { rate_limit: { remaining: 12 } } }, 'GitHub rate limit low');
  logger.flush();
  await new Promise((r) => setTimeout(r, 50));
  // A line that is not JSON stays as it came on both paths.
  return [...written, 'TypeError: Cannot read properties of undefined (reading "id")'];
}

/** Runs the real Filebeat over each input's lines with the rendered inputs and processors, output to a file. */
async function runFilebeat(name: string, config: Config): Promise<Map<string, Event>> {
  const dir = await mkdtemp(join(work, `${name}-`));
  const inputs = config['filebeat.inputs'].map((input) => {
    const source = join(work, `${String(input.id)}.log`);
    return {
      type: 'filestream',
      id: input.id,
      paths: [source],
      fields: input.fields,
      ...(input.parsers ? { parsers: input.parsers } : {}),
      ...(input.exclude_lines ? { exclude_lines: input.exclude_lines } : {}),
      ...(input.processors ? { processors: input.processors } : {}),
    };
  });
  const expected = config['filebeat.inputs'].reduce((n, input) => n + (eventsOf.get(String(input.id)) ?? lines.get(String(input.id))?.length ?? 0), 0);
  const replay = {
    'filebeat.inputs': inputs,
    processors: config.processors,
    'output.file': { path: join(dir, 'out'), filename: 'events' },
    'logging.level': 'warning',
  };
  await writeFile(join(dir, 'filebeat.yml'), stringify(replay), { mode: 0o600 });
  const child = spawn(requireFilebeat(), ['-e', '-c', join(dir, 'filebeat.yml'), '--path.data', join(dir, 'data'), '--path.home', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    const written = await waitFor(
      `${expected} events from Filebeat (${name})`,
      async () => {
        const text = await readFile(join(dir, 'out/events'), 'utf8').catch(() => '');
        const docs = text.split('\n').filter(Boolean);
        return docs.length >= expected ? docs : undefined;
      },
      30_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${stderr}`);
    });
    return new Map(
      written.map((line) => {
        const event = JSON.parse(line) as Event & { log: { file: { path: string }; offset: number } };
        return [`${event.log.file.path}:${event.log.offset}`, event];
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chatops-logstash-pipeline-'));
  const inventory = await readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');
  await renderTemplates(inventory, { chatops_tls_dir: '/etc/chatops/tls' }, [
    { src: 'logstash/pipeline/chatops.conf.j2', dest: join(work, 'chatops.conf') },
    ...HOSTS.flatMap((host) =>
      PIPELINES.map((pipeline) => ({
        src: 'filebeat/filebeat.yml.j2',
        dest: join(work, `filebeat-${host}-${pipeline}.yml`),
        vars: { filebeat_host: host, logging_pipeline: pipeline },
      })),
    ),
  ]);
  const pipeline = await readFile(join(work, 'chatops.conf'), 'utf8');
  filter = parseFilter(pipeline);
  logstashIndex = /index => "([^"]+)"/.exec(pipeline)?.[1] ?? '';
  for (const host of HOSTS)
    for (const name of PIPELINES) configs.set(`${host}-${name}`, parse(await readFile(join(work, `filebeat-${host}-${name}.yml`), 'utf8')) as Config);

  lines.set('chatops-app', await appLines());
  lines.set('haproxy', [haproxyLine]);
  lines.set('services', ['Started prometheus-node-exporter.service - Prometheus exporter for machine metrics.']);
  // What Node itself writes to a replica's stderr file: two real crashes and a warning, three events.
  const stderrFile = join(work, 'node-stderr.txt');
  await appendNodeCrashes(work, stderrFile, 'crash-for-logstash');
  lines.set('chatops-app-stderr', (await readFile(stderrFile, 'utf8')).replace(/\n$/, '').split('\n'));
  eventsOf.set('chatops-app-stderr', 3);
  for (const [id, written] of lines) await writeFile(join(work, `${id}.log`), `${written.join('\n')}\n`);
  // One at a time: each is a whole Filebeat.
  for (const [name, config] of configs) events.set(name, await runFilebeat(name, config));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A document as Elasticsearch maps it: dotted keys are paths, so `{"log.level": x}` is `{log: {level: x}}`. */
function expandDots(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandDots);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const parts = key.split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    const last = parts[parts.length - 1] as string;
    const expanded = expandDots(child);
    const existing = at[last];
    // A field given twice (dotted and nested) keeps both values, so the difference shows.
    if (existing !== undefined && (typeof existing !== 'object' || typeof expanded !== 'object')) at[last] = [existing, expanded].flat();
    else at[last] = existing === undefined ? expanded : { ...(existing as object), ...(expanded as object) };
  }
  return out;
}

/** Where the `direct` output writes an event: the first `indices` rule whose when.equals matches, else `index`. */
function directIndex(config: Config, doc: Event): string {
  const output = config['output.elasticsearch'] as { index: string; indices: { index: string; 'when.equals': Record<string, string> }[] };
  const dataset = (doc.event as { dataset?: string } | undefined)?.dataset;
  const rule = output.indices.find((r) => Object.entries(r['when.equals']).every(([field, value]) => field === 'event.dataset' && dataset === value));
  const pattern = rule?.index ?? output.index;
  return pattern.replace('%{+yyyy.MM.dd}', String(doc['@timestamp']).slice(0, 10).replaceAll('-', '.'));
}

/** A key of the line itself when the line is a JSON object (the app's ECS lines). */
function ownField(message: string, key: string): unknown {
  try {
    return (JSON.parse(message) as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

const withoutMetadata = (event: Event): Event => Object.fromEntries(Object.entries(event).filter(([key]) => key !== '@metadata'));

/**
 * Every app and system event of both hosts through the Logstash filter, against the same line's
 * direct document: one entry per difference in index or document, empty when they agree.
 */
function compareWithDirect(nodes: Node[]): { compared: number; differences: string[] } {
  const differences: string[] = [];
  let compared = 0;
  for (const host of HOSTS) {
    const viaLogstash = events.get(`${host}-logstash`) as Map<string, Event>;
    const direct = events.get(`${host}-direct`) as Map<string, Event>;
    const config = configs.get(`${host}-direct`) as Config;
    if (!isDeepStrictEqual([...viaLogstash.keys()].sort(), [...direct.keys()].sort())) differences.push(`${host}: the two runs read different lines`);
    for (const [key, received] of viaLogstash) {
      compared++;
      const line = `${key.slice(work.length + 1)}`;
      // Logstash's beats input gives every event its @version.
      const processed = applyFilter(nodes, { ...structuredClone(received), '@version': '1' });
      const index = expandIndex(logstashIndex, processed);
      const expectedIndex = directIndex(config, direct.get(key) as Event);
      if (index !== expectedIndex) differences.push(`${line}: index ${index}, direct ${expectedIndex}`);
      const fromLogstash = expandDots(withoutMetadata(processed)) as Event;
      const fromDirect = expandDots(withoutMetadata(direct.get(key) as Event)) as Event;
      // A line without its own time is stamped when read, and the two runs read at different times.
      if (ownField(String(received.message), '@timestamp') === undefined) {
        for (const doc of [fromLogstash, fromDirect]) {
          if (Number.isNaN(Date.parse(String(doc['@timestamp'])))) differences.push(`${line}: no @timestamp`);
          delete doc['@timestamp'];
        }
      }
      // The app's own ECS version wins over Filebeat's on both paths: one value, not two.
      const own = ownField(String(received.message), 'ecs.version');
      if (own !== undefined && (fromDirect.ecs as { version: unknown }).version !== own) differences.push(`${line}: direct ecs.version is not the app's`);
      if (!isDeepStrictEqual(fromLogstash, fromDirect)) differences.push(`${line} ${JSON.stringify(fromLogstash)} != ${JSON.stringify(fromDirect)}`);
    }
  }
  return { compared, differences };
}

describe('the Logstash pipeline on Filebeat 7.17 output, against the direct pipeline', () => {
  it('reads the rendered filter: routes on fields.log_source, values Filebeat sends', () => {
    const conditional = filter.find((n) => n.kind === 'if');
    expect(conditional?.kind === 'if' && conditional.branches.map((b) => b.when)).toEqual([
      { field: ['fields', 'log_source'], equals: 'app' },
      { field: ['fields', 'log_source'], equals: 'haproxy' },
      undefined,
    ]);
    // Each input's event, as Logstash receives it, takes the branch for its source.
    const routes: Record<string, string[]> = {};
    for (const [name, byKey] of events)
      if (name.endsWith('-logstash'))
        for (const event of byKey.values()) {
          const source = String((event.fields as { log_source: string }).log_source);
          routes[source] = routeOf(filter, event).plugins;
        }
    expect(routes).toEqual({ app: ['json', 'de_dot', 'mutate'], haproxy: ['dissect', 'mutate', 'date', 'mutate'], system: ['mutate'] });
  });

  it('gives the same documents as the direct pipeline for app, HAProxy and system lines, in the same daily indices', () => {
    const { compared, differences } = compareWithDirect(filter);
    expect(differences).toEqual([]);
    // app2: 4 app lines + 3 stderr events (two crashes, a warning) + 1 service line; lb1: 1 HAProxy line + 1 service line.
    expect(compared).toBe(10);
    const haproxy = [...(events.get('lb1-direct') as Map<string, Event>).values()].find((e) => (e.event as { dataset?: string }).dataset === 'haproxy.log');
    // What both paths write for HAProxy's line: the names the app and `chatops logs` use, numbers as numbers.
    expect(haproxy).toMatchObject({
      source: { address: '10.77.0.1', ip: '10.77.0.1', port: 51234 },
      http: { request: { id: requestId, method: 'POST' }, response: { status_code: 200, body: { bytes: 512 } }, version: '1.1' },
      haproxy: { total_time_ms: 13, connection_wait_time_ms: 1, connections: { active: 1, retries: 0 }, backend_queue: 0 },
    });
  });

  it("dissects HAProxy lines with the direct pipeline's own tokenizer", () => {
    const haproxy = (configs.get('lb1-direct') as Config)['filebeat.inputs'].find((i) => i.id === 'haproxy') as { processors: Record<string, unknown>[] };
    const tokenizer = String((haproxy.processors.find((p) => 'dissect' in p)?.dissect as { tokenizer: string }).tokenizer);
    const dissect = filter.flatMap((n) => (n.kind === 'if' ? n.branches.flatMap((b) => b.body) : [n])).find((n) => n.kind === 'plugin' && n.name === 'dissect');
    const mapping = dissect?.kind === 'plugin' ? (dissect.settings.find(([k]) => k === 'mapping')?.[1] as Record<string, string>).message : '';
    expect(mapping).toBe(tokenizer.replace(/%\{([\w.]+)\}/g, (_, key: string) => `%{[${key.split('.').join('][')}]}`));
  });

  it('sees a pipeline that routes or labels differently', async () => {
    const pipeline = await readFile(join(work, 'chatops.conf'), 'utf8');
    const misrouted = compareWithDirect(parseFilter(pipeline.replace('[fields][log_source] == "app"', '[fields][source] == "app"')));
    // Each of the 4 app lines lands in the system index, undecoded.
    expect(misrouted.differences.filter((d) => d.startsWith('chatops-app.log'))).toHaveLength(8);
    expect(misrouted.differences[0]).toMatch(/index logs-chatops-system-\S+, direct logs-chatops-app-/);
    const relabelled = compareWithDirect(parseFilter(pipeline.replace('"[event][dataset]" => "system.journal"', '"[event][dataset]" => "journal"')));
    expect(relabelled.differences).toEqual([expect.stringMatching(/services\.log:0 .*"journal"/), expect.stringMatching(/services\.log:0 .*"journal"/)]);
  });

  it('parses the HAProxy date from the same field with the same format in both pipelines', () => {
    const date = filter.flatMap((n) => (n.kind === 'if' ? n.branches.flatMap((b) => b.body) : [n])).find((n) => n.kind === 'plugin' && n.name === 'date');
    const match = date?.kind === 'plugin' ? (date.settings.find(([k]) => k === 'match')?.[1] as string[]) : [];
    const haproxy = (configs.get('lb1-direct') as Config)['filebeat.inputs'].find((i) => i.id === 'haproxy') as { processors: Record<string, unknown>[] };
    const timestamp = haproxy.processors.find((p) => 'timestamp' in p)?.timestamp as { field: string; layouts: string[] };
    expect(match[0]).toBe(`[${timestamp.field.split('.').join('][')}]`);
    // Joda (Logstash) and Go (Filebeat) spellings of one layout.
    const joda: Record<string, string> = { dd: '02', MMM: 'Jan', yyyy: '2006', HH: '15', mm: '04', ss: '05', SSS: '000' };
    expect(String(match[1]).replace(/dd|MMM|yyyy|HH|mm|ss|SSS/g, (t) => joda[t] as string)).toBe(timestamp.layouts[0]);
    // And the direct document carries the line's own time, read as UTC.
    const doc = [...(events.get('lb1-direct') as Map<string, Event>).values()].find((e) => (e.event as { dataset?: string }).dataset === 'haproxy.log');
    expect(doc?.['@timestamp']).toBe('2026-11-28T10:00:00.123Z');
  });

  it('sees each way the HAProxy and app branches drifted from the direct documents before', async () => {
    const pipeline = await readFile(join(work, 'chatops.conf'), 'utf8');
    const haproxyDiffers = (changed: string): string[] => compareWithDirect(parseFilter(changed)).differences.filter((d) => d.startsWith('haproxy.log'));
    // The request id as grok's captured_headers, the bytes as source.bytes, no source.ip, timings as strings.
    expect(haproxyDiffers(pipeline.replace('{%{[http][request][id]}}', '{%{[haproxy][http][request][captured_headers]}}'))).toHaveLength(1);
    expect(haproxyDiffers(pipeline.replace('%{[http][response][body][bytes]} ', '%{[source][bytes]} '))).toHaveLength(1);
    expect(haproxyDiffers(pipeline.replace('copy => { "[source][address]" => "[source][ip]" }', 'copy => { }'))).toHaveLength(1);
    expect(haproxyDiffers(pipeline.replace('"[haproxy][total_time_ms]" => "int"', ''))).toEqual([expect.stringContaining('"total_time_ms":"13"')]);
    // The date read in the Logstash host's zone instead of UTC.
    expect(() => compareWithDirect(parseFilter(pipeline.replace('timezone => "UTC"', '')))).toThrow("in the Logstash host's zone");
    // Without de_dot the app's "ecs.version" sits beside Filebeat's: two values.
    const appDiffers = compareWithDirect(parseFilter(pipeline.replace(/de_dot \{\s*nested => true\s*\}/, ''))).differences;
    expect(appDiffers.filter((d) => d.startsWith('chatops-app.log')).join('\n')).toContain('"ecs":{"version":[');
    // Logstash's @version left on.
    expect(compareWithDirect(parseFilter(pipeline.replace(', "@version"]', ']'))).differences).toHaveLength(10);
  });

  it('refuses what it does not interpret instead of guessing', () => {
    expect(() => applyFilter(parseFilter('filter { grok { match => { "message" => "%{HAPROXYHTTP}" } } }'), {})).toThrow('filter grok is not interpreted');
    expect(() => parseFilter('filter { if [a] =~ /x/ { mutate { } } }')).toThrow('unsupported condition');
    expect(() => applyFilter(parseFilter('filter { mutate { rename => { "a" => "b" } } }'), {})).toThrow('mutate option "rename" is not interpreted');
    expect(() => applyFilter(parseFilter('filter { mutate { replace => { "a" => "%{b}" } } }'), {})).toThrow('%{} reference');
  });
});
