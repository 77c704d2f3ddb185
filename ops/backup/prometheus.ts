// The Prometheus half of backup: a TSDB snapshot through the admin API (POST
// /api/v1/admin/tsdb/snapshot, which needs --web.enable-admin-api), and where Prometheus keeps
// it (GET /api/v1/status/flags: <storage.tsdb.path>/snapshots/<name>). Over TLS with our CA and
// the web config's basic auth, like every other client of Prometheus.
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { z } from 'zod';

export interface PrometheusTarget {
  url: string;
  ca?: string;
  auth?: { username: string; password: string };
}

const snapshotAnswer = z.object({ status: z.literal('success'), data: z.object({ name: z.string().min(1) }) });
const flagsAnswer = z.object({ status: z.literal('success'), data: z.record(z.string(), z.string()) });

async function call(target: PrometheusTarget, method: 'GET' | 'POST', route: string): Promise<unknown> {
  const dispatcher = new Agent({ connect: target.ca ? { ca: target.ca } : {} });
  const url = `${target.url.replace(/\/+$/, '')}${route}`;
  try {
    const response = await fetch(url, {
      method,
      dispatcher,
      signal: AbortSignal.timeout(120_000),
      headers: target.auth ? { authorization: `Basic ${Buffer.from(`${target.auth.username}:${target.auth.password}`).toString('base64')}` } : {},
    });
    const body = await response.text();
    if (response.status === 401) throw new Error(`Prometheus at ${target.url} refused the credentials (401): check PROMETHEUS_PASSWORD`);
    if (!response.ok) {
      const hint = /admin APIs disabled/i.test(body) ? ': deploy the prometheus role with prometheus_web_enable_admin_api: true' : '';
      throw new Error(`Prometheus ${method} ${route} answered ${response.status}: ${body.trim().slice(0, 300)}${hint}`);
    }
    return JSON.parse(body) as unknown;
  } catch (error) {
    if (error instanceof TypeError)
      throw new Error(`cannot reach Prometheus at ${target.url}: ${String((error.cause as Error | undefined)?.message ?? error.message)}`);
    throw error;
  } finally {
    await dispatcher.close();
  }
}

/** Takes a snapshot of the head and every block; returns its folder on the Prometheus host. */
export async function takeTsdbSnapshot(target: PrometheusTarget): Promise<{ name: string; dir: string }> {
  const flags = flagsAnswer.parse(await call(target, 'GET', '/api/v1/status/flags')).data;
  const storage = flags['storage.tsdb.path'];
  if (!storage) throw new Error(`Prometheus at ${target.url} reports no storage.tsdb.path (agent mode has no TSDB to back up)`);
  if (!storage.startsWith('/')) throw new Error(`Prometheus at ${target.url} runs with a relative --storage.tsdb.path (${storage}): give it an absolute one`);
  const { name } = snapshotAnswer.parse(await call(target, 'POST', '/api/v1/admin/tsdb/snapshot')).data;
  return { name, dir: path.posix.join(storage, 'snapshots', name) };
}
