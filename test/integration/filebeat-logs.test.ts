// Filebeat 7.17 (the controller's build) with the repository's filebeat.yml.j2, and `chatops logs`,
// against a real Elasticsearch: every rendered config passes `filebeat test config` and uses only
// settings 7.17 reads; the `direct` pipeline's own processors turn the app's real log line and an
// HAProxy line into the documents Logstash would write, in the template's daily indices; a real
// Java stack trace from Elasticsearch's log arrives as one event, and so does each real Node crash
// in a replica's stderr file; `chatops logs` finds them by request id, service and level, and says
// so in one line when the cluster is gone.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createLogger } from '../../app/src/logging.ts';
import { describeFailure } from '../../ops/logs.ts';
import { startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';
import { filebeat717Drift, requireFilebeat } from '../support/filebeat.ts';
import { appendNodeCrashes, appendServeRefusal, asEvent } from '../support/node-crashes.ts';
import { freePort, makeTlsDir, renderTemplates, repoRoot, runCommand, startDaemon, waitFor, type Daemon } from '../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';

const run = promisify(execFile);
type Config = Record<string, unknown> & { 'filebeat.inputs': Record<string, unknown>[] };

const HOSTS = ['lb1', 'app2', 'mon1'] as const;
const PIPELINES = ['direct', 'logstash'] as const;
const today = (): string => new Date().toISOString().slice(0, 10).replaceAll('-', '.');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** HAProxy's accept date as its log line writes it (UTC here, as the lab's hosts run): 28/Nov/2026:10:00:00.123 */
const haproxyDate = (d: Date): string =>
  `${String(d.getUTCDate()).padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${d.toISOString().slice(11, 23)}`;
/** The TLS proxy's client credentials, as the vault gives them (elasticsearch_username / _password). */
const ES_USER = 'chatops';
const ES_PASSWORD = 'proxy-password-for-test';
const withPassword: NodeJS.ProcessEnv = { ...process.env, ES_PASSWORD };

let work: string;
let certificates: TestCertificates;
let tlsDir: string;
let es: ElasticsearchServer;
let proxy: Daemon;
/** Elasticsearch behind the role's own TLS proxy (HAProxy), as Filebeat reaches it on the lab. */
let esUrl: string;
let filebeat: string;
const rendered = new Map<string, Config>();
const renderedFile = (host: string, pipeline: string): string => join(work, `filebeat-${host}-${pipeline}.yml`);

beforeAll(async () => {
  filebeat = requireFilebeat();
  work = await mkdtemp(join(tmpdir(), 'chatops-filebeat-'));
  certificates = await createTestCertificates();
  tlsDir = await makeTlsDir(certificates, ['filebeat']);
  const inventory = await readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');
  await renderTemplates(
    inventory,
    { chatops_tls_dir: tlsDir },
    HOSTS.flatMap((host) =>
      PIPELINES.map((pipeline) => ({
        src: 'filebeat/filebeat.yml.j2',
        dest: renderedFile(host, pipeline),
        vars: { filebeat_host: host, logging_pipeline: pipeline, filebeat_data_dir: join(work, 'data'), filebeat_elasticsearch_username: ES_USER },
      })),
    ),
  );
  for (const host of HOSTS)
    for (const pipeline of PIPELINES) rendered.set(`${host}-${pipeline}`, parse(await readFile(renderedFile(host, pipeline), 'utf8')) as Config);
  es = await startElasticsearch({ settings: { 'cluster.name': 'chatops-test' } });
  await run('python3', [join(repoRoot, 'elasticsearch/log_retention.py'), 'setup', '--url', es.url, '--days', '14']);
  const pem = join(work, 'elasticsearch.pem');
  await writeFile(pem, `${certificates.cert}${certificates.key}`, { mode: 0o600 });
  const proxyPort = await freePort();
  const role = join(repoRoot, 'ansible/roles/elasticsearch');
  const roleVars = {
    ...(parse(await readFile(join(role, 'defaults/main.yml'), 'utf8')) as object),
    ...(parse(await readFile(join(role, 'vars/main.yml'), 'utf8')) as object),
  };
  await renderTemplates(
    inventory,
    {
      ...roleVars,
      ansible_managed: 'test',
      elasticsearch_port: proxyPort,
      elasticsearch_internal_port: es.httpPort,
      elasticsearch_tls_proxy_pem: pem,
      elasticsearch_username: ES_USER,
      elasticsearch_password: ES_PASSWORD,
      chatops_bcrypt_salt: 'AbCdEfGhIjKlMnOpQrStUv',
    },
    [
      {
        src: join(role, 'templates/tls-proxy.cfg.j2'),
        dest: join(work, 'elasticsearch-tls.cfg'),
        vars: { inventory_hostname: 'mon1', ansible_host: '127.0.0.1' },
      },
    ],
  );
  proxy = startDaemon('haproxy', ['-f', join(work, 'elasticsearch-tls.cfg')]);
  esUrl = `https://127.0.0.1:${proxyPort}`;
  await waitFor(
    'the TLS proxy',
    async () =>
      (await runCommand('curl', ['-sf', '--cacert', certificates.caFile, '-u', `${ES_USER}:${ES_PASSWORD}`, `${esUrl}/`])).code === 0 ? true : undefined,
    20_000,
  );
});

afterAll(async () => {
  await proxy?.stop();
  await es?.destroy();
  await certificates?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

const input = (config: Config, id: string): Record<string, unknown> => {
  const found = config['filebeat.inputs'].find((i) => i.id === id);
  if (!found) throw new Error(`no input ${id} in ${JSON.stringify(config['filebeat.inputs'].map((i) => i.id))}`);
  return found;
};

/**
 * Runs the real Filebeat over `lines` with one rendered input's processors (or parsers, for a
 * file input) and the rendered global processors and index routing, writing to the test cluster,
 * until `expected` documents of `dataset` are searchable (filestream has no run-once mode).
 */
async function ship(
  config: Config,
  inputId: string,
  lines: string[],
  dataset: string,
  expected: number,
  query: Record<string, unknown> = { term: { 'event.dataset': dataset } },
): Promise<void> {
  const rendered = input(config, inputId);
  const dir = await mkdtemp(join(work, `ship-${inputId}-`));
  const source = join(dir, 'input.log');
  await writeFile(source, `${lines.join('\n')}\n`);
  const output = config['output.elasticsearch'] as Record<string, unknown>;
  const replay = {
    // The journald entries' MESSAGE as a file: same processors, same routing.
    'filebeat.inputs': [
      {
        type: 'filestream',
        id: inputId,
        paths: [source],
        ...(rendered.parsers ? { parsers: rendered.parsers } : {}),
        ...(rendered.exclude_lines ? { exclude_lines: rendered.exclude_lines } : {}),
        ...(rendered.processors ? { processors: rendered.processors } : {}),
      },
    ],
    processors: config.processors,
    'output.elasticsearch': { ...output, hosts: [esUrl] },
    'setup.template.enabled': false,
    'setup.template.name': config['setup.template.name'],
    'setup.template.pattern': config['setup.template.pattern'],
    'setup.ilm.enabled': false,
    'logging.level': 'warning',
  };
  await writeFile(join(dir, 'filebeat.yml'), stringify(replay), { mode: 0o600 });
  // ${ES_PASSWORD} resolves from the environment here (the role puts it into Filebeat's keystore).
  const child = spawn(filebeat, ['-e', '-c', join(dir, 'filebeat.yml'), '--path.data', join(dir, 'data'), '--path.home', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: withPassword,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await fetch(`${es.url}/logs-chatops-*/_refresh`, { method: 'POST' });
      if ((await searchAll(query)).length >= expected) break;
      if (Date.now() > deadline) throw new Error(`Filebeat did not index ${expected} ${dataset} documents within 30 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function searchAll(query: Record<string, unknown>): Promise<{ _index: string; _source: Record<string, unknown> }[]> {
  const response = await fetch(`${es.url}/logs-chatops-*/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 100, query }),
  });
  const body = (await response.json()) as { hits: { hits: { _index: string; _source: Record<string, unknown> }[] } };
  return body.hits.hits;
}

/** Lines the app's real logger writes (pino + ECS format). */
async function appLines(write: (logger: ReturnType<typeof createLogger>) => void): Promise<string[]> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ destination, base: { service: { name: 'chatops', node: { name: 'app2-1' } } } });
  write(logger);
  logger.flush();
  await new Promise((r) => setTimeout(r, 50));
  return lines;
}

describe('rendered filebeat.yml on Filebeat 7.17', () => {
  it('passes `filebeat test config` for every host role and both pipelines', async () => {
    for (const host of HOSTS) {
      for (const pipeline of PIPELINES) {
        const result = await runCommand(filebeat, ['test', 'config', '--path.data', join(work, 'data'), '-c', renderedFile(host, pipeline)], {
          env: withPassword,
        });
        expect(result.code, `${host} ${pipeline}: ${result.stdout}${result.stderr}`).toBe(0);
        expect(result.stdout).toContain('Config OK');
      }
    }
  });

  it('uses only settings 7.17 reads (8.x forms such as include_matches.match would be ignored silently)', () => {
    for (const [name, config] of rendered) expect(filebeat717Drift(config), name).toEqual([]);
    const app = rendered.get('app2-direct');
    expect(input(app as Config, 'chatops-app').include_matches).toEqual([
      '_SYSTEMD_UNIT=chatops@1.service',
      '_SYSTEMD_UNIT=chatops@2.service',
      '_SYSTEMD_UNIT=chatops@3.service',
    ]);
    // The check catches the drift it exists for.
    const eightX = structuredClone(app) as Config;
    const journald = input(eightX, 'chatops-app');
    journald['include_matches.match'] = journald.include_matches;
    delete journald.include_matches;
    expect(filebeat717Drift(eightX)).toEqual([
      'input 0 (journald): "include_matches.match" is not a 7.17 journald setting',
      'input 0 (journald): include_matches must be a list of FIELD=value strings in 7.17',
    ]);
    const journaldParsers = structuredClone(app) as Config;
    input(journaldParsers, 'chatops-app').parsers = [{ multiline: { pattern: '^\\s' } }];
    expect(filebeat717Drift(journaldParsers)).toEqual(['input 0 (journald): "parsers" is not a 7.17 journald setting']);
  });

  it('sends Logstash exactly the log_source values its pipeline routes on', async () => {
    const pipeline = await readFile(join(repoRoot, 'logstash/pipeline/chatops.conf.j2'), 'utf8');
    const routed = [...pipeline.matchAll(/if \[fields\]\[log_source\] == "(\w+)"/g)].map((m) => m[1]);
    const sent = new Set(
      HOSTS.flatMap((host) => (rendered.get(`${host}-logstash`) as Config)['filebeat.inputs'].map((i) => (i.fields as { log_source: string }).log_source)),
    );
    // Every routed value is sent by some host; the rest ("system") falls to the pipeline's else branch.
    expect(routed).toEqual(['app', 'haproxy']);
    expect([...sent].sort()).toEqual(['app', 'haproxy', 'system']);
  });

  it('ships to Elasticsearch over TLS (direct) or to Logstash over mutual TLS, never both', () => {
    const direct = rendered.get('lb1-direct') as Config;
    expect(direct['output.logstash']).toBeUndefined();
    expect(direct['output.elasticsearch']).toMatchObject({
      hosts: ['https://10.77.0.31:9200'],
      'ssl.verification_mode': 'full',
      'ssl.certificate_authorities': [join(tlsDir, 'ca.crt')],
      username: ES_USER,
      // From the keystore, never the password itself in the file.
      password: '${ES_PASSWORD}',
    });
    const viaLogstash = rendered.get('lb1-logstash') as Config;
    expect(viaLogstash['output.elasticsearch']).toBeUndefined();
    expect(viaLogstash['output.logstash']).toMatchObject({ hosts: ['10.77.0.31:5044'], 'ssl.certificate': join(tlsDir, 'filebeat.crt') });
  });
});

describe("the role's TLS proxy in front of a real Elasticsearch", () => {
  const curl = (...args: string[]) => runCommand('curl', ['-sS', '--cacert', certificates.caFile, '-o', '/dev/null', '-w', '%{http_code}', ...args]);

  it('answers 401 with a Basic challenge without credentials or with a wrong password, GET / included', async () => {
    for (const path of ['/', '/_cluster/health', '/logs-chatops-*/_search']) {
      expect((await curl(`${esUrl}${path}`)).stdout, path).toBe('401');
      expect((await curl('-u', `${ES_USER}:wrong-password`, `${esUrl}${path}`)).stdout, path).toBe('401');
      expect((await curl('-u', `nobody:${ES_PASSWORD}`, `${esUrl}${path}`)).stdout, path).toBe('401');
    }
    const challenge = await runCommand('curl', ['-sS', '--cacert', certificates.caFile, '-D', '-', '-o', '/dev/null', `${esUrl}/_cluster/health`]);
    expect(challenge.stdout).toMatch(/^www-authenticate: Basic realm="elasticsearch"\r?$/im);
    expect((await curl('-u', `${ES_USER}:${ES_PASSWORD}`, `${esUrl}/_cluster/health`)).stdout).toBe('200');
  });

  it('keeps only a SHA-512 crypt hash of the password in its configuration', async () => {
    const config = await readFile(join(work, 'elasticsearch-tls.cfg'), 'utf8');
    expect(config).not.toContain(ES_PASSWORD);
    expect(config).toMatch(new RegExp(`^\\s+user ${ES_USER} password \\$6\\$AbCdEfGhIjKlMnOp\\$[./A-Za-z0-9]{86}$`, 'm'));
  });

  it('refuses `chatops logs` without the password', async () => {
    const result = await runCommand(process.execPath, [join(repoRoot, 'bin/chatops.mjs'), 'logs', '--url', esUrl, '--ca', certificates.caFile]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`chatops logs: Elasticsearch at ${esUrl} refused the credentials (401): set --username and ES_PASSWORD`);
  });
});

describe('the direct pipeline into a real Elasticsearch', () => {
  const requestId = '3f0c2a8e-5b7d-4e1a-9c6f-0d2b4a6e8c1f';

  it("decodes the app's ECS line and dissects HAProxy's line into the same request id, in the daily indices", async () => {
    const app = await appLines((logger) => {
      logger.info(
        { http: { request: { method: 'POST', id: requestId }, response: { status_code: 200 } }, url: { path: '/slack/events' } },
        'request completed',
      );
      logger.error({ err: new Error('channel_not_found') }, 'slack post failed');
    });
    await ship(rendered.get('app2-direct') as Config, 'chatops-app', app, 'chatops.app', app.length);
    // 20 hours ago: inside `chatops logs --since 1d` below, and usually on an earlier day than the reading.
    const requestTime = new Date(Math.floor(Date.now() / 1000 - 20 * 3600) * 1000 + 123);
    const haproxyLine = `10.77.0.1:51234 [${haproxyDate(requestTime)}] https~ chatops/app2-1 0/0/1/12/13 200 512 - - ---- 1/1/0/0/0 0/0 {${requestId}} "POST /slack/events HTTP/1.1"`;
    await ship(rendered.get('lb1-direct') as Config, 'haproxy', [haproxyLine], 'haproxy.log', 1);

    const hits = await searchAll({ term: { 'http.request.id': requestId } });
    const byIndex = Object.fromEntries(hits.map((h) => [h._index, h._source]));
    // HAProxy's document goes to the day of its own request date (the line's time, not the reading time).
    const haproxyIndex = `logs-chatops-haproxy-${requestTime.toISOString().slice(0, 10).replaceAll('-', '.')}`;
    expect(Object.keys(byIndex).sort()).toEqual([`logs-chatops-app-${today()}`, haproxyIndex]);
    const appDoc = byIndex[`logs-chatops-app-${today()}`] as { log?: { level?: string }; 'log.level'?: string };
    expect(appDoc).toMatchObject({
      message: 'request completed',
      event: { dataset: 'chatops.app' },
      service: { name: 'chatops' },
      http: { request: { method: 'POST', id: requestId } },
    });
    expect(appDoc.log?.level ?? appDoc['log.level']).toBe('info');
    const haproxyDoc = byIndex[haproxyIndex];
    expect(haproxyDoc).toMatchObject({
      '@timestamp': requestTime.toISOString(),
      event: { dataset: 'haproxy.log' },
      source: { ip: '10.77.0.1', port: 51234 },
      http: { request: { method: 'POST', id: requestId }, response: { status_code: 200, body: { bytes: 512 } }, version: '1.1' },
      url: { original: '/slack/events' },
      haproxy: { frontend_name: 'https~', backend_name: 'chatops', server_name: 'app2-1', termination_state: '----' },
    });
    // What Logstash removes too: no routing field, no Filebeat bookkeeping.
    for (const doc of [appDoc, haproxyDoc]) for (const gone of ['fields', 'agent', 'input']) expect(doc).not.toHaveProperty(gone);
    const mapping = (await (await fetch(`${es.url}/${haproxyIndex}/_mapping/field/http.response.status_code,source.ip,http.request.id`)).json()) as object;
    expect(JSON.stringify(mapping)).toContain('"status_code":{"type":"long"}');
    expect(JSON.stringify(mapping)).toContain('"ip":{"type":"ip"}');
    expect(JSON.stringify(mapping)).toContain('"id":{"type":"keyword"}');
  });

  it("keeps a real Java stack trace from Elasticsearch's log as one event", async () => {
    // Elasticsearch logs the trace of a rejected request at DEBUG on rest.suppressed.
    const settings = await fetch(`${es.url}/_cluster/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transient: { 'logger.rest.suppressed': 'DEBUG' } }),
    });
    expect(settings.status).toBe(200);
    const bad = await fetch(`${es.url}/logs-chatops-*/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":{"no_such_query":{}}}',
    });
    expect(bad.status).toBe(400);
    await fetch(`${es.url}/_cluster/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transient: { 'logger.rest.suppressed': null } }),
    });
    const logFile = join(es.workDir, 'logs', 'chatops-test.log');
    const log = await readFile(logFile, 'utf8').catch(async () => {
      const { stdout } = await run('bash', ['-c', `ls ${join(es.workDir, 'logs')}`]);
      throw new Error(`no ${logFile}; the log folder holds: ${stdout}`);
    });
    const lines = log.split('\n').filter(Boolean);
    const isStart = (l: string): boolean => /^\[\d{4}-\d{2}-\d{2}T/.test(l);
    const mention = lines.findIndex((l) => l.includes('no_such_query'));
    expect(mention, 'the rejected request is in the log').toBeGreaterThanOrEqual(0);
    // From the entry whose trace mentions it: its first line starts with the date.
    const traceStart = lines.slice(0, mention + 1).findLastIndex(isStart);
    const events = lines.slice(traceStart);
    const continuation = events.filter((l) => !isStart(l)).length;
    expect(continuation, 'the trace spans several lines').toBeGreaterThan(3);

    const starts = events.filter(isStart).length;
    await ship(rendered.get('mon1-direct') as Config, 'elasticsearch', events, 'elasticsearch.server', starts);
    // A moment more: one event per trace line would have arrived by now too.
    await new Promise((r) => setTimeout(r, 2_000));
    await fetch(`${es.url}/logs-chatops-*/_refresh`, { method: 'POST' });
    const docs = await searchAll({ term: { 'event.dataset': 'elasticsearch.server' } });
    expect(docs).toHaveLength(starts);
    const trace = docs.find((d) => String(d._source.message).includes('no_such_query'));
    expect(String(trace?._source.message)).toMatch(/\n\s+at org\.elasticsearch\./);
  });
});

/** `chatops logs` as a user runs it, with the test cluster's user; the password comes from the environment. */
const logsArgs = (...args: string[]): string[] => [join(repoRoot, 'bin/chatops.mjs'), 'logs', '--username', ES_USER, ...args];

describe('npx chatops logs against the same cluster', () => {
  const chatops = (...args: string[]) => runCommand(process.execPath, logsArgs(...args), { env: withPassword });

  it('finds both lines of one request by its id, as JSON for scripts', async () => {
    const result = await chatops(
      '--url',
      esUrl,
      '--ca',
      certificates.caFile,
      '--since',
      '1d',
      '--request-id',
      '3f0c2a8e-5b7d-4e1a-9c6f-0d2b4a6e8c1f',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(records.map((r) => r.service).sort()).toEqual(['chatops', 'haproxy.log']);
    expect(records.every((r) => r.requestId === '3f0c2a8e-5b7d-4e1a-9c6f-0d2b4a6e8c1f')).toBe(true);
    expect(records.find((r) => r.service === 'chatops')).toMatchObject({ level: 'info', message: 'request completed' });
  });

  it('filters by service and level, plain text when piped', async () => {
    const errorsOnly = await chatops('--url', esUrl, '--ca', certificates.caFile, '--since', '1d', '--service', 'chatops', '--level', 'error');
    expect(errorsOnly.code, errorsOnly.stderr).toBe(0);
    const lines = errorsOnly.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\S+ +\S+ +chatops +ERROR slack post failed$/);
    expect(errorsOnly.stdout).not.toContain('\x1b[');
    const haproxy = await chatops('--url', esUrl, '--ca', certificates.caFile, '--since', '1d', '--service', 'haproxy', '--grep', 'POST /slack/events');
    expect(haproxy.stdout.trim().split('\n')).toHaveLength(1);
    expect(haproxy.stdout).toContain('[3f0c2a8e-5b7d-4e1a-9c6f-0d2b4a6e8c1f]');
  });

  it('follows: prints an entry that arrives after it started, and stops cleanly on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      logsArgs('--url', esUrl, '--ca', certificates.caFile, '--since', '1d', '--service', 'chatops', '--follow', '--json'),
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: withPassword },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor('the first page', async () => (stdout.includes('slack post failed') ? true : undefined), 20_000);
      const late = {
        '@timestamp': new Date().toISOString(),
        'log.level': 'warn',
        message: 'arrived while following',
        service: { name: 'chatops' },
        event: { dataset: 'chatops.app' },
        host: { name: 'app1' },
      };
      const indexed = await fetch(`${es.url}/logs-chatops-app-${today()}/_doc?refresh=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(late),
      });
      expect(indexed.status).toBe(201);
      await waitFor('the late entry', async () => (stdout.includes('arrived while following') ? true : undefined), 15_000);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    const late = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
      .filter((r) => r.message === 'arrived while following');
    expect(late).toEqual([{ time: expect.any(String), host: 'app1', service: 'chatops', level: 'warn', message: 'arrived while following' }]);
  });

  it('says in one line when Elasticsearch cannot be reached or rejects a query', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await chatops('--url', closed);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim()).toMatch(new RegExp(`^chatops logs: cannot reach Elasticsearch at ${closed}: .*ECONNREFUSED`));
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    const client = new Client({ node: es.url });
    const rejected = await client.search({ index: 'logs-chatops-*', query: { range: { '@timestamp': { gte: 'not a date' } } } }).catch((e: unknown) => e);
    await client.close();
    expect(describeFailure(rejected, es.url)).toMatch(new RegExp(`^Elasticsearch at ${es.url} rejected the query \\(400\\): .*not a date`));
  });
});

describe("what Node itself writes to a replica's stderr file, into the same Elasticsearch", () => {
  it('keeps each real crash (a throw at module load, a heap out of memory), a warning and each refused start as one event with all its lines', async () => {
    const app = rendered.get('app2-direct') as Config;
    const dir = await mkdtemp(join(work, 'crashes-'));
    const file = join(dir, 'replica-1.stderr.log');
    const marker = `crash${Date.now().toString(36)}`;
    const written = await appendNodeCrashes(dir, file, marker);
    // A replica whose configuration is refused is restarted by its unit: the same lines again.
    const refusal = await appendServeRefusal(dir, file);
    expect(await appendServeRefusal(dir, file)).toBe(refusal);
    const lines = (await readFile(file, 'utf8')).replace(/\n$/, '').split('\n');
    expect(lines.length, 'the five spread over many lines').toBeGreaterThan(30);
    const fromStderr = {
      bool: { filter: [{ term: { 'service.name': 'chatops' } }, { terms: { 'log.level': ['fatal', 'warn'] } }, { exists: { field: 'log.offset' } }] },
    };
    // A fatal error has no last line of its own: it is sent after the parser's quiet time.
    await ship(app, 'chatops-app-stderr', lines, 'chatops.app', 5, fromStderr);
    const docs = (await searchAll(fromStderr)).map((d) => ({ index: d._index, ...d._source }) as Record<string, unknown>);
    const byText = new Map(docs.map((d) => [String(d.message), d]));
    expect(docs.map((d) => String(d.message)).sort()).toEqual(
      [asEvent(written.uncaught), asEvent(written.outOfMemory), asEvent(written.warning), asEvent(refusal), asEvent(refusal)].sort(),
    );
    const uncaught = byText.get(asEvent(written.uncaught));
    expect(String(uncaught?.message)).toMatch(
      new RegExp(`^file://\\S+replica-config\\.mjs:2\\n[\\s\\S]*\\nError: ${marker}: no port\\n {4}at [\\s\\S]*\\nNode\\.js v\\d+\\.\\d+\\.\\d+$`),
    );
    const oom = byText.get(asEvent(written.outOfMemory));
    expect(String(oom?.message)).toMatch(
      /^<--- Last few GCs --->\n[\s\S]*\nFATAL ERROR: [^\n]*JavaScript heap out of memory\n----- Native stack trace -----\n[\s\S]*\n {0,2}\d+: 0x[0-9a-f]+ /,
    );
    for (const doc of [uncaught, oom])
      expect(doc).toMatchObject({
        index: `logs-chatops-app-${today()}`,
        service: { name: 'chatops' },
        log: { level: 'fatal', flags: ['multiline'] },
        event: { dataset: 'chatops.app' },
      });
    expect(byText.get(asEvent(written.warning))).toMatchObject({ log: { level: 'warn' }, service: { name: 'chatops' } });
    expect(byText.get(asEvent(refusal))).toMatchObject({ log: { level: 'fatal', flags: ['multiline'] }, event: { dataset: 'chatops.app' } });
  });

  it('lists the crashes and refused starts under `chatops logs --service chatops --level error`, each whole', async () => {
    const result = await runCommand(
      process.execPath,
      logsArgs('--url', esUrl, '--ca', certificates.caFile, '--since', '1d', '--service', 'chatops', '--level', 'error', '--json'),
      { env: withPassword },
    );
    expect(result.code, result.stderr).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    const fatal = records.filter((r) => r.level === 'fatal');
    expect(fatal.map((r) => String(r.message).split('\n')[0]).sort()).toEqual([
      '<--- Last few GCs --->',
      expect.stringMatching(/^chatops: \d+ problems in the configuration:$/),
      expect.stringMatching(/^chatops: \d+ problems in the configuration:$/),
      expect.stringMatching(/^file:\/\/\S+:2$/),
    ]);
    // The app's own error line is there too; the warning is below the level.
    expect(records.map((r) => r.message)).toContain('slack post failed');
    expect(records.some((r) => r.level === 'warn')).toBe(false);
  });
});
