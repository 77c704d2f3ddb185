import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { DryRunPoster } from '../../../app/src/slack/web-api.ts';
import { createSlackApp } from '../../../app/src/slack/app.ts';
import { aConfig, aSecrets, capturedLogger, fixedSource, signingSecret, slackSignature } from '../support.ts';

const servers: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function build() {
  const { logger, lines } = capturedLogger();
  const source = fixedSource(new Error('GitHub must not be read for this command'));
  const { receiver } = createSlackApp({ config: aConfig(), secrets: aSecrets(), source, poster: new DryRunPoster(() => undefined), logger });
  const fastify = Fastify();
  await fastify.register(receiver.routes);
  servers.push(fastify);
  return { fastify, source, lines };
}

function command(text: string, user = 'U0ALICE'): string {
  return new URLSearchParams({
    command: '/prs',
    text,
    user_id: user,
    team_id: 'T1',
    channel_id: 'C1',
    response_url: 'http://127.0.0.1:9/unused',
    trigger_id: '1.2.3',
  }).toString();
}

async function post(fastify: Awaited<ReturnType<typeof build>>['fastify'], body: string, options: { timestamp?: number; secret?: string; type?: string } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fastify.inject({
    method: 'POST',
    url: '/slack/events',
    headers: {
      'content-type': options.type ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret ?? signingSecret, timestamp, body),
    },
    payload: body,
  });
}

describe('FastifyReceiver', () => {
  it('answers /prs help in the ack, ephemerally, without reading GitHub', async () => {
    const { fastify, source, lines } = await build();
    const response = await post(fastify, command('help'));
    expect(lines().filter((l) => String(l.message).includes('auth.test'))).toEqual([]);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ response_type: string; blocks: { text: { text: string } }[] }>();
    expect(body.response_type).toBe('ephemeral');
    expect(body.blocks[1]?.text.text).toContain('`/prs mine`: your open pull requests');
    expect(source.reads).toBe(0);
  });

  it('rejects a request signed with the wrong secret with 401', async () => {
    const { fastify, lines } = await build();
    const response = await post(fastify, command('help'), { secret: 'not-the-secret' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'invalid_signature', message: 'Slack request signature is missing, wrong or stale.' });
    expect(JSON.stringify(lines())).not.toContain(signingSecret);
  });

  it('rejects a correctly signed but stale request (over 5 minutes old) with 401', async () => {
    const { fastify } = await build();
    const response = await post(fastify, command('help'), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(response.statusCode).toBe(401);
  });

  it('rejects a correctly signed request dated more than 5 minutes ahead with 401', async () => {
    const { fastify } = await build();
    const response = await post(fastify, command('help'), { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(response.statusCode).toBe(401);
  });

  it('rejects a body changed after signing with 401', async () => {
    const { fastify } = await build();
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fastify.inject({
      method: 'POST',
      url: '/slack/events',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(signingSecret, timestamp, command('help')),
      },
      payload: command('all'),
    });
    expect(response.statusCode).toBe(401);
  });

  it('rejects unsigned requests with 401', async () => {
    const { fastify } = await build();
    const response = await fastify.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: command('help'),
    });
    expect(response.statusCode).toBe(401);
  });

  it('explains bad arguments with the usage', async () => {
    const { fastify } = await build();
    const body = (await post(fastify, command('everything'))).json<{ blocks: { text: { text: string } }[] }>();
    expect(body.blocks[1]?.text.text).toMatch(/^Unknown option "everything"\. Try one of:\n`\/prs mine`/);
  });

  it('tells an unmapped user how to get mapped, without reading GitHub', async () => {
    const { fastify, source } = await build();
    const body = (await post(fastify, command('mine', 'U0NOBODY'))).json<{ text: string }>();
    expect(body.text).toBe('I do not know your GitHub login');
    expect(source.reads).toBe(0);
  });

  it('answers a signed but unparseable body with 400', async () => {
    const { fastify } = await build();
    const response = await post(fastify, '{"type": "event_callback", ', { type: 'application/json' });
    expect([response.statusCode, response.json()]).toEqual([400, { error: 'invalid_body', message: 'Expected a form-encoded or JSON Slack payload.' }]);
  });

  it('answers the Events API url_verification challenge', async () => {
    const { fastify } = await build();
    const response = await post(fastify, JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' }), { type: 'application/json' });
    expect(response.json()).toEqual({ challenge: 'abc123' });
  });
});
