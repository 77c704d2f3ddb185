import { ReceiverMultipleAckError } from '@slack/bolt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSlackBody, parseSlackRequest, slackPayloadProblem } from '../../../app/src/slack/parse-request.ts';
import { ResponseAck } from '../../../app/src/slack/response-ack.ts';
import { signatureProblem } from '../../../app/src/slack/verify-request.ts';
import { signingSecret, slackSignature } from '../support.ts';

describe('signatureProblem', () => {
  const now = Date.parse('2026-03-10T09:00:00Z');
  const at = now / 1000;
  const body = 'command=%2Fprs&text=help';

  it('accepts a request signed with the signing secret', () => {
    expect(signatureProblem({ raw: body, signature: slackSignature(signingSecret, at, body), timestamp: at }, signingSecret, now)).toBeUndefined();
  });

  it('names a wrong signature, a missing one and a changed body', () => {
    expect(signatureProblem({ raw: body, signature: slackSignature('another-secret', at, body), timestamp: at }, signingSecret, now)).toMatch(/signature/i);
    expect(signatureProblem({ raw: body, signature: undefined, timestamp: at }, signingSecret, now)).toMatch(/signature/i);
    expect(signatureProblem({ raw: `${body}x`, signature: slackSignature(signingSecret, at, body), timestamp: at }, signingSecret, now)).toMatch(/signature/i);
  });

  it('refuses a timestamp over 5 minutes old or over 5 minutes ahead', () => {
    const old = at - 301;
    const ahead = at + 301;
    expect(signatureProblem({ raw: body, signature: slackSignature(signingSecret, old, body), timestamp: old }, signingSecret, now)).toMatch(
      /stale|old|timestamp/i,
    );
    expect(signatureProblem({ raw: body, signature: slackSignature(signingSecret, ahead, body), timestamp: ahead }, signingSecret, now)).toBe(
      `x-slack-request-timestamp ${ahead} is in the future`,
    );
  });
});

describe('parseSlackRequest', () => {
  it('reads a slash command from a form', () => {
    expect(parseSlackRequest('command=%2Fprs&text=mine', 'application/x-www-form-urlencoded')).toEqual({
      kind: 'event',
      body: { command: '/prs', text: 'mine' },
    });
  });

  it('reads interactivity from the form field "payload" as JSON', () => {
    expect(parseSlackBody(`payload=${encodeURIComponent('{"type":"block_actions"}')}`, 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({
      type: 'block_actions',
    });
  });

  it('answers url_verification and ssl_check itself, and marks a body it cannot read', () => {
    expect(parseSlackRequest('{"type":"url_verification","challenge":"c-1"}', 'application/json')).toEqual({ kind: 'url_verification', challenge: 'c-1' });
    expect(parseSlackRequest('ssl_check=1&token=x', 'application/x-www-form-urlencoded')).toEqual({ kind: 'ssl_check' });
    expect(parseSlackRequest('{not json', 'application/json')).toEqual({ kind: 'unparseable' });
  });
});

describe('slackPayloadProblem', () => {
  it('names what Bolt would dereference unchecked in a signed payload', () => {
    expect(parseSlackRequest('null', 'application/json')).toEqual({
      kind: 'malformed',
      problem: 'body must be a JSON object (or a form whose payload field is one)',
    });
    expect(parseSlackRequest('{"type":"event_callback","event":"app_mention"}', 'application/json')).toEqual({
      kind: 'malformed',
      problem: 'event must be an object',
    });
    expect(slackPayloadProblem({ type: 'block_actions', actions: [{ action_id: 'a' }] })).toBe('user must be an object');
    expect(slackPayloadProblem({ type: 'block_actions', user: { id: 'U0ALICE' }, actions: 0 })).toBe('actions must be a list of objects');
    expect(slackPayloadProblem({ command: '/prs', text: 'mine', team_id: 'constructor' })).toBe('team_id is not a Slack ID');
    expect(slackPayloadProblem({ type: 'event_callback', team_id: ['constructor'], event: { type: 'app_home_opened', user: 'U0ALICE' } })).toBe(
      'team_id is not a Slack ID',
    );
    expect(slackPayloadProblem({ type: 'event_callback', team_id: 'T0', authorizations: [{ team_id: 7 }], event: { type: 'message' } })).toBe(
      'authorizations[0].team_id is not a Slack ID',
    );
    expect(slackPayloadProblem({ command: '/prs', user_id: 'U0ALICE' })).toBe('text is required in a slash command');
  });

  it('passes the payloads Slack sends', () => {
    expect(slackPayloadProblem({ command: '/prs', text: '', user_id: 'U0ALICE', team_id: 'T0SANDBOX' })).toBeUndefined();
    expect(slackPayloadProblem({ type: 'block_actions', user: { id: 'U0ALICE', team_id: 'T0' }, team: null, actions: [{ action_id: 'a' }] })).toBeUndefined();
    expect(slackPayloadProblem({ type: 'event_callback', team_id: 'T0', event: { type: 'app_mention', user: 'U0ALICE', channel: 'C0' } })).toBeUndefined();
    expect(
      slackPayloadProblem({
        type: 'event_callback',
        team_id: 'T0',
        authorizations: [{ enterprise_id: null, team_id: 'T0' }],
        event: { type: 'app_home_opened', user: 'U0ALICE' },
      }),
    ).toBeUndefined();
  });
});

describe('ResponseAck', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers 200 with what the listener acked: empty, text or JSON', async () => {
    const empty = new ResponseAck(3_000, () => undefined);
    await empty.ack();
    expect(await empty.result).toEqual({ status: 200, body: '' });
    const text = new ResponseAck(3_000, () => undefined);
    await text.ack('done');
    expect(await text.result).toEqual({ status: 200, body: 'done' });
    const json = new ResponseAck(3_000, () => undefined);
    await json.ack({ response_type: 'ephemeral', text: 'hi' });
    expect(await json.result).toEqual({ status: 200, body: { response_type: 'ephemeral', text: 'hi' } });
    for (const ack of [empty, text, json]) ack.done();
  });

  it('throws on a second ack and keeps the first answer', async () => {
    const ack = new ResponseAck(3_000, () => undefined);
    await ack.ack('first');
    await expect(ack.ack('second')).rejects.toBeInstanceOf(ReceiverMultipleAckError);
    ack.done();
    expect(await ack.result).toEqual({ status: 200, body: 'first' });
  });

  it('answers 500 when the listener failed before acking, 404 when it finished without', async () => {
    const failed = new ResponseAck(3_000, () => undefined);
    failed.failed();
    failed.done();
    expect(await failed.result).toEqual({ status: 500, body: '' });
    const silent = new ResponseAck(3_000, () => undefined);
    silent.done();
    expect(await silent.result).toEqual({ status: 404, body: '' });
  });

  it('answers 404 and reports once the timeout passes without an ack', async () => {
    vi.useFakeTimers();
    const unacked = vi.fn();
    const ack = new ResponseAck(3_001, unacked);
    vi.advanceTimersByTime(3_000);
    expect(ack.isAcked).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await ack.result).toEqual({ status: 404, body: '' });
    expect(unacked).toHaveBeenCalledTimes(1);
  });
});
