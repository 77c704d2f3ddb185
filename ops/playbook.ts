// What `chatops deploy` asks ansible-playbook and what it makes of the answer, both pure: the
// argument list, and a reducer of the JSON lines our stdout callback writes
// (ops/ansible/callback_plugins/chatops_events.py) into progress lines and a result.

export interface PlaybookOptions {
  inventoryDir: string;
  playbook: string;
  check?: boolean;
  diff?: boolean;
  tags?: string;
  skipTags?: string;
  limit?: string;
  vaultPasswordFile?: string;
  /** extra variables as a JSON object (never secrets: they would reach argv) */
  extraVars?: Record<string, unknown>;
}

/** The lab's connection paths, resolved: Mitogen's connection does not expand the inventory's templates. */
export interface LabConnection {
  sshKey: string;
  knownHosts: string;
}

export function playbookArgs(opts: PlaybookOptions, lab?: LabConnection): string[] {
  const args = ['-i', opts.inventoryDir, opts.playbook];
  if (opts.check) args.push('--check');
  if (opts.diff) args.push('--diff');
  if (opts.tags) args.push('--tags', opts.tags);
  if (opts.skipTags) args.push('--skip-tags', opts.skipTags);
  if (opts.limit) args.push('--limit', opts.limit);
  if (opts.vaultPasswordFile) args.push('--vault-password-file', opts.vaultPasswordFile);
  if (opts.extraVars) args.push('--extra-vars', JSON.stringify(opts.extraVars));
  if (lab) {
    args.push(
      '--extra-vars',
      JSON.stringify({
        ansible_ssh_private_key_file: lab.sshKey,
        ansible_ssh_common_args: `-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes`,
      }),
    );
  }
  return args;
}

export interface HostRecap {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface Failure {
  host: string;
  task: string;
  role: string | null;
  status: 'failed' | 'unreachable';
  message: string;
}

export interface DeployResult {
  exitCode: number;
  recap: Record<string, HostRecap>;
  failures: Failure[];
  changedTasks: { host: string; task: string }[];
  /** wall time of each task across all hosts (the linear strategy runs one task at a time) */
  taskSeconds: { task: string; seconds: number }[];
  seconds: number;
}

export type ResultStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export type AnsibleEvent =
  | { event: 'play'; name: string }
  | { event: 'task'; task: string; role: string | null; handler: boolean }
  | {
      event: 'result';
      host: string;
      status: ResultStatus;
      task: string;
      role: string | null;
      msg?: string | null;
      stderr?: string | null;
      stdout?: string | null;
      rc?: number | null;
      ignored?: boolean;
    }
  | { event: 'retry'; host: string; task: string; attempt: number; retries: number }
  | { event: 'diff'; host: string; task: string; text: string }
  | { event: 'warning'; msg: string }
  | { event: 'stats'; hosts: Record<string, HostRecap> };

/** What the events said so far. */
export interface PlaybookState {
  role: string | null;
  /** the task running now and since when (ms) */
  current: { task: string; since: number } | undefined;
  recap: Record<string, HostRecap>;
  failures: Failure[];
  changedTasks: { host: string; task: string }[];
  taskSeconds: { task: string; seconds: number }[];
  /** stdout lines that were not events (ansible-playbook's own complaints) */
  stray: string[];
}

export const initialPlaybookState: PlaybookState = {
  role: null,
  current: undefined,
  recap: {},
  failures: [],
  changedTasks: [],
  taskSeconds: [],
  stray: [],
};

export interface Step {
  state: PlaybookState;
  /** progress lines to print */
  lines: string[];
}

export function taskLabel(role: string | null, task: string): string {
  return role && !task.startsWith(`${role} : `) ? `${role} : ${task}` : task;
}

function closeTask(state: PlaybookState, at: number): PlaybookState {
  if (!state.current) return state;
  const timed = { task: state.current.task, seconds: (at - state.current.since) / 1000 };
  return { ...state, current: undefined, taskSeconds: [...state.taskSeconds, timed] };
}

function reduceResult(state: PlaybookState, ev: Extract<AnsibleEvent, { event: 'result' }>): Step {
  const label = taskLabel(ev.role, ev.task);
  if (ev.status === 'changed') {
    return { state: { ...state, changedTasks: [...state.changedTasks, { host: ev.host, task: label }] }, lines: [`    changed ${ev.host}: ${ev.task}`] };
  }
  if (ev.status === 'failed' && ev.ignored) return { state, lines: [`    failed (ignored) ${ev.host}: ${ev.task}`] };
  if (ev.status === 'failed' || ev.status === 'unreachable') {
    const message = [ev.msg, ev.stderr, ev.stdout].filter(Boolean).join('\n').trim() || '(no message)';
    const failure: Failure = { host: ev.host, task: label, role: ev.role, status: ev.status, message };
    return { state: { ...state, failures: [...state.failures, failure] }, lines: [`    ${ev.status.toUpperCase()} ${ev.host}: ${ev.task}`] };
  }
  return { state, lines: [] };
}

/** One event in, the next state and what to print out; `at` is the event's arrival time (ms). */
export function reduceEvent(state: PlaybookState, ev: AnsibleEvent, at: number): Step {
  switch (ev.event) {
    case 'play':
      return { state: { ...closeTask(state, at), role: null }, lines: [`PLAY ${ev.name}`] };
    case 'task': {
      const lines = ev.role !== state.role && ev.role ? [`  role ${ev.role}${ev.handler ? ' (handlers)' : ''}`] : [];
      return { state: { ...closeTask(state, at), current: { task: taskLabel(ev.role, ev.task), since: at }, role: ev.role }, lines };
    }
    case 'result':
      return reduceResult(state, ev);
    case 'retry':
      return { state, lines: [`    retry ${ev.attempt}/${ev.retries} ${ev.host}: ${ev.task}`] };
    case 'diff':
      return { state, lines: [`    diff ${ev.host}: ${ev.task}\n${ev.text.replace(/^/gm, '      ')}`] };
    case 'warning':
      return { state, lines: [`  warning: ${ev.msg}`] };
    case 'stats':
      return { state: { ...closeTask(state, at), recap: ev.hosts }, lines: [] };
  }
}

/** One stdout line: an event, or a stray line kept for the failure report. */
export function reduceLine(state: PlaybookState, line: string, at: number): Step {
  let ev: AnsibleEvent;
  try {
    ev = JSON.parse(line) as AnsibleEvent;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { state: { ...state, stray: [...state.stray, line] }, lines: [] };
  }
  return reduceEvent(state, ev, at);
}

/**
 * The result once ansible-playbook exited. A non-zero exit without a failed task means it stopped
 * before running any (syntax error, bad inventory, vault ...): its stderr and stray lines say why.
 */
export function finishPlaybook(state: PlaybookState, exit: { code: number; stderr: string; seconds: number }): DeployResult {
  const result: DeployResult = {
    exitCode: exit.code,
    recap: state.recap,
    failures: state.failures,
    changedTasks: state.changedTasks,
    taskSeconds: state.taskSeconds,
    seconds: exit.seconds,
  };
  if (exit.code !== 0 && state.failures.length === 0) {
    const why = [exit.stderr.trim(), ...state.stray].filter(Boolean).join('\n').slice(-4000);
    result.failures = [{ host: '-', task: '-', role: null, status: 'failed', message: why || `ansible-playbook exited ${exit.code}` }];
  }
  return result;
}

/** Where a run's time went: its `top` slowest tasks and the time of each role, slowest first. */
export function timeSummary(taskSeconds: readonly { task: string; seconds: number }[], top = 10): string[] {
  const roles = new Map<string, number>();
  for (const t of taskSeconds) {
    const role = t.task.includes(' : ') ? (t.task.split(' : ')[0] as string) : '(no role)';
    roles.set(role, (roles.get(role) ?? 0) + t.seconds);
  }
  const slowest = [...taskSeconds].sort((a, b) => b.seconds - a.seconds).slice(0, top);
  const byRole = [...roles].sort((a, b) => b[1] - a[1]);
  return [
    `slowest tasks: ${slowest.map((t) => `${t.task} ${t.seconds.toFixed(1)} s`).join('; ')}`,
    `time by role: ${byRole.map(([role, s]) => `${role} ${s.toFixed(1)} s`).join(', ')}`,
  ];
}
