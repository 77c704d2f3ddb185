// The Slack app manifest for one deployment (`chatops slack-manifest`): Slack's manifest schema,
// every URL on https://chatops.DOMAIN/slack/events, the bot scopes derived from the Web API
// methods the app calls. Pure: the CLI command prints what this returns.
import type { AppsManifestCreateArguments } from '@slack/web-api';
import { stringify } from 'yaml';
import { validateDomain } from '../core/domain.ts';
import type { SlashCommandDefinition } from './listeners/commands/index.ts';
import { botScopesFor, type BotScope } from './scopes.ts';

export type SlackManifest = AppsManifestCreateArguments['manifest'];
type BotEvent = NonNullable<NonNullable<NonNullable<SlackManifest['settings']>['event_subscriptions']>['bot_events']>[number];

export const defaultAppName = 'ChatOps';
/** Slack's limit for display_information.name. */
export const maxAppNameLength = 35;

export interface SlackManifestInput {
  /** the appliance's domain (the inventory's chatops_domain): the app answers on chatops.DOMAIN */
  domain: string;
  name: string;
  slashCommands: readonly SlashCommandDefinition[];
  /** the Web API methods the app calls */
  webApiMethods: readonly string[];
  /** Events API events the app has listeners for (app/src/slack/listeners/events) */
  botEvents?: readonly BotEvent[];
  /** whether the app handles interactivity payloads (buttons, views) */
  interactivity?: boolean;
  /** method → bot scopes; defaults to webApiMethodScopes */
  methodScopes?: Readonly<Record<string, readonly BotScope[]>>;
}

export type SlackManifestResult = { ok: true; manifest: SlackManifest } | { ok: false; problems: string[] };

/** The bot user's name: Slack allows a-z, 0-9, "-", "_" and "." there. */
export function botDisplayName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '');
}

function nameProblems(name: string): string[] {
  if (name.trim() === '') return ['--name: must not be empty; e.g. --name "ChatOps"'];
  const problems: string[] = [];
  if ([...name].length > maxAppNameLength)
    problems.push(`--name: "${name}" is ${[...name].length} characters; Slack allows at most ${maxAppNameLength} for an app's name`);
  if (/\p{Cc}/u.test(name)) problems.push('--name: must not contain control characters such as line breaks');
  if (botDisplayName(name) === '') problems.push(`--name: "${name}" has no letter or digit a-z 0-9, which the bot user's name needs`);
  return problems;
}

export function buildSlackManifest(input: SlackManifestInput): SlackManifestResult {
  const domainProblem = validateDomain(input.domain);
  const problems = [...(domainProblem ? [domainProblem] : []), ...nameProblems(input.name)];
  if (problems.length > 0) return { ok: false, problems };

  const requestUrl = `https://chatops.${input.domain}/slack/events`;
  const botEvents = input.botEvents ?? [];
  const manifest: SlackManifest = {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: input.name,
      description: 'Reminds teams of their open GitHub pull requests.',
    },
    features: {
      // The Home tab (published on app_home_opened) when the app handles that event; the
      // Messages tab carries the reminder DMs, which users cannot answer.
      app_home: { home_tab_enabled: botEvents.includes('app_home_opened'), messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: botDisplayName(input.name), always_online: true },
      slash_commands: input.slashCommands.map((command) => ({
        command: command.command,
        url: requestUrl,
        description: command.description,
        usage_hint: command.usageHint,
        should_escape: false,
      })),
    },
    oauth_config: {
      scopes: { bot: botScopesFor(input.webApiMethods, { slashCommands: input.slashCommands.length > 0 }, input.methodScopes) },
    },
    settings: {
      // Slash commands carry their own URL; the Events API only when there are events to send.
      ...(botEvents.length > 0 ? { event_subscriptions: { request_url: requestUrl, bot_events: [...botEvents] } } : {}),
      interactivity: input.interactivity ? { is_enabled: true, request_url: requestUrl } : { is_enabled: false },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
  return { ok: true, manifest };
}

export function renderSlackManifest(manifest: SlackManifest): string {
  return stringify(manifest, { lineWidth: 0 });
}
