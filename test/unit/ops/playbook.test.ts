import { describe, expect, it } from 'vitest';
import {
  finishPlaybook,
  timeSummary,
  initialPlaybookState,
  playbookArgs,
  reduceEvent,
  reduceLine,
  type AnsibleEvent,
  type HostRecap,
  type PlaybookState,
  type ResultStatus,
} from '../../../ops/playbook.ts';

const play = (name: string): AnsibleEvent => ({ event: 'play', name });
const task = (name: string, role: string | null = null, handler = false): AnsibleEvent => ({ event: 'task', task: name, role, handler });
const result = (status: ResultStatus, host: string, name: string, over: Partial<Extract<AnsibleEvent, { event: 'result' }>> = {}): AnsibleEvent => ({
  event: 'result',
  host,
  status,
  task: name,
  role: null,
  ...over,
});
const recap = (over: Partial<HostRecap> = {}): HostRecap => ({ ok: 0, changed: 0, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0, ...over });

/** Feeds events one second apart, from t=0; returns the final state and every printed line. */
function feed(events: AnsibleEvent[]): { state: PlaybookState; lines: string[] } {
  let state = initialPlaybookState;
  const lines: string[] = [];
  events.forEach((ev, i) => {
    const step = reduceEvent(state, ev, i * 1000);
    state = step.state;
    lines.push(...step.lines);
  });
  return { state, lines };
}

describe('playbookArgs', () => {
  it('passes the inventory and the playbook, and nothing else by default', () => {
    expect(playbookArgs({ inventoryDir: '/inv', playbook: '/site.yml' })).toEqual(['-i', '/inv', '/site.yml']);
  });

  it('maps every option to its ansible-playbook flag', () => {
    const args = playbookArgs({
      inventoryDir: '/inv',
      playbook: '/site.yml',
      check: true,
      diff: true,
      tags: 'haproxy,tls',
      skipTags: 'kibana',
      limit: 'lb1',
      vaultPasswordFile: '/vault-pass',
      extraVars: { chatops_replicas: 3 },
    });
    expect(args).toEqual([
      '-i',
      '/inv',
      '/site.yml',
      '--check',
      '--diff',
      '--tags',
      'haproxy,tls',
      '--skip-tags',
      'kibana',
      '--limit',
      'lb1',
      '--vault-password-file',
      '/vault-pass',
      '--extra-vars',
      '{"chatops_replicas":3}',
    ]);
  });

  it("gives the lab its connection paths resolved, after the caller's extra variables", () => {
    const args = playbookArgs({ inventoryDir: '/inv', playbook: '/site.yml' }, { sshKey: '/lab/ssh/id_ed25519', knownHosts: '/lab/ssh/known_hosts' });
    expect(args.slice(3)).toEqual([
      '--extra-vars',
      '{"ansible_ssh_private_key_file":"/lab/ssh/id_ed25519","ansible_ssh_common_args":"-o UserKnownHostsFile=/lab/ssh/known_hosts -o StrictHostKeyChecking=yes"}',
    ]);
  });
});

describe('reduceEvent', () => {
  it('prints each play, each role as it starts and its handlers, and every change', () => {
    const { state, lines } = feed([
      play('Load balancer'),
      task('Install haproxy', 'haproxy'),
      result('ok', 'lb1', 'Install haproxy', { role: 'haproxy' }),
      task('Render haproxy.cfg', 'haproxy'),
      result('changed', 'lb1', 'Render haproxy.cfg', { role: 'haproxy' }),
      result('skipped', 'lb2', 'Render haproxy.cfg', { role: 'haproxy' }),
      task('Reload haproxy', 'haproxy', true),
      task('haproxy : Restart haproxy', 'haproxy', true),
      task('Say hello'),
      play('App'),
    ]);
    expect(lines).toEqual(['PLAY Load balancer', '  role haproxy', '    changed lb1: Render haproxy.cfg', 'PLAY App']);
    expect(state.changedTasks).toEqual([{ host: 'lb1', task: 'haproxy : Render haproxy.cfg' }]);
    expect(state.failures).toEqual([]);
  });

  it("announces a role again when its handlers run after another role's tasks", () => {
    const { lines } = feed([task('Render haproxy.cfg', 'haproxy'), task('Render prometheus.yml', 'prometheus'), task('Reload haproxy', 'haproxy', true)]);
    expect(lines).toEqual(['  role haproxy', '  role prometheus', '  role haproxy (handlers)']);
  });

  it('names the failing host and task, with the message, stderr and stdout of the module', () => {
    const { state, lines } = feed([
      play('Apps'),
      task('Refuse to continue on app2', 'chatops'),
      result('ok', 'app1', 'Refuse to continue on app2', { role: 'chatops' }),
      result('failed', 'app2', 'Refuse to continue on app2', { role: 'chatops', msg: 'non-zero return code', stderr: 'no space left', stdout: null, rc: 1 }),
    ]);
    expect(lines).toEqual(['PLAY Apps', '  role chatops', '    FAILED app2: Refuse to continue on app2']);
    expect(state.failures).toEqual([
      { host: 'app2', task: 'chatops : Refuse to continue on app2', role: 'chatops', status: 'failed', message: 'non-zero return code\nno space left' },
    ]);
  });

  it('records an unreachable host as a failure, and one without any message as "(no message)"', () => {
    const { state, lines } = feed([
      result('unreachable', 'mon1', 'Gathering Facts', { msg: 'ssh: connect to host 10.77.0.31 port 22: No route to host' }),
      result('failed', 'lb1', 'Check', { msg: null, stderr: '', stdout: null }),
    ]);
    expect(lines).toEqual(['    UNREACHABLE mon1: Gathering Facts', '    FAILED lb1: Check']);
    expect(state.failures.map((f) => [f.host, f.task, f.status, f.message])).toEqual([
      ['mon1', 'Gathering Facts', 'unreachable', 'ssh: connect to host 10.77.0.31 port 22: No route to host'],
      ['lb1', 'Check', 'failed', '(no message)'],
    ]);
  });

  it('prints an ignored failure without counting it as one', () => {
    const { state, lines } = feed([result('failed', 'app1', 'Probe the old unit', { ignored: true, msg: 'not found' })]);
    expect(lines).toEqual(['    failed (ignored) app1: Probe the old unit']);
    expect(state.failures).toEqual([]);
  });

  it('prints retries, diffs indented under their task, and warnings', () => {
    const { lines } = feed([
      { event: 'retry', host: 'mon1', task: 'Wait for Elasticsearch', attempt: 2, retries: 30 },
      { event: 'diff', host: 'lb1', task: 'Render haproxy.cfg', text: '-maxconn 2048\n+maxconn 4096' },
      { event: 'warning', msg: 'no hosts matched' },
    ]);
    expect(lines).toEqual([
      '    retry 2/30 mon1: Wait for Elasticsearch',
      '    diff lb1: Render haproxy.cfg\n      -maxconn 2048\n      +maxconn 4096',
      '  warning: no hosts matched',
    ]);
  });

  it('times each task from its start to the next task, play or the stats', () => {
    const { state } = feed([
      task('Install', 'node_exporter'),
      result('ok', 'lb1', 'Install', { role: 'node_exporter' }),
      result('ok', 'app1', 'Install', { role: 'node_exporter' }),
      task('Configure', 'node_exporter'),
      play('Next'),
      task('Last'),
      { event: 'stats', hosts: { lb1: recap({ ok: 2 }) } },
    ]);
    expect(state.taskSeconds).toEqual([
      { task: 'node_exporter : Install', seconds: 3 },
      { task: 'node_exporter : Configure', seconds: 1 },
      { task: 'Last', seconds: 1 },
    ]);
    expect(state.current).toBeUndefined();
    expect(state.recap).toEqual({ lb1: recap({ ok: 2 }) });
  });

  it('leaves the state it was given unchanged', () => {
    const before = feed([task('Install', 'haproxy')]).state;
    const copy = structuredClone(before);
    reduceEvent(before, result('failed', 'lb1', 'Install', { role: 'haproxy', msg: 'boom' }), 5000);
    reduceEvent(before, { event: 'stats', hosts: { lb1: recap() } }, 5000);
    expect(before).toEqual(copy);
  });
});

describe('reduceLine', () => {
  it("reads the callback's JSON lines and keeps any other line for the failure report", () => {
    let state = initialPlaybookState;
    const printed: string[] = [];
    for (const line of [
      '{"event": "play", "name": "Site"}',
      'ERROR! the playbook could not be parsed',
      '{"event": "task", "task": "Install", "role": "tls", "action": "copy", "handler": false}',
    ]) {
      const step = reduceLine(state, line, 0);
      state = step.state;
      printed.push(...step.lines);
    }
    expect(printed).toEqual(['PLAY Site', '  role tls']);
    expect(state.stray).toEqual(['ERROR! the playbook could not be parsed']);
  });
});

describe('finishPlaybook', () => {
  const exit = (code: number, stderr = '') => ({ code, stderr, seconds: 12.5 });

  it('returns the recap and the changes of a run that succeeded', () => {
    const { state } = feed([task('Render'), result('changed', 'lb1', 'Render'), { event: 'stats', hosts: { lb1: recap({ ok: 1, changed: 1 }) } }]);
    expect(finishPlaybook(state, exit(0))).toEqual({
      exitCode: 0,
      recap: { lb1: recap({ ok: 1, changed: 1 }) },
      failures: [],
      changedTasks: [{ host: 'lb1', task: 'Render' }],
      taskSeconds: [{ task: 'Render', seconds: 2 }],
      seconds: 12.5,
    });
  });

  it('keeps the failed tasks of a failed run as they are', () => {
    const { state } = feed([task('Check', 'haproxy'), result('failed', 'lb1', 'Check', { role: 'haproxy', msg: 'config invalid' })]);
    expect(finishPlaybook(state, exit(2, 'ignored stderr')).failures).toEqual([
      { host: 'lb1', task: 'haproxy : Check', role: 'haproxy', status: 'failed', message: 'config invalid' },
    ]);
  });

  it('explains a run that stopped before any task, from stderr and the stray lines', () => {
    const state = reduceLine(initialPlaybookState, 'ERROR! Syntax Error while loading YAML.', 0).state;
    expect(finishPlaybook(state, exit(4, '  [WARNING]: no inventory\n')).failures).toEqual([
      { host: '-', task: '-', role: null, status: 'failed', message: '[WARNING]: no inventory\nERROR! Syntax Error while loading YAML.' },
    ]);
    expect(finishPlaybook(initialPlaybookState, exit(250)).failures).toEqual([
      { host: '-', task: '-', role: null, status: 'failed', message: 'ansible-playbook exited 250' },
    ]);
  });
});

describe('timeSummary', () => {
  it('names the slowest tasks and adds up the time of each role, slowest first', () => {
    const lines = timeSummary(
      [
        { task: 'elasticsearch : Wait for Elasticsearch over TLS', seconds: 31 },
        { task: 'common : Trust our CA', seconds: 2 },
        { task: 'elasticsearch : Install Java', seconds: 20.25 },
        { task: 'Gather facts', seconds: 4 },
      ],
      2,
    );
    expect(lines).toEqual([
      'slowest tasks: elasticsearch : Wait for Elasticsearch over TLS 31.0 s; elasticsearch : Install Java 20.3 s',
      'time by role: elasticsearch 51.3 s, (no role) 4.0 s, common 2.0 s',
    ]);
  });
});
