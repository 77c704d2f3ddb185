// What the Slack fake sends to the app as Slack would, each request signed with the v0
// HMAC-SHA256 scheme: Events API callbacks (JSON), and the interactivity payloads of the app's
// own views (form-encoded `payload=`): a button click in the published Home tab (block_actions)
// and the submission of an open modal (view_submission), with the view's input state.
import { randomUUID } from 'node:crypto';
import { SLACK_FAKE_TEAM_ID } from './state.ts';
import type { StoredView, ViewState } from './views.ts';

export interface SignedRequestOptions {
  /** Unix seconds; defaults to now (a stale one must be rejected by the app). */
  timestamp?: number;
  /** Sign with the wrong secret. */
  badSignature?: boolean;
  /** PEM CA to trust when the target is https. */
  ca?: string;
}

export interface SignedAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export type SignedPost = (body: string, contentType: string, options: SignedRequestOptions) => Promise<SignedAnswer>;

/** The envelope Slack wraps every Events API event in. */
export function eventCallback(event: Record<string, unknown>): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    token: 'deprecated-verification-token',
    team_id: SLACK_FAKE_TEAM_ID,
    api_app_id: 'A0CHATOPS',
    event: { event_ts: `${now}.000100`, ...event },
    type: 'event_callback',
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: now,
    authorizations: [{ enterprise_id: null, team_id: SLACK_FAKE_TEAM_ID, user_id: 'U0CHATOPS', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/** app_home_opened for `user`'s Home tab, with the current Home view when one was published. */
export function appHomeOpened(views: ViewState, user: string): Record<string, unknown> {
  const home = views.homes.get(user);
  return { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', ...(home ? { view: publicView(home) } : {}) };
}

function publicView(view: StoredView): Record<string, unknown> {
  const { user: _user, ...rest } = view;
  return rest;
}

const userOf = (user: string): Record<string, unknown> => ({ id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: SLACK_FAKE_TEAM_ID });

/** A click on the button with `actionId` (and `value`, when given) in `user`'s Home tab; undefined when there is none. */
export function homeButtonClick(views: ViewState, user: string, actionId: string, value?: string): Record<string, unknown> | undefined {
  const home = views.homes.get(user);
  if (!home) return undefined;
  for (const block of home.blocks) {
    const elements = [block.accessory, ...(Array.isArray(block.elements) ? block.elements : [])] as Record<string, unknown>[];
    const button = elements.find((e) => e?.type === 'button' && e.action_id === actionId && (value === undefined || e.value === value));
    if (!button) continue;
    return {
      type: 'block_actions',
      user: userOf(user),
      api_app_id: 'A0CHATOPS',
      token: 'deprecated-verification-token',
      container: { type: 'view', view_id: home.id },
      trigger_id: views.issueTrigger(user),
      team: { id: SLACK_FAKE_TEAM_ID, domain: 'chatops-sandbox' },
      enterprise: null,
      is_enterprise_install: false,
      view: publicView(home),
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: typeof block.block_id === 'string' ? block.block_id : `b${home.blocks.indexOf(block)}`,
          text: button.text,
          ...(typeof button.value === 'string' ? { value: button.value } : {}),
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    };
  }
  return undefined;
}

/** What an untouched input element submits: its initial value, or nothing chosen. */
function initialState(element: Record<string, unknown>): Record<string, unknown> {
  switch (element.type) {
    case 'timepicker':
      return { type: 'timepicker', selected_time: element.initial_time ?? null };
    case 'datepicker':
      return { type: 'datepicker', selected_date: element.initial_date ?? null };
    case 'checkboxes':
      return { type: 'checkboxes', selected_options: element.initial_options ?? [] };
    default:
      return { type: element.type, value: element.initial_value ?? null };
  }
}

/**
 * The submission of `user`'s open modal: every input block's state, `changes` (block_id → the
 * element's state fields) over the initial values. Undefined when no modal is open or a change
 * names a block the modal does not have.
 */
export function viewSubmission(views: ViewState, user: string, changes: Record<string, Record<string, unknown>>): Record<string, unknown> | undefined {
  const modal = views.modals.get(user);
  if (!modal) return undefined;
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of modal.blocks) {
    if (block.type !== 'input' || typeof block.block_id !== 'string') continue;
    const element = block.element as Record<string, unknown>;
    values[block.block_id] = { [String(element.action_id)]: { ...initialState(element), ...changes[block.block_id] } };
  }
  if (Object.keys(changes).some((blockId) => !(blockId in values))) return undefined;
  return {
    type: 'view_submission',
    team: { id: SLACK_FAKE_TEAM_ID, domain: 'chatops-sandbox' },
    user: userOf(user),
    api_app_id: 'A0CHATOPS',
    token: 'deprecated-verification-token',
    trigger_id: views.issueTrigger(user),
    view: { ...publicView(modal), state: { values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
