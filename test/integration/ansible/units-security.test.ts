// Every systemd unit the roles install, rendered from the lab inventory on the controller
// (ansible/tests/render-configs.yml --tags units), must be confined: `systemd-analyze security` scores
// each service at most 4.5 and `systemd-analyze verify` has nothing to say about any unit.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');
const ANSIBLE = path.join(REPO, 'ansible');
const ROLES = path.join(ANSIBLE, 'roles');
const env = { ...process.env, ANSIBLE_CONFIG: path.join(ANSIBLE, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' };
const MAX_EXPOSURE = 4.5;
const UNIT_SUFFIX = /\.(service|socket|timer|path|mount)$/;
// Secrets as extra vars, so the lab inventory's generated-secret lookups never run in tests.
const SECRETS = {
  chatops_bcrypt_salt: 'abcdefghijklmnopqrstuv',
  chatops_exporter_password: 'exporter-test-password',
  chatops_metrics_password: 'metrics-test-password',
  chatops_github_webhook_secret: 'units-check-webhook-secret',
};

type Task = Record<string, unknown> & { block?: Task[]; loop?: unknown };

/** The unit file names the roles put under /etc/systemd/system, read from their tasks. */
function unitsInstalledByRoles(): string[] {
  const names: string[] = [];
  const visit = (tasks: Task[]): void => {
    for (const task of tasks) {
      if (task.block) visit(task.block);
      for (const module of ['ansible.builtin.template', 'ansible.builtin.copy']) {
        const dest = (task[module] as { dest?: string } | undefined)?.dest;
        if (typeof dest !== 'string' || !dest.startsWith('/etc/systemd/system/')) continue;
        // A drop-in (haproxy.service.d/...) amends a unit of Debian's package, not one of ours.
        if (/\.d\//.test(dest)) continue;
        const looped = /\{\{\s*item\b/.test(dest);
        const items = looped ? (task.loop as string[]) : [path.basename(dest)];
        names.push(...items.map((item) => item.replace(/\.j2$/, '')));
      }
    }
  };
  for (const role of readdirSync(ROLES)) {
    const dir = path.join(ROLES, role, 'tasks');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) visit((parse(readFileSync(path.join(dir, file), 'utf8')) ?? []) as Task[]);
  }
  return [...new Set(names)].sort();
}

async function systemdAnalyze(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('systemd-analyze', args, { env: { ...process.env, SYSTEMD_COLORS: '0' } });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A template unit (name@.service) is analysed as its first instance, which systemd loads from the same folder. */
function analysable(file: string): string {
  return file.replace(/@\.(service|socket)$/, '@1.$1');
}

async function exposure(file: string): Promise<{ score: number; report: string }> {
  const { out } = await systemdAnalyze(['security', '--offline=true', '--no-pager', analysable(file)]);
  const match = /Overall exposure level for \S+: (\d+\.\d)/.exec(out);
  if (!match?.[1]) throw new Error(`no exposure level for ${file}:\n${out}`);
  return { score: Number(match[1]), report: out };
}

/**
 * What `systemd-analyze verify` says about a unit. The roles install the binaries on the hosts, so a
 * "not executable" line for a path this controller does not have is the only thing it may say.
 */
async function verifyFindings(file: string): Promise<string[]> {
  const { out } = await systemdAnalyze(['verify', '--no-pager', analysable(file)]);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      const missing = /Command (\S+) is not executable: No such file or directory$/.exec(line);
      return !(missing?.[1] && !existsSync(missing[1]));
    });
}

let outDir: string;
let rendered: string[] = [];

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'chatops-units-'));
  const tlsDir = path.join(outDir, 'tls');
  await mkdir(tlsDir, { mode: 0o700 });
  const secretsFile = path.join(outDir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify(SECRETS), { mode: 0o600 });
  const args = [
    '-i', 'inventories/lab', 'tests/render-configs.yml', '--tags', 'units',
    '-e', `render_dir=${path.join(outDir, 'hosts')}`, '-e', `render_tls_dir=${tlsDir}`, '-e', `@${secretsFile}`,
  ];
  try {
    await run('ansible-playbook', args, { cwd: ANSIBLE, env, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`rendering the units failed:\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-3000)}`);
  }
  const hosts = path.join(outDir, 'hosts');
  rendered = readdirSync(hosts, { recursive: true, encoding: 'utf8' })
    .filter((file) => UNIT_SUFFIX.test(file))
    .map((file) => path.join(hosts, file))
    .sort();
}, 180_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('systemd units the roles install', () => {
  it('renders every unit the roles install, for the hosts that get it', () => {
    const installed = unitsInstalledByRoles();
    expect(installed).toEqual(expect.arrayContaining(['chatops@.service', 'elasticsearch.service', 'systemd_exporter.service']));
    expect([...new Set(rendered.map((file) => path.basename(file)))].sort()).toEqual(installed);
  });

  it(`scores every service at most ${MAX_EXPOSURE} in systemd-analyze security`, async () => {
    const scores: Record<string, number> = {};
    const over: string[] = [];
    for (const file of rendered.filter((f) => f.endsWith('.service'))) {
      const { score, report } = await exposure(file);
      const name = path.relative(path.join(outDir, 'hosts'), file);
      scores[name] = score;
      if (score > MAX_EXPOSURE) over.push(`${name}: ${score}\n${report}`);
    }
    console.log(Object.entries(scores).map(([name, score]) => `${score.toFixed(1)}  ${name}`).join('\n'));
    expect(Object.keys(scores).length).toBeGreaterThanOrEqual(6);
    expect(over).toEqual([]);
  }, 60_000);

  it('leaves systemd-analyze verify with nothing to say about any unit', async () => {
    const findings: string[] = [];
    for (const file of rendered) findings.push(...(await verifyFindings(file)));
    expect(findings).toEqual([]);
  }, 60_000);
});

describe('the checks themselves', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chatops-units-check-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('scores an unconfined root service above the limit', async () => {
    const file = path.join(dir, 'unconfined.service');
    await writeFile(file, '[Service]\nExecStart=/bin/true\n');
    expect((await exposure(file)).score).toBeGreaterThan(MAX_EXPOSURE);
  });

  it('reports an unknown escape sequence in ExecStart', async () => {
    const file = path.join(dir, 'escape.service');
    await writeFile(file, '[Service]\nExecStart=/bin/echo --include=.+\\.service\n');
    expect((await verifyFindings(file)).join('\n')).toMatch(/unknown escape sequences/);
  });
});
