// Which bot scopes the app needs: Slack's Web API methods with the scopes their reference
// pages require of a bot token, and the methods this app calls. The manifest's scopes are
// derived from these two, so a new call without a table entry fails a test, not an install.
import type { AppsManifestCreateArguments } from '@slack/web-api';

type Manifest = AppsManifestCreateArguments['manifest'];
export type BotScope = NonNullable<NonNullable<NonNullable<Manifest['oauth_config']>['scopes']>['bot']>[number];

/** Bot scopes each Web API method requires (Slack's method reference, "Required scopes"). */
export const webApiMethodScopes: Readonly<Record<string, readonly BotScope[]>> = {
  'auth.test': [],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  // Opening a 1:1 DM; a group DM would need mpim:write.
  'conversations.open': ['im:write'],
  'reactions.add': ['reactions:write'],
  'reactions.remove': ['reactions:write'],
  'usergroups.users.list': ['usergroups:read'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read.email'],
  'views.open': [],
  'views.publish': [],
  'views.update': [],
};

/**
 * The Web API methods the app calls today. DMs go to the user's ID with chat.postMessage (the
 * app's Messages tab), so no conversations.open; usergroups.users.list reads the members of the
 * user groups in alerts.operators. A unit test checks this list against app/src.
 */
export const appWebApiMethods = [
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'reactions.add',
  'usergroups.users.list',
  'views.open',
  'views.publish',
] as const;

/** Handling a slash command needs this scope. */
export const slashCommandScope: BotScope = 'commands';

/** The bot scopes `methods` need, sorted; throws on a method missing from the table (our bug, not the user's). */
export function botScopesFor(methods: readonly string[], options: { slashCommands: boolean }, table = webApiMethodScopes): BotScope[] {
  const scopes = new Set<BotScope>(options.slashCommands ? [slashCommandScope] : []);
  for (const method of methods) {
    const required = table[method];
    if (!required) throw new Error(`no bot scopes known for the Slack Web API method ${method}: add it to webApiMethodScopes in app/src/slack/scopes.ts`);
    for (const scope of required) scopes.add(scope);
  }
  return [...scopes].sort();
}
