// The Web API methods the Slack fake answers (the ones the app calls), each a function of the
// call's arguments returning Slack's `{ ok, ... }` body, with Slack's error names.
import { SLACK_FAKE_BOT_USER_ID, SLACK_FAKE_TEAM_ID, type SlackMessage, type SlackState } from './state.ts';

export type Result = Record<string, unknown>;
export type WebApiMethod = (args: Result) => Result;

export const ok = (extra: Result = {}): Result => ({ ok: true, ...extra });
export const fail = (error: string, extra: Result = {}): Result => ({ ok: false, error, ...extra });

function hasContent(args: Result): boolean {
  return (
    (typeof args.text === 'string' && args.text.length > 0) ||
    (Array.isArray(args.blocks) && args.blocks.length > 0) ||
    (Array.isArray(args.attachments) && args.attachments.length > 0)
  );
}

function postMessage(state: SlackState, args: Result): Result {
  if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
  if (!hasContent(args)) return fail('no_text');
  if (args.thread_ts !== undefined && !state.findMessage(args.channel, args.thread_ts)) return fail('thread_not_found');
  const message: SlackMessage = {
    channel: args.channel,
    ts: state.nextTs(),
    ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
    ...(typeof args.text === 'string' ? { text: args.text } : {}),
    ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
    ...(Array.isArray(args.attachments) ? { attachments: args.attachments } : {}),
    user: SLACK_FAKE_BOT_USER_ID,
    reactions: [],
    edited: false,
  };
  state.posted.push(message);
  return ok({
    channel: message.channel,
    ts: message.ts,
    message: {
      type: 'message',
      user: message.user,
      bot_id: 'B0CHATOPS',
      ts: message.ts,
      ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      text: message.text ?? '',
      ...(message.blocks ? { blocks: message.blocks } : {}),
    },
  });
}

function postEphemeral(state: SlackState, args: Result): Result {
  if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
  if (typeof args.user !== 'string' || args.user === '') return fail('user_not_found');
  if (!hasContent(args)) return fail('no_text');
  const messageTs = state.nextTs();
  state.ephemerals.push({
    channel: args.channel,
    user: args.user,
    ...(typeof args.text === 'string' ? { text: args.text } : {}),
    ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
    message_ts: messageTs,
  });
  return ok({ message_ts: messageTs });
}

function update(state: SlackState, args: Result): Result {
  const message = state.findMessage(args.channel, args.ts);
  if (!message) return fail('message_not_found');
  if (!hasContent(args)) return fail('no_text');
  if (typeof args.text === 'string') message.text = args.text;
  if (Array.isArray(args.blocks)) message.blocks = args.blocks;
  message.edited = true;
  return ok({ channel: message.channel, ts: message.ts, text: message.text ?? '' });
}

function addReaction(state: SlackState, args: Result): Result {
  if (typeof args.name !== 'string' || args.name === '') return fail('invalid_name');
  const message = state.findMessage(args.channel, args.timestamp);
  if (!message) return fail('message_not_found');
  if (message.reactions.includes(args.name)) return fail('already_reacted');
  message.reactions.push(args.name);
  return ok();
}

function openConversation(args: Result): Result {
  const ids = typeof args.users === 'string' ? args.users.split(',') : Array.isArray(args.users) ? args.users : [];
  if (ids.length === 0 && typeof args.channel !== 'string') return fail('users_list_not_supplied');
  if (ids.some((id) => typeof id !== 'string' || !/^[UW][A-Z0-9]+$/.test(id))) return fail('user_not_found');
  // One stable DM channel per user set, as Slack reuses an existing conversation.
  const id = ids.length === 1 ? `D${String(ids[0]).slice(1)}` : `G${ids.map((u) => String(u).slice(1)).join('')}`.slice(0, 20);
  return ok({ channel: { id }, already_open: false, no_op: false });
}

function userInfo(state: SlackState, args: Result): Result {
  const user = typeof args.user === 'string' ? state.users.get(args.user) : undefined;
  if (!user) return fail('user_not_found');
  return ok({
    user: {
      id: user.id,
      team_id: SLACK_FAKE_TEAM_ID,
      name: user.name,
      real_name: user.real_name ?? user.name,
      tz: user.tz ?? 'UTC',
      is_bot: false,
      deleted: false,
      profile: { real_name: user.real_name ?? user.name, display_name: user.name },
    },
  });
}

const truthy = (value: unknown): boolean => value === true || value === 'true' || value === '1' || value === 1;

/**
 * usergroups.users.list: `usergroup` (required) and `include_disabled`; answers `{ ok, users }`
 * with the member ids, or no_such_subteam for an unknown group (and a disabled one unless
 * include_disabled). Needs usergroups:read.
 */
function userGroupMembers(state: SlackState, args: Result): Result {
  if (state.revokedScopes.has('usergroups:read')) return fail('missing_scope', { needed: 'usergroups:read', provided: 'chat:write,commands' });
  if (typeof args.usergroup !== 'string' || args.usergroup === '') return fail('invalid_arguments');
  const group = state.userGroups.get(args.usergroup);
  if (!group || (group.disabled && !truthy(args.include_disabled))) return fail('no_such_subteam');
  return ok({ users: [...group.users] });
}

/** The methods by name; `api.test` is the only one answered without a token. */
export function webApiMethods(state: SlackState): Record<string, WebApiMethod> {
  return {
    'api.test': (args) => ok({ args }),
    'auth.test': () =>
      ok({
        url: 'https://sandbox.slack.test/',
        team: 'ChatOps Sandbox',
        user: 'chatops',
        team_id: SLACK_FAKE_TEAM_ID,
        user_id: SLACK_FAKE_BOT_USER_ID,
        bot_id: 'B0CHATOPS',
        is_enterprise_install: false,
      }),
    'chat.postMessage': (args) => postMessage(state, args),
    'chat.postEphemeral': (args) => postEphemeral(state, args),
    'chat.update': (args) => update(state, args),
    'reactions.add': (args) => addReaction(state, args),
    'conversations.open': openConversation,
    'users.info': (args) => userInfo(state, args),
    'usergroups.users.list': (args) => userGroupMembers(state, args),
  };
}
