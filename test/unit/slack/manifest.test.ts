import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../../../app/src/cli/args.ts';
import { productionCommands, runCommand } from '../../../app/src/cli/run.ts';
import {
  alertsSlashCommand,
  chatopsSlashCommand,
  prsSlashCommand,
  silencesSlashCommand,
  slashCommands,
} from '../../../app/src/slack/listeners/commands/index.ts';
import { botEvents } from '../../../app/src/slack/listeners/events/index.ts';
import { botDisplayName, buildSlackManifest, renderSlackManifest, type SlackManifestInput } from '../../../app/src/slack/manifest.ts';
import { appWebApiMethods, botScopesFor, webApiMethodScopes } from '../../../app/src/slack/scopes.ts';

const appInput: SlackManifestInput = { domain: 'example.com', name: 'ChatOps', slashCommands, webApiMethods: appWebApiMethods, botEvents, interactivity: true };

function built(input: Partial<SlackManifestInput> = {}) {
  const result = buildSlackManifest({ ...appInput, ...input });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.manifest;
}

function problems(input: Partial<SlackManifestInput>): string[] {
  const result = buildSlackManifest({ ...appInput, ...input });
  return result.ok ? [] : result.problems;
}

function io(): CommandIo & { out: string; err: string } {
  const sink = { out: '', err: '', stdout: (t: string) => void (sink.out += t), stderr: (t: string) => void (sink.err += t) };
  return sink;
}

describe('buildSlackManifest', () => {
  it('builds the manifest of the app as it is today: the slash commands, DMs in the Messages tab, the Home tab on app_home_opened, buttons, their scopes', () => {
    expect(built()).toEqual({
      _metadata: { major_version: 1, minor_version: 1 },
      display_information: { name: 'ChatOps', description: 'Reminds teams of their open GitHub pull requests.' },
      features: {
        app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
        bot_user: { display_name: 'chatops', always_online: true },
        slash_commands: [
          {
            command: '/prs',
            url: 'https://chatops.example.com/slack/events',
            description: prsSlashCommand.description,
            usage_hint: 'mine | reviews | all | help',
            should_escape: false,
          },
          ...[alertsSlashCommand, silencesSlashCommand, chatopsSlashCommand].map((c) => ({
            command: c.command,
            url: 'https://chatops.example.com/slack/events',
            description: c.description,
            usage_hint: c.usageHint,
            should_escape: false,
          })),
        ],
      },
      oauth_config: { scopes: { bot: ['chat:write', 'commands', 'reactions:write', 'usergroups:read'] } },
      settings: {
        event_subscriptions: { request_url: 'https://chatops.example.com/slack/events', bot_events: ['app_home_opened'] },
        interactivity: { is_enabled: true, request_url: 'https://chatops.example.com/slack/events' },
        org_deploy_enabled: false,
        socket_mode_enabled: false,
        token_rotation_enabled: false,
      },
    });
  });

  it('subscribes to events and enables interactivity on the same URL once the app handles them', () => {
    const manifest = built({
      domain: 'lab.chatops.test',
      botEvents: ['app_home_opened'],
      interactivity: true,
      webApiMethods: [...appWebApiMethods, 'views.publish'],
    });
    expect(manifest.settings?.event_subscriptions).toEqual({ request_url: 'https://chatops.lab.chatops.test/slack/events', bot_events: ['app_home_opened'] });
    expect(manifest.settings?.interactivity).toEqual({ is_enabled: true, request_url: 'https://chatops.lab.chatops.test/slack/events' });
    expect(manifest.oauth_config?.scopes?.bot).toEqual(['chat:write', 'commands', 'reactions:write', 'usergroups:read']);
  });

  it('enables the Home tab and the Events API only with listeners for app_home_opened', () => {
    const without = built({ botEvents: [] });
    expect(without.features?.app_home?.home_tab_enabled).toBe(false);
    expect(without.settings?.event_subscriptions).toBeUndefined();
    expect(built().features?.app_home?.home_tab_enabled).toBe(true);
  });

  it('asks for no commands scope without slash commands', () => {
    expect(built({ slashCommands: [], webApiMethods: ['chat.postMessage'] }).oauth_config?.scopes?.bot).toEqual(['chat:write']);
  });

  it('names the bot user with the characters Slack allows there', () => {
    expect(built({ name: 'PR Reminders (Acme)' }).features?.bot_user).toEqual({ display_name: 'pr-reminders-acme', always_online: true });
    expect(botDisplayName('  Dev.Ops_Bot 2 ')).toBe('dev.ops_bot-2');
  });

  it('takes a name of exactly 35 characters and refuses 36, naming the flag and the limit', () => {
    expect(built({ name: 'a'.repeat(35) }).display_information.name).toBe('a'.repeat(35));
    expect(problems({ name: 'a'.repeat(36) })).toEqual([`--name: "${'a'.repeat(36)}" is 36 characters; Slack allows at most 35 for an app's name`]);
  });

  it('refuses an empty name, a name with a line break, and one without a letter or digit for the bot user', () => {
    expect(problems({ name: '  ' })).toEqual(['--name: must not be empty; e.g. --name "ChatOps"']);
    expect(problems({ name: 'Chat\nOps' })).toEqual(['--name: must not contain control characters such as line breaks']);
    expect(problems({ name: 'ボット' })).toEqual(['--name: "ボット" has no letter or digit a-z 0-9, which the bot user\'s name needs']);
  });

  it('refuses a domain that is not a DNS name, naming --domain', () => {
    for (const domain of ['https://example.com', 'Example_Org', 'localhost', 'example.com/', '10.0.0.1', '']) {
      expect(problems({ domain })).toEqual([expect.stringMatching(new RegExp(`^--domain: "${domain.replace(/[./]/g, '\\$&')}" is not a DNS domain`))]);
    }
  });

  it('reports every problem at once', () => {
    expect(problems({ domain: 'nope', name: '' })).toHaveLength(2);
  });

  it('renders YAML that reads back as the same manifest', () => {
    const manifest = built();
    const yaml = renderSlackManifest(manifest);
    expect(parse(yaml)).toEqual(manifest);
    expect(yaml).toMatch(/^_metadata:\n {2}major_version: 1\n/);
  });
});

describe('botScopesFor', () => {
  it('unions and sorts the scopes, and auth.test and views.publish need none', () => {
    expect(botScopesFor(['reactions.add', 'chat.update', 'chat.postMessage', 'auth.test', 'views.publish'], { slashCommands: false })).toEqual([
      'chat:write',
      'reactions:write',
    ]);
    expect(botScopesFor(['conversations.open', 'users.info'], { slashCommands: true })).toEqual(['commands', 'im:write', 'users:read']);
  });

  it('throws naming the table when a method has no entry', () => {
    expect(() => botScopesFor(['files.uploadV2'], { slashCommands: false })).toThrow(
      'no bot scopes known for the Slack Web API method files.uploadV2: add it to webApiMethodScopes in app/src/slack/scopes.ts',
    );
  });
});

// Slack Web API namespaces, so `client.indices.create(` (Elasticsearch) is not taken for one.
const slackNamespaces =
  'admin|apps|assistant|auth|bookmarks|bots|calls|canvases|chat|conversations|dialog|dnd|emoji|files|functions|pins|reactions|reminders|search|stars|team|usergroups|users|views|workflows';
const callPatterns: { pattern: RegExp; method: (match: RegExpExecArray) => string }[] = [
  // SlackPoster.call({ method: 'chat.postMessage', ... })
  { pattern: /\bmethod:\s*'([a-z]+\.[A-Za-z.]+)'/g, method: (m) => m[1]! },
  // SlackWebApi.apiCall('auth.test', ...) and WebClient.apiCall
  { pattern: /\bapiCall\(\s*'([a-z]+\.[A-Za-z.]+)'/g, method: (m) => m[1]! },
  // Bolt's client: client.chat.postMessage(...)
  { pattern: new RegExp(`\\bclient\\.(${slackNamespaces})\\.([A-Za-z]+)\\(`, 'g'), method: (m) => `${m[1]}.${m[2]}` },
  // Bolt's say() posts with chat.postMessage
  { pattern: /\bsay\(/g, method: () => 'chat.postMessage' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function methodsCalledIn(source: string): string[] {
  return callPatterns.flatMap(({ pattern, method }) => [...source.matchAll(pattern)].map((match) => method(match)));
}

describe('the Web API methods app/src calls', () => {
  const appSource = resolve(import.meta.dirname, '../../../app/src');
  const called = new Set(sourceFiles(appSource).flatMap((file) => methodsCalledIn(readFileSync(file, 'utf8'))));

  it('finds each way of calling the Web API (so the scan below can fail)', () => {
    expect(
      methodsCalledIn(
        "poster.call({ method: 'chat.update', args }); this.apiCall('auth.test', {}); client.views.publish({}); client.indices.create({}); await say('hi')",
      ),
    ).toEqual(['chat.update', 'auth.test', 'views.publish', 'chat.postMessage']);
  });

  it('are exactly appWebApiMethods, each with an entry in the scope table', () => {
    expect([...called].sort()).toEqual([...appWebApiMethods].sort());
    for (const method of called) expect(webApiMethodScopes, method).toHaveProperty([method]);
  });
});

describe('chatops slack-manifest', () => {
  it('prints the manifest as YAML and exits 0', async () => {
    const sink = io();
    expect(await runCommand(['slack-manifest', '--domain', 'example.com', '--name', 'PR Bot'], productionCommands, sink)).toBe(0);
    expect(sink.err).toBe('');
    expect(parse(sink.out)).toEqual(built({ name: 'PR Bot' }));
  });

  it('exits 2 naming --domain when it is missing or not a DNS name, and prints no manifest', async () => {
    const missing = io();
    expect(await runCommand(['slack-manifest'], productionCommands, missing)).toBe(2);
    expect(missing.err).toMatch(/^chatops slack-manifest: --domain is required: pass the appliance's domain/);
    const bad = io();
    expect(await runCommand(['slack-manifest', '--domain', 'https://example.com'], productionCommands, bad)).toBe(2);
    expect(bad.err).toMatch(/^chatops slack-manifest: --domain: "https:\/\/example\.com" is not a DNS domain/);
    expect(missing.out + bad.out).toBe('');
  });

  it('exits 2 naming --name when it is longer than Slack allows', async () => {
    const sink = io();
    expect(await runCommand(['slack-manifest', '--domain', 'example.com', '--name', 'x'.repeat(36)], productionCommands, sink)).toBe(2);
    expect(sink.err).toBe(`chatops slack-manifest: --name: "${'x'.repeat(36)}" is 36 characters; Slack allows at most 35 for an app's name\n`);
    expect(sink.out).toBe('');
  });
});
