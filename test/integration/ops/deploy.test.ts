// `chatops deploy` driving the real ansible-playbook on the controller itself (local
// connection): progress, recap, idempotence, --check, --diff, --tags and the failure report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mitogenDir } from '../../../ops/deploy.ts';
import { REPO_ROOT } from '../../../ops/paths.ts';

const PLAYBOOK = path.join(import.meta.dirname, 'fixtures/write-files.yml');
let dir: string;
let out: string;

function inventory(name: string, vars: Record<string, unknown>): string {
  const inv = path.join(dir, name);
  mkdirSync(inv, { recursive: true });
  const lines = Object.entries({ ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3', out_dir: out, ...vars })
    .map(([k, v]) => `          ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(path.join(inv, 'hosts.yml'), `all:\n  children:\n    app:\n      hosts:\n        ctl1:\n${lines}\n`);
  return inv;
}

function deploy(...args: string[]) {
  return deployWith({}, ...args);
}

function deployWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/chatops.mjs'), 'deploy', '--playbook', PLAYBOOK, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const changedOf = (stdout: string): string | undefined => /^ctl1\s+(\d+)\s+(\d+)/m.exec(stdout)?.[2];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chatops-deploy-test-'));
  out = path.join(dir, 'out');
  mkdirSync(out);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chatops deploy', () => {
  it('changes nothing in check mode but shows the diff', () => {
    const r = deploy('--inventory', inventory('ok', {}), '--check', '--diff');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(out, 'greeting.txt'))).toBe(false);
    expect(r.stderr).toContain('(check mode)');
    expect(r.stderr).toContain('+hello ctl1');
  });

  it('runs only the tagged tasks with --tags', () => {
    const r = deploy('--inventory', inventory('ok', {}), '--tags', 'farewell');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(out, 'farewell.txt'))).toBe(true);
    expect(existsSync(path.join(out, 'greeting.txt'))).toBe(false);
  });

  it('shows the play and each change, then a recap; a rerun has changed=0', () => {
    const first = deploy('--inventory', inventory('ok', {}));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('PLAY Write files on the controller');
    expect(first.stderr).toContain('changed ctl1: Write the greeting');
    expect(changedOf(first.stdout)).toBe('1');
    expect(readFileSync(path.join(out, 'greeting.txt'), 'utf8')).toBe('hello ctl1\n');
    const second = deploy('--inventory', inventory('ok', {}));
    expect(second.code).toBe(0);
    expect(changedOf(second.stdout)).toBe('0');
    expect(second.stderr).toContain('changed=0');
  });

  it("runs with Mitogen when install-deps fetched it, with Ansible's linear strategy on CHATOPS_MITOGEN=0, and both converge", () => {
    expect(mitogenDir(), 'Mitogen is missing from .cache/: run scripts/install-deps.d/mitogen.sh').toBeDefined();
    const inv = inventory('strategies', { out_dir: path.join(out, 'strategies') });
    mkdirSync(path.join(out, 'strategies'), { recursive: true });
    const withMitogen = deploy('--inventory', inv);
    expect(withMitogen.code, withMitogen.stderr).toBe(0);
    expect(withMitogen.stderr).toContain('strategy mitogen_linear');
    expect(changedOf(withMitogen.stdout)).toBe('2');
    const linear = deployWith({ CHATOPS_MITOGEN: '0' }, '--inventory', inv);
    expect(linear.code, linear.stderr).toBe(0);
    expect(linear.stderr).toContain('strategy linear');
    expect(changedOf(linear.stdout)).toBe('0');
    expect(readFileSync(path.join(out, 'strategies', 'greeting.txt'), 'utf8')).toBe('hello ctl1\n');
  });

  it('loads every Jinja2 filter and test plugin in the controller before the workers fork, and enables only callbacks that load', () => {
    mkdirSync(path.join(out, 'preload'), { recursive: true });
    const r = deploy('--inventory', inventory('preload', { out_dir: path.join(out, 'preload') }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Skipping callback plugin');
    // What a forked worker inherits: the loaders' caches after the callback's playbook start.
    const script = [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(path.join(REPO_ROOT, 'ops/ansible/callback_plugins'))})`,
      'from ansible.plugins.loader import filter_loader, test_loader, lookup_loader',
      'from chatops_preload import CallbackModule, LOOKUPS',
      'before = len(filter_loader._cached_non_collection_wrappers)',
      'CallbackModule().v2_playbook_on_start(None)',
      'names = filter_loader._cached_non_collection_wrappers',
      'print(before, len(names), len(test_loader._cached_non_collection_wrappers), "ansible.builtin.password_hash" in names, len(lookup_loader._module_cache) >= len(LOOKUPS))',
    ].join('\n');
    const py = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const [before, filters, tests, hash, lookups] = py.stdout.trim().split(' ');
    expect(before).toBe('0');
    expect(Number(filters)).toBeGreaterThan(50);
    expect(Number(tests)).toBeGreaterThan(20);
    expect([hash, lookups]).toEqual(['True', 'True']);
  });

  it('ends a failure with the failing host and task and a non-zero exit', () => {
    const r = deploy('--inventory', inventory('failing', { fail_here: true }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FAILED ctl1: Stop when asked to');
    expect(r.stderr).toContain('deploy failed on host ctl1, task "Stop when asked to" (failed):\nnon-zero return code');
  });

  it('explains a playbook that cannot even start', () => {
    const broken = path.join(dir, 'broken.yml');
    writeFileSync(broken, '- name: Broken\n  hosts: all\n  tasks: [\n');
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/chatops.mjs'), 'deploy', '--playbook', broken, '--inventory', inventory('ok', {})], {
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('deploy failed before any task ran');
    expect(r.stderr).toContain('broken.yml');
  });

  it('rejects unknown flags and missing inventories with the fix, exit 2', () => {
    const flag = deploy('--invntory', 'x');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--invntory'");
    expect(flag.stderr).toContain('usage: chatops deploy');
    const missing = deploy('--inventory', path.join(dir, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--inventory:');
  });
});
