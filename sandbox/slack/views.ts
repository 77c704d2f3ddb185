// views.publish and views.open as Slack documents them (docs.slack.dev/reference/methods): a
// Home tab view per user (type "home"), modals opened with a trigger_id the fake itself handed
// out in an interaction less than 3 s earlier; views checked against the view object's limits
// (at most 100 blocks, modal title/submit/close at most 24 characters, submit required with
// input blocks, 250 kB); answers carry the view object as Slack returns it.
import { fail, ok, type Result } from './routes.ts';
import { SLACK_FAKE_TEAM_ID } from './state.ts';

export const maxViewBlocks = 100;
const maxViewBytes = 250_000;
/** A trigger_id can open a modal for 3 seconds. */
export const triggerLifetimeMs = 3_000;

export interface StoredView extends Record<string, unknown> {
  id: string;
  type: 'home' | 'modal';
  blocks: Record<string, unknown>[];
  hash: string;
  /** whose Home, or who opened the modal */
  user: string;
}

export class ViewState {
  readonly homes = new Map<string, StoredView>();
  /** the latest modal each user opened */
  readonly modals = new Map<string, StoredView>();
  private readonly triggers = new Map<string, { user: string; issuedAt: number }>();
  private counter = 0;

  issueTrigger(user: string): string {
    this.counter += 1;
    const id = `${this.counter}.${Date.now()}.${Math.random().toString(16).slice(2, 10)}`;
    this.triggers.set(id, { user, issuedAt: Date.now() });
    return id;
  }

  nextId(): string {
    this.counter += 1;
    return `V${String(this.counter).padStart(9, '0')}`;
  }

  hash(): string {
    this.counter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.counter).padStart(8, '0')}`;
  }

  useTrigger(id: unknown): { user: string } | 'invalid_trigger_id' | 'expired_trigger_id' {
    const trigger = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!trigger) return 'invalid_trigger_id';
    this.triggers.delete(id as string);
    return Date.now() - trigger.issuedAt > triggerLifetimeMs ? 'expired_trigger_id' : { user: trigger.user };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function textProblem(view: Record<string, unknown>, field: string, max: number, required: boolean): string | undefined {
  const text = view[field];
  if (text === undefined) return required ? `[ERROR] missing required field: ${field} [json-pointer:/view]` : undefined;
  if (!isObject(text) || text.type !== 'plain_text' || typeof text.text !== 'string')
    return `[ERROR] must be a plain_text object [json-pointer:/view/${field}]`;
  if (text.text.length === 0 || [...text.text].length > max) return `[ERROR] must be 1-${max} characters [json-pointer:/view/${field}/text]`;
  return undefined;
}

/** What Slack would say is wrong with `view` for a view of `type`, as response_metadata messages. */
export function viewProblems(view: Record<string, unknown>, type: 'home' | 'modal'): string[] {
  const problems: string[] = [];
  if (view.type !== type) problems.push(`[ERROR] must be "${type}" [json-pointer:/view/type]`);
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) return [...problems, '[ERROR] missing required field: blocks [json-pointer:/view]'];
  if (blocks.length > maxViewBlocks) problems.push(`[ERROR] no more than ${maxViewBlocks} items allowed [json-pointer:/view/blocks]`);
  const blockIds = new Set<string>();
  blocks.forEach((block: unknown, index) => {
    if (!isObject(block) || typeof block.type !== 'string') return problems.push(`[ERROR] missing required field: type [json-pointer:/view/blocks/${index}]`);
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) problems.push(`[ERROR] duplicate block_id [json-pointer:/view/blocks/${index}/block_id]`);
      blockIds.add(block.block_id);
    }
    if (block.type === 'input' && (!isObject(block.element) || !isObject(block.label)))
      problems.push(`[ERROR] input blocks need a label and an element [json-pointer:/view/blocks/${index}]`);
    return undefined;
  });
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
    problems.push('[ERROR] must be at most 3000 characters [json-pointer:/view/private_metadata]');
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255)
    problems.push('[ERROR] must be at most 255 characters [json-pointer:/view/callback_id]');
  if (type === 'modal') {
    const hasInputs = blocks.some((b: unknown) => isObject(b) && b.type === 'input');
    for (const [field, required] of [
      ['title', true],
      ['submit', hasInputs],
      ['close', false],
    ] as const) {
      const problem = textProblem(view, field, 24, required);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function parseView(args: Result): Record<string, unknown> | undefined {
  const raw = args.view;
  if (isObject(raw)) return raw;
  if (typeof raw !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function checked(args: Result, type: 'home' | 'modal'): Record<string, unknown> | Result {
  const view = parseView(args);
  if (!view) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: view'] } });
  if (JSON.stringify(view).length > maxViewBytes) return fail('view_too_large');
  const problems = viewProblems(view, type);
  if (problems.length > 0) return fail('invalid_arguments', { response_metadata: { messages: problems } });
  return view;
}

/** The view object as Slack returns it (and sends it back in interactions). */
function stored(state: ViewState, view: Record<string, unknown>, type: 'home' | 'modal', user: string, id: string): StoredView {
  return {
    id,
    team_id: SLACK_FAKE_TEAM_ID,
    type,
    blocks: view.blocks as Record<string, unknown>[],
    private_metadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
    callback_id: typeof view.callback_id === 'string' ? view.callback_id : '',
    state: { values: {} },
    hash: state.hash(),
    title: view.title ?? null,
    close: view.close ?? null,
    submit: view.submit ?? null,
    clear_on_close: false,
    notify_on_close: false,
    previous_view_id: null,
    root_view_id: id,
    app_id: 'A0CHATOPS',
    external_id: typeof view.external_id === 'string' ? view.external_id : '',
    app_installed_team_id: SLACK_FAKE_TEAM_ID,
    bot_id: 'B0CHATOPS',
    user,
  };
}

function publicView(view: StoredView): Result {
  const { user: _user, ...rest } = view;
  return rest;
}

export function publishView(state: ViewState, args: Result): Result {
  if (typeof args.user_id !== 'string' || !/^[UW][A-Z0-9]+$/.test(args.user_id))
    return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: user_id'] } });
  const current = state.homes.get(args.user_id);
  if (typeof args.hash === 'string' && current && args.hash !== current.hash) return fail('hash_conflict');
  const view = checked(args, 'home');
  if ('ok' in view && view.ok === false) return view;
  // One Home view per user: publishing replaces it and keeps its id.
  const home = stored(state, view, 'home', args.user_id, current?.id ?? state.nextId());
  state.homes.set(args.user_id, home);
  return ok({ view: publicView(home) });
}

export function openView(state: ViewState, args: Result): Result {
  const view = checked(args, 'modal');
  if ('ok' in view && view.ok === false) return view;
  const trigger = state.useTrigger(args.trigger_id);
  if (typeof trigger === 'string') return fail(trigger);
  const modal = stored(state, view, 'modal', trigger.user, state.nextId());
  state.modals.set(trigger.user, modal);
  return ok({ view: publicView(modal) });
}
