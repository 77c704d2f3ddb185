// cAdvisor and Filebeat for real on the lab: cAdvisor (our build on the cAdvisor library) on every
// app host behind TLS and scraped by Prometheus, the containers dashboard's queries answered;
// Filebeat 7.17 on every host shipping straight to Elasticsearch (logging_pipeline: direct), a
// `/prs all` through HAProxy found as HAProxy's line and the app's line under one request id
// within 30 s, by `chatops logs` too, no line lost or sent twice across a Filebeat restart, and a
// real Node crash under the replica unit's conditions found as one event with its whole trace.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../ops/paths.ts';
import { dashboardQueries, substituteVariables } from '../support/dashboards.ts';
import {
  APP_HOSTS,
  chatops,
  closeLabAgent,
  DOMAIN,
  elasticsearchAuth,
  ensureLab,
  frontBalancer,
  LAB_HOSTS,
  labFetch,
  labSecret,
  leaveLab,
  sleep,
  ssh,
  sshInput,
  sshOk,
  unitState,
  waitFor,
  type LabSession,
} from '../support/lab-access.ts';
import { sendSlashCommand } from '../support/lab-replicas.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const ES = `https://mon1.${DOMAIN}:9200`;
let session: LabSession | undefined;

beforeAll(async () => {
  session = await ensureLab(print);
});

afterAll(async () => {
  try {
    await closeLabAgent();
  } finally {
    await leaveLab(session, print);
  }
});

async function promQuery(expr: string): Promise<{ metric: Record<string, string> }[]> {
  const auth = Buffer.from(`prometheus:${labSecret('prometheus_web_password')}`).toString('base64');
  const response = await labFetch(`https://prometheus.${DOMAIN}/api/v1/query?query=${encodeURIComponent(expr)}`, {
    headers: { authorization: `Basic ${auth}` },
  });
  const body = (await response.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string> }[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? response.status}`);
  return body.data?.result ?? [];
}

interface Doc {
  event?: { dataset?: string };
  host?: { name?: string };
  url?: { original?: string };
  message?: string;
  [field: string]: unknown;
}

interface Hit {
  _index: string;
  _source: Doc;
}

async function esSearch(query: Record<string, unknown>, size = 100): Promise<Hit[]> {
  await labFetch(`${ES}/logs-chatops-*/_refresh`, { method: 'POST', headers: elasticsearchAuth() });
  const response = await labFetch(`${ES}/logs-chatops-*/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...elasticsearchAuth() },
    body: JSON.stringify({ size, query }),
  });
  const body = (await response.json()) as { hits?: { hits: Hit[] }; error?: unknown };
  if (!body.hits) throw new Error(`search failed: ${JSON.stringify(body.error)}`);
  return body.hits.hits;
}

describe('cAdvisor on the app hosts', () => {
  it('serves metrics over TLS with basic auth only, and Prometheus scrapes every app host', async () => {
    for (const host of APP_HOSTS) {
      expect(await unitState(host, 'cadvisor')).toBe('active');
      const anonymous = await labFetch(`https://${host}.${DOMAIN}:8080/metrics`);
      expect(anonymous.status).toBe(401);
      const auth = Buffer.from(`exporter:${labSecret('chatops_exporter_password')}`).toString('base64');
      const healthz = await labFetch(`https://${host}.${DOMAIN}:8080/healthz`, { headers: { authorization: `Basic ${auth}` } });
      expect(await healthz.text()).toBe('ok\n');
    }
    const up = await waitFor(
      'both cAdvisor targets up',
      async () => {
        const series = await promQuery('up{job="cadvisor"} == 1');
        return series.length === APP_HOSTS.length ? series : undefined;
      },
      90_000,
      3_000,
    );
    expect(up.map((s) => s.metric.host).sort()).toEqual([...APP_HOSTS]);
  });

  it('answers every query of the containers dashboard (per cgroup where the lab has them, else host level)', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'grafana/dashboards/containers.json'), 'utf8')) as Parameters<typeof dashboardQueries>[0];
    // Two scrapes at least, so rate() has two points.
    await sleep(35_000);
    const report: string[] = [];
    const unanswered: string[] = [];
    for (const query of dashboardQueries(dashboard)) {
      const expr = substituteVariables(query.expr);
      const perCgroup = await promQuery(expr);
      if (perCgroup.length > 0) {
        report.push(`${query.panel}: ${perCgroup.length} series (${[...new Set(perCgroup.map((s) => s.metric.id).filter(Boolean))].slice(0, 3).join(', ')})`);
        continue;
      }
      const hostLevel = await promQuery(expr.replaceAll(', id!="/"', ''));
      if (hostLevel.length > 0) report.push(`${query.panel}: host level only (${hostLevel.length} series, id="/")`);
      else unanswered.push(query.panel);
    }
    print(`containers dashboard on the lab:\n  ${report.join('\n  ')}${unanswered.length ? `\n  no series: ${unanswered.join(', ')}` : ''}`);
    // CFS throttling exists only for cgroups with a CPU quota; the lab's units set none.
    expect(unanswered.filter((p) => p !== 'CPU throttling')).toEqual([]);
  });
});

describe('Filebeat on every host, straight to Elasticsearch', () => {
  it("reaches Elasticsearch only with the TLS proxy's basic auth: none or a wrong password is 401", async () => {
    const anonymous = await labFetch(`${ES}/_cluster/health`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="elasticsearch"');
    // GET / too (Filebeat's version probe): the proxy answers it only after the credentials.
    expect((await labFetch(`${ES}/`)).status).toBe(401);
    const wrong = `Basic ${Buffer.from('chatops:not-the-password').toString('base64')}`;
    expect((await labFetch(`${ES}/_cluster/health`, { headers: { authorization: wrong } })).status).toBe(401);
    expect((await labFetch(`${ES}/_cluster/health`, { headers: elasticsearchAuth() })).status).toBe(200);
    // Every client that talks to it holds the credentials: the app's replicas and Filebeat write, the retention job may run.
    const retention = await ssh('mon1', 'systemctl start chatops-log-retention.service && systemctl show -p Result --value chatops-log-retention.service');
    expect(retention.stdout.trim(), retention.stderr).toBe('success');
  });

  it('runs on every host with its registry on disk', async () => {
    for (const host of LAB_HOSTS) {
      expect(await unitState(host.name, 'filebeat'), host.name).toBe('active');
      await waitFor(
        `${host.name} registry written`,
        async () => ((await ssh(host.name, 'test -s /var/lib/filebeat/registry/filebeat/log.json')).code === 0 ? true : undefined),
        60_000,
        2_000,
      );
    }
  });

  it("finds a /prs all through HAProxy in Elasticsearch within 30 s as HAProxy's line and the app's line with one request id", async () => {
    const balancer = await frontBalancer();
    const started = Date.now();
    const answer = await sendSlashCommand('all', 'U0ALICE');
    expect(answer.status).toBe(200);
    const requestId = answer.requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const hits = await waitFor(
      'both lines of the request in Elasticsearch',
      async () => {
        const found = await esSearch({ term: { 'http.request.id': requestId } });
        const datasets = new Set(found.map((h) => h._source.event?.dataset));
        return datasets.has('haproxy.log') && datasets.has('chatops.app') ? found : undefined;
      },
      30_000,
      1_000,
    );
    print(`request ${requestId}: both lines searchable after ${Date.now() - started} ms`);
    const haproxy = hits.find((h) => h._source.event?.dataset === 'haproxy.log')?._source;
    const app = hits.find((h) => h._source.event?.dataset === 'chatops.app')?._source;
    expect(haproxy).toMatchObject({
      host: { name: balancer },
      http: { request: { method: 'POST' }, response: { status_code: 200 } },
      url: { original: '/slack/events' },
      haproxy: { backend_name: 'chatops' },
    });
    expect(app).toMatchObject({ message: 'request completed', service: { name: 'chatops' }, url: { path: '/slack/events' } });
    expect(['app1', 'app2']).toContain(app?.host?.name);
    expect(hits.find((h) => h._source.event?.dataset === 'chatops.app')?._index).toMatch(/^logs-chatops-app-\d{4}\.\d{2}\.\d{2}$/);

    const cli = await chatops('logs', '--request-id', requestId, '--json', '--since', '10m');
    expect(cli.code, cli.stderr).toBe(0);
    const records = cli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    // HAProxy's line names its journald unit (haproxy.service), the app's line its service.name.
    expect(records.map((r) => r.service).sort()).toEqual(['chatops', 'haproxy']);
    expect(records.map((r) => r.host).sort()).toEqual([app?.host?.name, balancer].sort());
  });

  it('loses no line and sends none twice across `systemctl restart filebeat`', async () => {
    const marker = `fbrestart${Date.now().toString(36)}`;
    const send = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 1) await labFetch(`https://chatops.${DOMAIN}/${marker}/${i}`);
    };
    // Filebeat restarts on the balancer whose HAProxy logs these requests.
    const balancer = await frontBalancer();
    await send(0, 20);
    const restart = sshOk(balancer, 'systemctl restart filebeat');
    await send(20, 40);
    await restart;
    await send(40, 60);
    const started = Date.now();
    let seen: Hit[] = [];
    const lines = await waitFor(
      'all 60 marked HAProxy lines',
      async () => {
        seen = await esSearch({ prefix: { 'url.original': `/${marker}/` } }, 500);
        return seen.length >= 60 ? seen : undefined;
      },
      // Behind whatever backlog the files before left (the e2e file's load writes a HAProxy line per request).
      180_000,
      2_000,
    ).catch(async (error: unknown) => {
      // Lost, or late? What HAProxy wrote to the journal against what Elasticsearch holds.
      const written = await ssh(balancer, `journalctl -u haproxy --since -15min -o cat | grep -c '/${marker}/'`);
      const present = new Set(seen.map((h) => h._source.url?.original));
      const missing = Array.from({ length: 60 }, (_, i) => `/${marker}/${i}`).filter((u) => !present.has(u));
      const filebeat = await ssh(balancer, 'journalctl -u filebeat --since -15min -o cat | grep -v \'"log.level":"info"\' | tail -n 20');
      throw new Error(
        `${String(error)}: ${seen.length} in Elasticsearch, ${written.stdout.trim()} in ${balancer}'s journal; missing ${missing.join(' ')}\n${filebeat.stdout}`,
      );
    });
    print(`filebeat restart on ${balancer}: 60 marked lines searchable ${Date.now() - started} ms after the last request`);
    await sleep(5_000);
    const settled = await esSearch({ prefix: { 'url.original': `/${marker}/` } }, 500);
    const counts = new Map<string, number>();
    for (const hit of settled) counts.set(String(hit._source.url?.original), (counts.get(String(hit._source.url?.original)) ?? 0) + 1);
    expect(lines.length).toBeGreaterThanOrEqual(60);
    expect(counts.size).toBe(60);
    expect(
      [...counts.values()].every((n) => n === 1),
      JSON.stringify([...counts].filter(([, n]) => n !== 1)),
    ).toBe(true);
  });

  it("keeps the lab Elasticsearch's own Java stack trace as one event", async () => {
    // rest.suppressed logs a rejected request's exception with its trace at DEBUG.
    const put = (value: string | null) =>
      labFetch(`${ES}/_cluster/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...elasticsearchAuth() },
        body: JSON.stringify({ transient: { 'logger.rest.suppressed': value } }),
      });
    expect((await put('DEBUG')).status).toBe(200);
    const marker = `no_such_query_${Date.now().toString(36)}`;
    expect(
      (
        await labFetch(`${ES}/logs-chatops-*/_search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...elasticsearchAuth() },
          body: `{"query":{"${marker}":{}}}`,
        })
      ).status,
    ).toBe(400);
    await put(null);
    const trace = await waitFor(
      'the trace in Elasticsearch',
      async () => {
        const found = await esSearch({ bool: { filter: [{ term: { 'event.dataset': 'elasticsearch.server' } }, { match_phrase: { message: marker } }] } });
        return found.length > 0 ? found : undefined;
      },
      30_000,
      1_000,
    );
    expect(trace).toHaveLength(1);
    expect(String(trace[0]?._source.message)).toMatch(/\n\s+at org\.elasticsearch\./);
  });

  it("keeps a real Node crash on an app host, under the replica unit's own conditions, as one event each with the whole trace", async () => {
    // An extra instance of the installed chatops@ unit (same user, confinement and stderr file under
    // /var/log/chatops), its command swapped by a drop-in in /run: a throw, then the heap running out.
    const host = 'app2';
    const instance = `crashcheck${Date.now().toString(36)}`;
    const unit = `chatops@${instance}.service`;
    const file = `/var/log/chatops/replica-${instance}.stderr.log`;
    const node = (await sshOk(host, 'systemctl show -p ExecStart --value chatops@1.service')).match(/path=(\S+)/)?.[1];
    expect(node).toMatch(/\/node$/);
    const dropIn = [
      '[Service]',
      `ExecStartPre=-${node} -e "throw new Error('${instance}: no port')"`,
      'ExecStart=',
      `ExecStart=${node} --max-old-space-size=16 -e "const kept = []; for (;;) kept.push(new Array(100000).fill({ at: Date.now() }))"`,
      'Restart=no',
      '',
    ].join('\n');
    const replicas = async (): Promise<string> => (await ssh(host, 'systemctl is-active chatops@1 chatops@2')).stdout.trim();
    expect(await replicas()).toBe('active\nactive');
    const started = new Date().toISOString();
    try {
      const put = await sshInput(
        host,
        `mkdir -p /run/systemd/system/${unit}.d && cat > /run/systemd/system/${unit}.d/crash.conf && systemctl daemon-reload`,
        dropIn,
      );
      expect(put.code, put.stderr).toBe(0);
      await ssh(host, `systemctl start ${unit}`);
      const result = await waitFor(
        'the crash unit to end',
        async () => {
          // Key=value lines: with --value, systemctl prints the values in its own order (Result first).
          const shown = (await ssh(host, `systemctl show -p ActiveState -p Result ${unit}`)).stdout.trim().split('\n');
          const state = Object.fromEntries(shown.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
          return state.ActiveState === 'failed' ? String(state.Result) : undefined;
        },
        20_000,
        500,
      );
      expect(['core-dump', 'signal']).toContain(result);
      const onDisk = await sshOk(host, `stat -c '%U %a %n' /var/log/chatops ${file} && grep -c . ${file}`);
      print(`crash on ${host} (${unit}, ${result}):\n  ${onDisk.trim().split('\n').join('\n  ')}`);
      expect(onDisk).toMatch(/^chatops 750 \/var\/log\/chatops$/m);
      const query = {
        bool: {
          filter: [{ term: { 'host.name': host } }, { term: { 'log.file.path': file } }, { range: { '@timestamp': { gte: started } } }],
        },
      };
      await waitFor('both crashes in Elasticsearch', async () => ((await esSearch(query)).length >= 2 ? true : undefined), 30_000, 1_000);
      // A moment more: one event per line would have arrived by now too.
      await sleep(2_000);
      const docs = (await esSearch(query)).map((h) => h._source);
      print(`crash events: ${docs.map((d) => `${String(d.message).split('\n').length} lines from "${String(d.message).split('\n')[0]}"`).join('; ')}`);
      expect(docs).toHaveLength(2);
      const thrown = docs.find((d) => String(d.message).startsWith('[eval]:1'));
      expect(String(thrown?.message)).toMatch(new RegExp(`\\nError: ${instance}: no port\\n {4}at [\\s\\S]*\\nNode\\.js v24\\.\\d+\\.\\d+$`));
      const oom = docs.find((d) => String(d.message).startsWith('<--- Last few GCs --->'));
      expect(String(oom?.message)).toMatch(
        /\nFATAL ERROR: [^\n]*JavaScript heap out of memory\n----- Native stack trace -----\n[\s\S]*\n {0,2}\d+: 0x[0-9a-f]+ /,
      );
      for (const doc of [thrown, oom]) expect(doc).toMatchObject({ event: { dataset: 'chatops.app' }, service: { name: 'chatops' }, log: { level: 'fatal' } });
      // The replicas' own files exist and logrotate accepts what bounds them.
      await sshOk(host, 'test -f /var/log/chatops/replica-1.stderr.log && logrotate --debug /etc/logrotate.d/chatops');
    } finally {
      await ssh(host, `systemctl reset-failed ${unit}; rm -rf /run/systemd/system/${unit}.d; systemctl daemon-reload; rm -f ${file}`);
    }
    expect(await replicas()).toBe('active\nactive');
  });

  it("holds every field Kibana's saved objects name, with the types they need, in the real mapping", async () => {
    const objects = readFileSync(path.join(REPO_ROOT, 'elasticsearch/kibana/chatops-saved-objects.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; attributes: Record<string, unknown> });
    const dataView = objects.find((o) => o.type === 'index-pattern')?.attributes as { title: string; timeFieldName: string };
    const search = objects.find((o) => o.type === 'search')?.attributes as {
      columns: string[];
      sort: [string, string][];
      kibanaSavedObjectMeta: { searchSourceJSON: string };
    };
    const query = (JSON.parse(search.kibanaSavedObjectMeta.searchSourceJSON) as { query: { query: string } }).query.query;
    const queryFields = [...query.matchAll(/([\w.@]+):/g)].map((m) => m[1] as string);
    const fields = [...new Set([dataView.timeFieldName, ...search.columns, ...search.sort.map(([f]) => f), ...queryFields])];
    const response = await labFetch(`${ES}/${dataView.title}/_mapping/field/${fields.join(',')}`, { headers: elasticsearchAuth() });
    const mapping = (await response.json()) as Record<string, { mappings: Record<string, { mapping: Record<string, { type: string }> }> }>;
    const types = new Map<string, Set<string>>();
    for (const index of Object.values(mapping)) {
      for (const [field, entry] of Object.entries(index.mappings))
        for (const m of Object.values(entry.mapping)) types.set(field, (types.get(field) ?? new Set()).add(m.type));
    }
    expect(Object.keys(mapping).some((i) => i.startsWith('logs-chatops-app-'))).toBe(true);
    for (const field of fields) expect(types.get(field), field).toBeDefined();
    expect([...(types.get(dataView.timeFieldName) ?? [])]).toEqual(['date']);
    // Exact-value fields of the query are keywords in every index (a text field would not match "chatops.app").
    for (const field of queryFields) expect([...(types.get(field) ?? [])], field).toEqual(['keyword']);
  });
});
