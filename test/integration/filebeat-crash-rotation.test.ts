// A replica's stderr file under logrotate's copytruncate, read by the real Filebeat 7.17 with the
// rendered `chatops-app-stderr` input (filebeat/filebeat.yml.j2, app host): the crashes before the
// rotation are sent once, not again after the truncation, and a crash written after it arrives
// whole. Filebeat writes to a file here; filebeat-logs.test.ts covers the way into Elasticsearch.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { requireFilebeat } from '../support/filebeat.ts';
import { appendNodeCrashes, asEvent } from '../support/node-crashes.ts';
import { renderTemplates, repoRoot, waitFor } from '../support/monitoring.ts';

type Config = Record<string, unknown> & { 'filebeat.inputs': Record<string, unknown>[] };

let work: string;
let filebeat: ChildProcess | undefined;
let stderr = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chatops-crash-rotation-'));
  const inventory = await readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');
  const rendered = join(work, 'filebeat-app2.yml');
  await renderTemplates(inventory, { chatops_tls_dir: '/etc/chatops/tls' }, [
    { src: 'filebeat/filebeat.yml.j2', dest: rendered, vars: { filebeat_host: 'app2', logging_pipeline: 'logstash' } },
  ]);
  const config = parse(await readFile(rendered, 'utf8')) as Config;
  const input = config['filebeat.inputs'].find((i) => i.id === 'chatops-app-stderr');
  if (!input) throw new Error('no chatops-app-stderr input rendered for app2');
  const replay = {
    // The rendered input as it is, on this test's file instead of /var/log/chatops.
    'filebeat.inputs': [{ ...input, paths: [join(work, 'replica-1.stderr.log')] }],
    'output.file': { path: join(work, 'out'), filename: 'events' },
    'logging.level': 'warning',
  };
  await writeFile(join(work, 'filebeat.yml'), stringify(replay), { mode: 0o600 });
});

afterAll(async () => {
  if (filebeat && filebeat.exitCode === null) {
    filebeat.kill('SIGTERM');
    await new Promise((r) => filebeat?.once('exit', r));
  }
  if (work) await rm(work, { recursive: true, force: true });
});

async function events(): Promise<{ message: string; log: { offset: number } }[]> {
  const text = await readFile(join(work, 'out/events'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { message: string; log: { offset: number } });
}

describe("a replica's stderr file rotated by copytruncate under a running Filebeat", () => {
  it('sends each crash once, before and after the truncation, each whole', async () => {
    const file = join(work, 'replica-1.stderr.log');
    const before = await appendNodeCrashes(work, file, 'before-rotation');
    filebeat = spawn(requireFilebeat(), ['-e', '-c', join(work, 'filebeat.yml'), '--path.data', join(work, 'data'), '--path.home', work], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    filebeat.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const first = await waitFor('the three events before the rotation', async () => ((await events()).length >= 3 ? events() : undefined), 30_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${stderr}`);
      },
    );
    expect(first.map((e) => e.message).sort()).toEqual([asEvent(before.uncaught), asEvent(before.outOfMemory), asEvent(before.warning)].sort());

    // logrotate's copytruncate: copy, then truncate the file the unit keeps open.
    await copyFile(file, `${file}.1`);
    await truncate(file, 0);
    // Filebeat notices the shrink at its next look (reader backoff at most 10 s) and starts again at 0.
    await new Promise((r) => setTimeout(r, 12_000));
    const after = await appendNodeCrashes(work, file, 'after-rotation');
    const all = await waitFor('three more events after the rotation', async () => ((await events()).length >= 6 ? events() : undefined), 30_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${stderr}`);
      },
    );
    // A moment more: a line sent twice or split would show now.
    await new Promise((r) => setTimeout(r, 6_000));
    const settled = await events();
    expect(settled).toHaveLength(6);
    expect(
      all
        .slice(3)
        .map((e) => e.message)
        .sort(),
    ).toEqual([asEvent(after.uncaught), asEvent(after.outOfMemory), asEvent(after.warning)].sort());
    // Read again from the start of the truncated file, as the first time: a multiline event's
    // log.offset is where its last line starts, so the first crash's is its length less that line.
    const lastLineOffset = (message: string): number | undefined => settled.find((e) => e.message === message)?.log.offset;
    const lastLineAt = (crash: string): number => Buffer.byteLength(crash.replace(/[^\n]*\n$/, ''));
    expect(lastLineOffset(asEvent(before.uncaught))).toBe(lastLineAt(before.uncaught));
    expect(lastLineOffset(asEvent(after.uncaught))).toBe(lastLineAt(after.uncaught));
  }, 120_000);
});
