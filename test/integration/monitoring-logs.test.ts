// The log path's Elasticsearch content against a real Elasticsearch (the integ-test zip: no
// x-pack, so no ILM and the curator path is the one exercised): the index template goes in
// through elasticsearch/log_retention.py, documents shaped as Logstash writes them (the app's
// own ECS line, a dissected HAProxy line as both pipelines write it: logstash-pipeline.test.ts
// derives that document from Filebeat's real output) index without mapping conflicts, the Kibana saved search
// finds the app's errors and nothing else, and the curate job deletes only expired indices.
// Filebeat and Logstash are not installable here: their rendered configs are checked for the
// contract they share with the rest (TLS, sources, index names).
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createLogger } from '../../app/src/logging.ts';
import { startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';
import { freePort, renderTemplates, repoRoot, startDaemon, waitFor } from '../support/monitoring.ts';

const run = promisify(execFile);
const retention = join(repoRoot, 'elasticsearch/log_retention.py');

function indexDate(daysAgo: number): string {
  const day = new Date(Date.now() - daysAgo * 86_400_000);
  return `${day.getUTCFullYear()}.${String(day.getUTCMonth() + 1).padStart(2, '0')}.${String(day.getUTCDate()).padStart(2, '0')}`;
}

/** Lines the app's real logger writes (pino + ECS format), captured in memory. */
async function appLogLines(write: (logger: ReturnType<typeof createLogger>) => void): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ destination, base: { service: { name: 'chatops', node: { name: 'app1-1' } } } });
  write(logger);
  logger.flush();
  await new Promise((r) => setTimeout(r, 50));
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('log content on a real Elasticsearch', () => {
  let es: ElasticsearchServer;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${es.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const retentionTool = (...args: string[]) => run('python3', [retention, ...args, '--url', es.url]);

  beforeAll(async () => {
    es = await startElasticsearch();
  });

  afterAll(async () => {
    await es?.destroy();
  });

  it('puts the index template, and says the curate job handles retention when the cluster has no ILM', async () => {
    const { stdout } = await retentionTool('setup', '--days', '30');
    expect(stdout).toContain('ILM not available on this cluster: the curate job deletes indices older than 30 days');
    expect(stdout).toContain('index template logs-chatops: logs-chatops-*');
    const simulated = await call('POST', `/_index_template/_simulate_index/logs-chatops-app-${indexDate(0)}`);
    expect(simulated.status).toBe(200);
    const template = simulated.json.template as { settings: { index: Record<string, string> }; mappings: { properties: Record<string, { type?: string }> } };
    // One replica once the cluster has a second node; none on a single node, so it stays green.
    expect(template.settings.index.auto_expand_replicas).toBe('0-1');
    expect(template.mappings.properties['@timestamp']?.type).toBe('date');
    // Idempotent: a second setup succeeds and changes nothing visible.
    await retentionTool('setup', '--days', '30');
  });

  it("indexes the app's own ECS lines and a parsed HAProxy line without mapping conflicts", async () => {
    const lines = await appLogLines((logger) => {
      logger.info({ schedule: 'daily', prs: 4 }, 'digest posted');
      logger.error({ err: new Error('channel_not_found'), schedule: 'daily' }, 'slack post failed');
    });
    const appIndex = `logs-chatops-app-${indexDate(0)}`;
    const haproxyIndex = `logs-chatops-haproxy-${indexDate(0)}`;
    // As the pipeline leaves them: the JSON line decoded onto the event, plus event.dataset.
    const bulk = [
      ...lines.flatMap((doc) => [{ index: { _index: appIndex } }, { ...doc, event: { dataset: 'chatops.app' }, host: { name: 'app1' } }]),
      { index: { _index: haproxyIndex } },
      {
        '@timestamp': new Date().toISOString(),
        message:
          '10.77.0.1:51234 [23/Nov/2026:10:00:00.123] https~ chatops/app1-1 0/0/1/12/13 200 512 - - ---- 1/1/0/0/0 0/0 {6b1d0c7e-2f4a-4c3b-8e9d-1a2b3c4d5e6f} "GET /health HTTP/1.1"',
        event: { dataset: 'haproxy.log' },
        source: { address: '10.77.0.1', ip: '10.77.0.1', port: 51234 },
        haproxy: {
          frontend_name: 'https~',
          backend_name: 'chatops',
          server_name: 'app1-1',
          request_date: '23/Nov/2026:10:00:00.123',
          http: { request: { time_wait_ms: 0, time_wait_without_data_ms: 12, captured_cookie: '-' }, response: { captured_cookie: '-' } },
          total_waiting_time_ms: 0,
          connection_wait_time_ms: 1,
          total_time_ms: 13,
          server_queue: 0,
          backend_queue: 0,
          termination_state: '----',
          connections: { active: 1, frontend: 1, backend: 0, server: 0, retries: 0 },
        },
        http: { request: { method: 'GET', id: '6b1d0c7e-2f4a-4c3b-8e9d-1a2b3c4d5e6f' }, response: { status_code: 200, body: { bytes: 512 } }, version: '1.1' },
        url: { original: '/health' },
      },
    ];
    const response = await call('POST', '/_bulk?refresh=true', `${bulk.map((line) => JSON.stringify(line)).join('\n')}\n`);
    expect(response.status).toBe(200);
    expect(response.json.errors, JSON.stringify(response.json)).toBe(false);
    const mapping = await call('GET', `/${appIndex}/_mapping/field/log.level,error.message,http.response.status_code`);
    expect(JSON.stringify(mapping.json)).toContain('"log.level":{"full_name":"log.level","mapping":{"level":{"type":"keyword"}}}');
    const haproxyMapping = await call('GET', `/${haproxyIndex}/_mapping/field/http.response.status_code,source.ip,http.request.id,haproxy.total_time_ms`);
    expect(JSON.stringify(haproxyMapping.json)).toContain('"status_code":{"type":"long"}');
    expect(JSON.stringify(haproxyMapping.json)).toContain('"id":{"type":"keyword"}');
    expect(JSON.stringify(haproxyMapping.json)).toContain('"total_time_ms":{"type":"long"}');
    expect(JSON.stringify(haproxyMapping.json)).toContain('"ip":{"type":"ip"}');
  });

  it("finds exactly the app's error lines with the Kibana saved search", async () => {
    const objects = (await readFile(join(repoRoot, 'elasticsearch/kibana/chatops-saved-objects.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; type: string; attributes: Record<string, unknown>; references: { id: string }[] });
    const dataView = objects.find((o) => o.type === 'index-pattern');
    const search = objects.find((o) => o.type === 'search');
    expect(dataView?.attributes.title).toBe('logs-chatops-*');
    expect(search?.references.map((r) => r.id)).toEqual([dataView?.id]);
    const source = JSON.parse((search?.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as {
      query: { query: string; language: string };
    };
    expect(source.query.language).toBe('lucene');
    const result = await call('POST', `/${String(dataView?.attributes.title)}/_search`, { query: { query_string: { query: source.query.query } } });
    const hits = (result.json.hits as { hits: { _source: { message: string; error?: { message: string } } }[] }).hits;
    expect(hits.map((h) => h._source.message)).toEqual(['slack post failed']);
    expect(hits[0]?._source.error?.message).toBe('channel_not_found');
  });

  it('curates: deletes log indices past retention, keeps recent and unrelated ones; --dry-run deletes nothing', async () => {
    const names = [
      `logs-chatops-app-${indexDate(40)}`,
      `logs-chatops-haproxy-${indexDate(31)}`,
      `logs-chatops-system-${indexDate(29)}`,
      `logs-chatops-app-${indexDate(1)}`,
      'chatops-claims',
      `logs-other-${indexDate(400)}`,
    ];
    for (const name of names) expect((await call('PUT', `/${name}`)).status).toBe(200);
    const dry = await retentionTool('curate', '--days', '30', '--dry-run');
    expect(dry.stdout).toBe(`would delete logs-chatops-app-${indexDate(40)}\nwould delete logs-chatops-haproxy-${indexDate(31)}\n`);
    for (const name of names) expect((await call('HEAD', `/${name}`).catch(() => ({ status: 0 }))).status, name).not.toBe(404);
    const real = await retentionTool('curate', '--days', '30');
    expect(real.stdout).toBe(`deleted logs-chatops-app-${indexDate(40)}\ndeleted logs-chatops-haproxy-${indexDate(31)}\n`);
    const left = await call('GET', '/_cat/indices?format=json&h=index');
    const remaining = (left.json as unknown as { index: string }[]).map((i) => i.index);
    expect(remaining).not.toContain(`logs-chatops-app-${indexDate(40)}`);
    expect(remaining).not.toContain(`logs-chatops-haproxy-${indexDate(31)}`);
    expect(remaining).toEqual(
      expect.arrayContaining([`logs-chatops-system-${indexDate(29)}`, `logs-chatops-app-${indexDate(1)}`, 'chatops-claims', `logs-other-${indexDate(400)}`]),
    );
  });

  it('keeps a single-node cluster green, as the real elasticsearch exporter reports it to the alert rules', async () => {
    // Only the log indices stay: the unrelated ones the curate test made have a replica each.
    for (const name of ['chatops-claims', `logs-other-${indexDate(400)}`]) expect((await call('DELETE', `/${name}`)).status).toBe(200);
    const health = await call('GET', '/_cluster/health?wait_for_status=green&timeout=10s');
    const indices = await call('GET', '/_cat/indices?format=json&h=index,health,rep&expand_wildcards=all');
    expect(health.json.status, JSON.stringify(indices.json)).toBe('green');
    const port = await freePort();
    const exporter = startDaemon('prometheus-elasticsearch-exporter', [`--es.uri=${es.url}`, `--web.listen-address=127.0.0.1:${port}`]);
    try {
      const metrics = await waitFor(
        'exporter metrics',
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/metrics`);
          const text = await response.text();
          return text.includes('elasticsearch_cluster_health_status{') ? text : undefined;
        },
        30_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${exporter.output()}`);
      });
      // The labels ElasticsearchClusterNotGreen/Red select on and print: color and cluster.
      const status = Object.fromEntries(
        [...metrics.matchAll(/^elasticsearch_cluster_health_status\{cluster="([^"]+)",color="(\w+)"\} (\d)/gm)].map((m) => [
          m[2],
          { cluster: m[1], value: m[3] },
        ]),
      );
      expect(status.green?.value, metrics.slice(0, 500)).toBe('1');
      expect(status.red?.value).toBe('0');
      expect(status.green?.cluster).toBeTruthy();
    } finally {
      await exporter.stop();
    }
  });

  it('fails with a message, not a trace, when Elasticsearch is unreachable', async () => {
    const failed = await run('python3', [retention, 'curate', '--url', 'http://127.0.0.1:1']).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/^log_retention curate failed: /);
  });
});

describe('Filebeat, Logstash and retention job configs', () => {
  let work: string;
  const inventory = (): Promise<string> => readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chatops-logs-config-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('ships the app replicas, HAProxy and the services from journald to Logstash over mutual TLS', async () => {
    const vars = { chatops_tls_dir: '/etc/chatops/tls' };
    await renderTemplates(await inventory(), vars, [
      { src: 'filebeat/filebeat.yml.j2', dest: join(work, 'filebeat-app2.yml'), vars: { filebeat_host: 'app2' } },
      { src: 'filebeat/filebeat.yml.j2', dest: join(work, 'filebeat-lb1.yml'), vars: { filebeat_host: 'lb1' } },
    ]);
    type Filebeat = {
      'filebeat.inputs': { type: string; id: string; include_matches: string[]; fields: { log_source: string } }[];
      'output.logstash': Record<string, unknown>;
    };
    const app = parse(await readFile(join(work, 'filebeat-app2.yml'), 'utf8')) as Filebeat;
    // The replicas' stdout from journald; their stderr file (a Node crash, one event each) beside it.
    expect(app['filebeat.inputs'].map((i) => `${i.type}:${i.id}:${i.fields.log_source}`)).toEqual([
      'journald:chatops-app:app',
      'filestream:chatops-app-stderr:app',
      'journald:services:system',
    ]);
    expect(app['filebeat.inputs'][0]?.['include_matches']).toEqual([
      '_SYSTEMD_UNIT=chatops@1.service',
      '_SYSTEMD_UNIT=chatops@2.service',
      '_SYSTEMD_UNIT=chatops@3.service',
    ]);
    expect(app['output.logstash']).toMatchObject({
      hosts: ['10.77.0.31:5044'],
      'ssl.enabled': true,
      'ssl.verification_mode': 'full',
      'ssl.certificate_authorities': ['/etc/chatops/tls/ca.crt'],
      'ssl.certificate': '/etc/chatops/tls/filebeat.crt',
      'ssl.key': '/etc/chatops/tls/filebeat.key',
    });
    const lb = parse(await readFile(join(work, 'filebeat-lb1.yml'), 'utf8')) as Filebeat;
    expect(lb['filebeat.inputs'].map((i) => i.id)).toEqual(['haproxy', 'services']);
    expect(lb['filebeat.inputs'][0]?.['include_matches']).toEqual(['_SYSTEMD_UNIT=haproxy.service']);
  });

  it('runs the curate job daily from a hardened systemd unit that systemd-analyze accepts, password via a credential', async () => {
    await renderTemplates(
      await inventory(),
      { elasticsearch_username: 'logs', elasticsearch_password: 'not-in-the-unit', logs_retention_es_host: '10.77.0.31', logs_retention_days: 21 },
      [{ src: 'elasticsearch/systemd/chatops-log-retention.service.j2', dest: join(work, 'chatops-log-retention.service') }],
    );
    await copyFile(join(repoRoot, 'elasticsearch/systemd/chatops-log-retention.timer'), join(work, 'chatops-log-retention.timer'));
    const unit = await readFile(join(work, 'chatops-log-retention.service'), 'utf8');
    expect(unit).not.toContain('not-in-the-unit');
    expect(unit).toContain(
      'ExecStart=/usr/bin/python3 /usr/local/lib/chatops/log_retention.py curate --url https://10.77.0.31:9200 --ca-file /etc/chatops/tls/ca.crt --days 21 --username logs --password-file %d/es-password\n',
    );
    const verify = await run('systemd-analyze', ['verify', join(work, 'chatops-log-retention.service'), join(work, 'chatops-log-retention.timer')]);
    expect(verify.stderr).toBe('');
  });

  it('decodes app JSON and dissects HAProxy without grok, and writes the indices the template covers over TLS', async () => {
    await renderTemplates(await inventory(), { chatops_tls_dir: '/etc/chatops/tls' }, [
      { src: 'logstash/pipeline/chatops.conf.j2', dest: join(work, 'chatops.conf') },
    ]);
    const pipeline = await readFile(join(work, 'chatops.conf'), 'utf8');
    const appBranch = pipeline.slice(pipeline.indexOf('if [fields][log_source] == "app"'), pipeline.indexOf('} else if [fields][log_source] == "haproxy"'));
    expect(appBranch).toContain('json {');
    expect(appBranch).not.toContain('grok');
    // HAProxy's line: dissected with the direct pipeline's tokenizer (logstash-pipeline.test.ts compares the documents).
    const haproxyBranch = pipeline.slice(pipeline.indexOf('if [fields][log_source] == "haproxy"'), pipeline.indexOf('} else {'));
    expect(haproxyBranch).toContain('dissect {');
    expect(haproxyBranch).toContain('timezone => "UTC"');
    expect(pipeline).not.toContain('grok');
    expect(pipeline).toMatch(/beats \{[^}]*ssl_enabled => true[^}]*ssl_client_authentication => "required"/s);
    expect(pipeline).toContain('hosts => ["https://10.77.0.31:9200"]');
    expect(pipeline).toContain('ssl_certificate_authorities => ["/etc/chatops/tls/ca.crt"]');
    const index = /index => "([^"]+)"/.exec(pipeline)?.[1] ?? '';
    const template = JSON.parse(await readFile(join(repoRoot, 'elasticsearch/index-templates/logs-chatops.json'), 'utf8')) as { index_patterns: string[] };
    const prefix = (template.index_patterns[0] ?? '').replace(/\*$/, '');
    expect(index.startsWith(prefix)).toBe(true);
    expect(index).toBe('logs-chatops-%{[@metadata][log_source]}-%{+YYYY.MM.dd}');
    // Balanced braces: the cheapest syntax check available without Logstash itself.
    const code = pipeline.replace(/"[^"]*"/g, '""').replace(/#.*$/gm, '');
    expect(code.split('{').length).toBe(code.split('}').length);
  });
});
