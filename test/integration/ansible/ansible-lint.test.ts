// Lint and structure of the Ansible tree: ansible-lint (production profile), yamllint, syntax checks
// with both inventories, and the role conventions (every default documented in argument_specs,
// preflight/install/configure split, restart/reload handler pair, tagged in site.yml).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');
const ANSIBLE = path.join(REPO, 'ansible');
const ROLES = path.join(ANSIBLE, 'roles');
// docs/ansible.md documents this demo password of the committed example vault.
const EXAMPLE_VAULT_PASSWORD = 'chatops-example-demo';
const env = { ...process.env, ANSIBLE_CONFIG: path.join(ANSIBLE, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' };

const ROLE_NAMES = [
  'common', 'tls', 'haproxy', 'chatops', 'prometheus', 'alertmanager', 'grafana', 'elasticsearch', 'logstash',
  'kibana', 'filebeat', 'node_exporter', 'systemd_exporter', 'cadvisor', 'blackbox_exporter', 'keepalived',
];
const SERVICE_ROLES = ROLE_NAMES.filter((r) => r !== 'tls' && r !== 'common');

async function sh(cmd: string, args: string[], cwd = ANSIBLE): Promise<{ code: number; out: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}`, stdout: e.stdout ?? '' };
  }
}

function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'));
}

describe('ansible tree lint', () => {
  it('passes ansible-lint with the production profile', async () => {
    const { code, out } = await sh('ansible-lint', ['--profile', 'production', '--nocolor']);
    expect(out).toContain('Passed with production profile');
    expect(code, out).toBe(0);
  });

  it('passes yamllint in strict mode', async () => {
    const { code, out } = await sh('yamllint', ['--strict', '.']);
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('passes the playbook syntax check with the lab inventory', async () => {
    const { code, out } = await sh('ansible-playbook', ['-i', 'inventories/lab', '--syntax-check', 'site.yml']);
    expect(code, out).toBe(0);
  });

  describe('the example inventory', () => {
    let dir: string;
    let passwordFile: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'chatops-vault-'));
      passwordFile = path.join(dir, 'pass');
      await writeFile(passwordFile, `${EXAMPLE_VAULT_PASSWORD}\n`, { mode: 0o600 });
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('keeps its secrets encrypted with ansible-vault', () => {
      const vault = readFileSync(path.join(ANSIBLE, 'inventories/example/group_vars/all/vault.yml'), 'utf8');
      expect(vault.startsWith('$ANSIBLE_VAULT;1.1;AES256\n')).toBe(true);
      expect(vault).not.toMatch(/password|token|secret/i);
    });

    it('passes the syntax check and resolves every vault_ reference with the documented password', async () => {
      const syntax = await sh('ansible-playbook', ['-i', 'inventories/example', '--vault-password-file', passwordFile, '--syntax-check', 'site.yml']);
      expect(syntax.code, syntax.out).toBe(0);
      const main = readFileSync(path.join(ANSIBLE, 'inventories/example/group_vars/all/main.yml'), 'utf8');
      const referenced = [...new Set([...main.matchAll(/\b(vault_[a-z0-9_]+)\b/g)].map((m) => m[1] ?? ''))];
      expect(referenced.length).toBeGreaterThan(5);
      const shown = await sh('ansible-vault', ['view', '--vault-password-file', passwordFile, 'inventories/example/group_vars/all/vault.yml']);
      expect(shown.code).toBe(0);
      const defined = Object.keys(parse(shown.stdout) as Record<string, unknown>);
      expect(referenced.filter((name) => !defined.includes(name))).toEqual([]);
    });

    it('refuses a wrong vault password', async () => {
      const wrong = path.join(dir, 'wrong');
      await writeFile(wrong, 'not-the-password\n', { mode: 0o600 });
      const { code, out } = await sh('ansible-vault', ['view', '--vault-password-file', wrong, 'inventories/example/group_vars/all/vault.yml']);
      expect(code).not.toBe(0);
      expect(out).toMatch(/Decryption failed/);
    });
  });
});

describe('role conventions', () => {
  it('has exactly the roles of the appliance', () => {
    expect(readdirSync(ROLES).sort()).toEqual([...ROLE_NAMES].sort());
  });

  it("takes every vendor apt repository and signing key from the role's variables, which name no host", () => {
    type Task = { block?: Task[]; [module: string]: unknown };
    const flatten = (tasks: Task[]): Task[] => tasks.flatMap((t) => (t.block ? flatten(t.block) : [t]));
    const sources: string[] = [];
    for (const role of ROLE_NAMES) {
      const file = path.join(ROLES, role, 'tasks/install.yml');
      const tasks = existsSync(file) ? flatten((readYaml(file) ?? []) as Task[]) : [];
      const defaults = (readYaml(path.join(ROLES, role, 'defaults/main.yml')) ?? {}) as Record<string, unknown>;
      for (const task of tasks) {
        const repo = (task['ansible.builtin.apt_repository'] as { repo?: string } | undefined)?.repo;
        const key = task['ansible.builtin.get_url'] as { url?: string; dest?: string } | undefined;
        const url = repo ?? (key?.dest?.startsWith('/etc/apt/keyrings/') ? key.url : undefined);
        if (url === undefined) continue;
        const variable = /\{\{ ([a-z_]+_apt_(?:repository|key_url))\b/.exec(url)?.[1];
        expect(variable, `${role}: ${url}`).toMatch(new RegExp(`^${role}_`));
        expect(url, `${role}: a host outside the variable`).not.toMatch(/https?:\/\//);
        if (repo) expect(repo, role).toMatch(new RegExp(`^deb \\[signed-by=/etc/apt/keyrings/[a-z]+\\.asc\\] \\{\\{ ${variable} `));
        expect(defaults[variable ?? ''], `${role}: ${variable} defaults to a host`).toBe('');
        sources.push(variable ?? '');
      }
    }
    // Elastic's for four roles, NodeSource's and Grafana's: a repository and a key each.
    expect(sources.sort()).toEqual(
      ['elasticsearch', 'filebeat', 'kibana', 'logstash', 'chatops_node', 'grafana'].flatMap((p) => [`${p}_apt_key_url`, `${p}_apt_repository`]).sort(),
    );
  });

  it("gives no vendor download or apt source a host by default, in any role's defaults or argument_specs", () => {
    type Options = Record<string, { default?: unknown }>;
    const named: string[] = [];
    for (const role of ROLE_NAMES) {
      const defaults = (readYaml(path.join(ROLES, role, 'defaults/main.yml')) ?? {}) as Record<string, unknown>;
      const options = (readYaml(path.join(ROLES, role, 'meta/argument_specs.yml')) as { argument_specs: { main: { options: Options } } })
        .argument_specs.main.options;
      for (const name of new Set([...Object.keys(defaults), ...Object.keys(options)])) {
        if (!/_download_url$|_apt_(?:repository|key_url)$/.test(name)) continue;
        expect(defaults[name], `${role}: ${name} in defaults/main.yml`).toBe('');
        expect(options[name]?.default, `${role}: ${name} in meta/argument_specs.yml`).toBe('');
        named.push(name);
      }
    }
    expect(named).toContain('cadvisor_download_url');
    // Every get_url fetches from one such role variable (the services' own endpoints go through uri).
    type Task = { block?: Task[]; [module: string]: unknown };
    const flatten = (tasks: Task[]): Task[] => tasks.flatMap((t) => (t.block ? flatten(t.block) : [t]));
    const fetched: string[] = [];
    for (const role of ROLE_NAMES) {
      for (const file of readdirSync(path.join(ROLES, role, 'tasks'))) {
        for (const task of flatten((readYaml(path.join(ROLES, role, 'tasks', file)) ?? []) as Task[])) {
          const url = (task['ansible.builtin.get_url'] as { url?: string } | undefined)?.url;
          if (url === undefined) continue;
          const variable = /^\{\{ ([a-z_]+) \}\}$/.exec(url)?.[1] ?? url;
          expect(variable, `${role}/tasks/${file}`).toMatch(new RegExp(`^${role}_(?:[a-z_]+_)?(?:download_url|apt_key_url)$`));
          expect(named, `${role}/tasks/${file}`).toContain(variable);
          fetched.push(variable);
        }
      }
    }
    expect(fetched).toContain('cadvisor_download_url');
  });

  for (const role of ROLE_NAMES) {
    describe(role, () => {
      const dir = path.join(ROLES, role);

      it('documents every default in meta/argument_specs.yml and nothing more', () => {
        const defaults = Object.keys((readYaml(path.join(dir, 'defaults/main.yml')) ?? {}) as object).sort();
        const specs = readYaml(path.join(dir, 'meta/argument_specs.yml')) as {
          argument_specs: { main: { options: Record<string, { description: unknown }> } };
        };
        const options = specs.argument_specs.main.options;
        expect(Object.keys(options).sort()).toEqual(defaults);
        for (const [name, option] of Object.entries(options)) {
          expect(option.description, `${role}: ${name} has no description`).toBeTruthy();
        }
      });

      it('finds its controller content through chatops_content_dir, not the playbook location', () => {
        const files = ['defaults/main.yml', 'meta/argument_specs.yml', 'vars/main.yml', ...readdirSync(path.join(dir, 'tasks')).map((f) => `tasks/${f}`)];
        const text = files.filter((f) => existsSync(path.join(dir, f))).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
        expect(text).not.toMatch(/playbook_dir|\.\.\//);
      });

      it('prefixes every default with the role name', () => {
        const defaults = Object.keys((readYaml(path.join(dir, 'defaults/main.yml')) ?? {}) as object);
        expect(defaults.filter((name) => !name.startsWith(`${role}_`))).toEqual([]);
      });

      if (role === 'tls') {
        it('refuses to run outside a service role', () => {
          const tasks = readFileSync(path.join(dir, 'tasks/main.yml'), 'utf8');
          expect(tasks).toContain('ansible_parent_role_names');
        });
        return;
      }

      it('splits its tasks into preflight, install and configure', () => {
        const main = readYaml(path.join(dir, 'tasks/main.yml')) as { [k: string]: unknown }[];
        const imported = main.map((t) => t['ansible.builtin.import_tasks']);
        expect(imported).toEqual(['preflight.yml', 'install.yml', 'configure.yml']);
        for (const file of ['preflight.yml', 'install.yml', 'configure.yml']) {
          expect(existsSync(path.join(dir, 'tasks', file))).toBe(true);
        }
      });

      it('tags its install and configure halves, and runs its checks with either', () => {
        const main = readYaml(path.join(dir, 'tasks/main.yml')) as { [k: string]: unknown }[];
        const tags = Object.fromEntries(main.map((t) => [String(t['ansible.builtin.import_tasks']), t.tags]));
        expect(tags).toEqual({
          'preflight.yml': [`${role}_install`, `${role}_configure`],
          'install.yml': [`${role}_install`],
          'configure.yml': [`${role}_configure`],
        });
      });

      it('names every assert with a message', () => {
        const preflight = readYaml(path.join(dir, 'tasks/preflight.yml')) as { [k: string]: unknown }[];
        const asserts = preflight.filter((t) => 'ansible.builtin.assert' in t);
        expect(asserts.length).toBeGreaterThan(0);
        for (const task of asserts) {
          const args = task['ansible.builtin.assert'] as { fail_msg?: string };
          expect(args.fail_msg, String(task.name)).toBeTruthy();
        }
      });

      if (SERVICE_ROLES.includes(role)) {
        // Either the last task of configure, or (roles every host runs, where a rerun pays each task once per
        // host) the last handler, run after a restart, a reload or a start by this run and after the handlers that do them.
        it('ends by confirming its service answers', () => {
          const configure = readYaml(path.join(dir, 'tasks/configure.yml')) as { [k: string]: unknown }[];
          const handlers = readYaml(path.join(dir, 'handlers/main.yml')) as { [k: string]: unknown }[];
          const isProbe = (t: { [k: string]: unknown }) =>
            ['ansible.builtin.uri', 'ansible.builtin.command', 'ansible.builtin.wait_for'].some((m) => m in t) && /^(Confirm|Wait)/.test(String(t['name']));
          const last = configure.at(-1) ?? {};
          const lastHandler = handlers.at(-1) ?? {};
          if (isProbe(last)) return;
          expect(isProbe(lastHandler), `${role}: neither the last task "${String(last.name)}" nor the last handler confirms the service`).toBe(true);
          expect(lastHandler['listen']).toEqual([`${role} restart`, `${role} reload`, `${role} started`]);
          const starts = configure.filter((t) => (t['ansible.builtin.systemd'] as { state?: string } | undefined)?.state === 'started');
          expect(starts.length, `${role}: a task that starts the service`).toBeGreaterThan(0);
          for (const start of starts) expect(start['notify'], `${role}: ${String(start['name'])}`).toBe(`${role} started`);
          expect(configure.at(-1)?.['ansible.builtin.meta']).toBe('flush_handlers');
        });

        it('has a restart/reload handler pair', () => {
          const handlers = readYaml(path.join(dir, 'handlers/main.yml')) as { listen?: string; when?: string }[];
          const topics = handlers.map((h) => h.listen);
          expect(topics).toContain(`${role} restart`);
          expect(topics).toContain(`${role} reload`);
          const reload = handlers.find((h) => h.listen === `${role} reload`);
          expect(reload?.when).toMatch(/_restarted is not defined/);
        });

        it('names each handler for what it does', () => {
          const handlers = readYaml(path.join(dir, 'handlers/main.yml')) as { name: string; [k: string]: unknown }[];
          const verbs: Record<string, RegExp> = { restarted: /^Restart /, reloaded: /^Reload /, started: /^(Start|Keep) / };
          for (const handler of handlers) {
            const state = (handler['ansible.builtin.systemd'] as { state?: string } | undefined)?.state;
            if (state) expect(handler.name, `${role}: state ${state}`).toMatch(verbs[state] ?? /^$/);
          }
        });

        it('is tagged with its own name in site.yml', () => {
          const site = readYaml(path.join(ANSIBLE, 'site.yml')) as { roles: { role: string; tags: string[] }[] }[];
          const entries = site.flatMap((play) => play.roles).filter((r) => r.role === role);
          expect(entries).toHaveLength(1);
          expect(entries[0]?.tags).toEqual([role]);
        });
      }
    });
  }
});
