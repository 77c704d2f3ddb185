// /prs through the real Bolt app and receiver on a listening fastify server, answered via
// the Slack fake's response_url, or by DM when the answer is longer than response_url takes.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp } from '../../../app/src/slack/app.ts';
import { SlackWebApi } from '../../../app/src/slack/web-api.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { maxResponseUrlMessages } from '../../../app/src/slack/listeners/commands/prs.ts';
import { startSlackFake, type SlackFake } from '../../../sandbox/slack.ts';
import { aPullRequest, hoursAgo, snapshot } from '../../unit/core/builders.ts';
import { aConfig, aSecrets, capturedLogger, fixedSource, signingSecret } from '../../unit/support.ts';

let slack: SlackFake;
let server: FastifyInstance;
let url: string;
let brokenServer: FastifyInstance;
let brokenUrl: string;
let brokenLog: ReturnType<typeof capturedLogger>;
let teamServer: FastifyInstance;
let teamUrl: string;
const manyPullRequests = Array.from({ length: 2500 }, (_, i) =>
  aPullRequest({ number: i + 1, author: 'alice', createdAt: hoursAgo(30 + i), title: `A long title for pull request ${i + 1} `.padEnd(200, 'x') }),
);

beforeAll(async () => {
  slack = await startSlackFake({ host: '127.0.0.1' });
  const { logger } = capturedLogger();
  const config = aConfig({ slack: { apiUrl: slack.apiUrl, commandCacheSeconds: 0 } });
  const poster = new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, logger, metrics: createMetrics({ defaultMetrics: false }) });
  const { receiver } = createSlackApp({ config, secrets: aSecrets(), source: fixedSource(snapshot(manyPullRequests)), poster, logger });
  server = Fastify();
  await server.register(receiver.routes);
  url = await server.listen({ host: '127.0.0.1', port: 0 });

  brokenLog = capturedLogger();
  const broken = createSlackApp({ config, secrets: aSecrets(), source: fixedSource(new Error('GitHub answered 502')), poster, logger: brokenLog.logger });
  brokenServer = Fastify();
  await brokenServer.register(broken.receiver.routes);
  brokenUrl = await brokenServer.listen({ host: '127.0.0.1', port: 0 });

  const teamRequested = snapshot([
    aPullRequest({ number: 7, author: 'alice', requestedTeams: ['acme/backend'] }),
    aPullRequest({ number: 8, author: 'alice', requestedTeams: ['acme/frontend'] }),
  ]);
  const team = createSlackApp({
    config,
    secrets: aSecrets(),
    source: fixedSource(teamRequested, { 'acme/backend': ['bob'], 'acme/frontend': ['carol'] }),
    poster,
    logger,
  });
  teamServer = Fastify();
  await teamServer.register(team.receiver.routes);
  teamUrl = await teamServer.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  await brokenServer?.close();
  await teamServer?.close();
  await slack?.close();
});

async function until<T>(read: () => T[], count: number, timeoutMs = 30_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (read().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return read();
}

describe('/prs over a listening server', () => {
  it('sends a list longer than response_url takes by DM, and says so ephemerally', async () => {
    const result = await slack.sendSlashCommand(`${url}/slack/events`, signingSecret, { command: '/prs', text: 'mine', user_id: 'U0ALICE' });
    expect(result.status).toBe(200);
    const [notice] = (await until(() => slack.responses.filter((r) => r.id === result.responseId), 1)).map(
      (r) => r.body as { response_type: string; text: string },
    );
    expect(notice?.response_type).toBe('ephemeral');
    expect(notice?.text).toMatch(/^The list is long \((\d+) messages\), so I sent it to you as a direct message\.$/);
    const parts = Number(/\((\d+) messages\)/.exec(notice?.text ?? '')?.[1]);
    expect(parts).toBeGreaterThan(maxResponseUrlMessages);
    const dms = slack.messages('U0ALICE');
    expect(dms).toHaveLength(parts);
    const lines = dms.flatMap((m) =>
      (m.blocks as { type: string; text?: { text: string } }[]).filter((b) => b.type === 'section').flatMap((b) => b.text?.text.split('\n') ?? []),
    );
    expect(lines).toHaveLength(2500);
    for (const message of dms) expect(message.blocks?.length).toBeLessThanOrEqual(50);
  });

  it('answers a short list through response_url', async () => {
    const result = await slack.sendSlashCommand(`${url}/slack/events`, signingSecret, { command: '/prs', text: 'reviews', user_id: 'U0BOB' });
    const [answer] = (await until(() => slack.responses.filter((r) => r.id === result.responseId), 1)).map((r) => r.body as { text: string });
    expect(answer?.text).toBe('Pull requests waiting for your review');
  });

  it("lists a PR awaiting review from a team among its members' reviews, naming the team once", async () => {
    const result = await slack.sendSlashCommand(`${teamUrl}/slack/events`, signingSecret, { command: '/prs', text: 'reviews', user_id: 'U0BOB' });
    const [answer] = (await until(() => slack.responses.filter((r) => r.id === result.responseId), 1)).map(
      (r) => r.body as { text: string; blocks: unknown[] },
    );
    expect(answer?.text).toBe('Pull requests waiting for your review (1)');
    expect(JSON.stringify(answer?.blocks)).toMatch(/acme\/api#7 Change 7> · by <@U0ALICE> · open \d+ days · :eyes: waiting for @acme\/backend · /);
  });

  it('tells the user when GitHub cannot be read, and logs the error', async () => {
    const result = await slack.sendSlashCommand(`${brokenUrl}/slack/events`, signingSecret, { command: '/prs', text: 'all', user_id: 'U0BOB' });
    expect(result.status).toBe(200);
    const [answer] = (await until(() => slack.responses.filter((r) => r.id === result.responseId), 1)).map(
      (r) => r.body as { response_type: string; text: string },
    );
    expect(answer).toMatchObject({ response_type: 'ephemeral', text: ':warning: I could not read the pull requests right now. Please try again in a minute.' });
    const logged = brokenLog.lines().find((l) => l.message === '/prs could not be answered');
    expect(logged).toMatchObject({ 'log.level': 'error', action: 'all', error: { message: 'GitHub answered 502' } });
  });
});
