// The alert slash commands' listener through the real Bolt app and receiver: without an `alerts`
// section they say so in the ack; help, wrong words and a missing response_url are answered in the ack; an answer that
// breaks in our code (Alertmanager answering JSON of another shape) is logged and the user told.
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../../app/src/alerts/alertmanager.ts';
import { AlertCommands } from '../../../app/src/alerts/commands.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { createSlackApp } from '../../../app/src/slack/app.ts';
import { notConfiguredText } from '../../../app/src/slack/listeners/commands/alerts.ts';
import { SlackWebApi } from '../../../app/src/slack/web-api.ts';
import { startSlackFake, type SlackFake } from '../../../sandbox/slack.ts';
import { aConfig, aSecrets, capturedLogger, fixedSource, signingSecret } from '../../unit/support.ts';
import { snapshot } from '../../unit/core/builders.ts';

let slack: SlackFake;
let plain: FastifyInstance;
let plainUrl: string;
let odd: FastifyInstance;
let oddUrl: string;
let oddAlertmanager: FastifyInstance;
let client: AlertmanagerClient;
const log = capturedLogger();

beforeAll(async () => {
  slack = await startSlackFake({ host: '127.0.0.1' });
  const metrics = createMetrics({ defaultMetrics: false });
  const config = aConfig({ slack: { apiUrl: slack.apiUrl, commandCacheSeconds: 0 } });
  const poster = new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, logger: pino({ level: 'silent' }), metrics });
  const without = createSlackApp({ config, secrets: aSecrets(), source: fixedSource(snapshot([])), poster, logger: log.logger });
  plain = Fastify();
  await plain.register(without.receiver.routes);
  plainUrl = await plain.listen({ host: '127.0.0.1', port: 0 });

  // An "Alertmanager" answering a shape the client does not know: our bug to log, not the user's.
  oddAlertmanager = Fastify();
  oddAlertmanager.get('/api/v2/alerts/groups', async () => [{ labels: 'not an object' }]);
  const oddAlertmanagerUrl = await oddAlertmanager.listen({ host: '127.0.0.1', port: 0 });
  client = new AlertmanagerClient({ url: oddAlertmanagerUrl, timeoutMs: 2_000, metrics });
  const commands = new AlertCommands({
    alertmanager: client,
    operators: [],
    groupMembers: () => Promise.resolve([]),
    timeZone: 'UTC',
    replica: 'r1',
    logger: log.logger,
  });
  const withAlerts = createSlackApp({ config, secrets: aSecrets(), source: fixedSource(snapshot([])), poster, logger: log.logger, alertCommands: commands });
  odd = Fastify();
  await odd.register(withAlerts.receiver.routes);
  oddUrl = await odd.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await plain?.close();
  await odd?.close();
  await client?.close();
  await oddAlertmanager?.close();
  await slack?.close();
});

const ackText = (body: string): string | undefined => (JSON.parse(body) as { text?: string }).text;

describe('the alert slash commands', () => {
  it('say alerts are not set up, in the ack, without an alerts section', async () => {
    for (const command of ['/alerts', '/silences']) {
      const sent = await slack.sendSlashCommand(`${plainUrl}/slack/events`, signingSecret, { command, text: '' });
      expect(sent.status).toBe(200);
      expect(ackText(sent.body)).toBe(notConfiguredText);
    }
    const status = await slack.sendSlashCommand(`${plainUrl}/slack/events`, signingSecret, { command: '/chatops', text: 'status' });
    expect(ackText(status.body)).toBe(notConfiguredText);
  });

  it('answer help and a wrong word in the ack', async () => {
    const wrong = await slack.sendSlashCommand(`${plainUrl}/slack/events`, signingSecret, { command: '/chatops', text: 'reboot' });
    expect(ackText(wrong.body)).toMatch(/^I do not know `\/chatops reboot`\.\n\*\/alerts\*: /);
    const help = await slack.sendSlashCommand(`${plainUrl}/slack/events`, signingSecret, { command: '/silences', text: 'help' });
    expect(ackText(help.body)).toMatch(/^\*\/alerts\*: the alert groups firing now/);
  });

  it('answer in the ack, reading nothing, when a command comes without a response_url', async () => {
    const sent = await slack.sendSlashCommand(`${oddUrl}/slack/events`, signingSecret, { command: '/silences', text: '', response_url: '' });
    expect(sent.status).toBe(200);
    expect(ackText(sent.body)).toBe('This command came without a response_url to answer through; nothing was read.');
    expect(log.lines().filter((l) => l.message === 'unhandled error in a Slack listener')).toEqual([]);
  });

  it('log the error and tell the user when the answer breaks in our code', async () => {
    const sent = await slack.sendSlashCommand(`${oddUrl}/slack/events`, signingSecret, { command: '/alerts', text: '' });
    expect(sent.status).toBe(200);
    const deadline = Date.now() + 15_000;
    while (!slack.responses.some((r) => r.id === sent.responseId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(slack.responses.find((r) => r.id === sent.responseId)?.body).toEqual({
      response_type: 'ephemeral',
      text: ':warning: /alerts failed; the error is in the ChatOps log. Try again in a minute.',
    });
    expect(log.lines().find((l) => l.message === '/alerts could not be answered')).toMatchObject({ 'log.level': 'error' });
  });
});
