// The Web API poster against the Slack fake, through the real WebClient.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../app/src/logging.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { SlackApiError, SlackWebApi } from '../../../app/src/slack/web-api.ts';
import { startSlackFake, type SlackFake } from '../../../sandbox/slack.ts';

let slack: SlackFake;
beforeAll(async () => {
  slack = await startSlackFake({ host: '127.0.0.1' });
});
afterAll(async () => {
  await slack.close();
});

function poster(token = slack.botToken) {
  const metrics = createMetrics({ defaultMetrics: false });
  const api = new SlackWebApi({ token, apiUrl: slack.apiUrl, logger: createLogger({ level: 'silent' }), metrics, retries: 1 });
  return { api, metrics };
}

async function counter(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('SlackWebApi', () => {
  it('posts a message and returns its ts and channel', async () => {
    const { api, metrics } = poster();
    const result = await api.call({ method: 'chat.postMessage', args: { channel: 'C0WEB', text: 'hello' } });
    expect(result.channel).toBe('C0WEB');
    expect(slack.messages('C0WEB').map((m) => [m.ts, m.text])).toEqual([[result.ts, 'hello']]);
    expect(await counter(metrics, 'chatops_slack_api_calls_total', { method: 'chat.postMessage' })).toBe(1);
  });

  it('waits for Retry-After on 429 and then succeeds, counting the rate limit', async () => {
    const { api, metrics } = poster();
    slack.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    await api.call({ method: 'chat.postMessage', args: { channel: 'C0RATE', text: 'after the wait' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(slack.messages('C0RATE').map((m) => m.text)).toEqual(['after the wait']);
    const attempts = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0RATE').map((c) => c.httpStatus);
    expect(attempts).toEqual([429, 200]);
    expect(await counter(metrics, 'chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'ratelimited' })).toBe(1);
  });

  it('surfaces Slack errors by code and counts them, never quoting the token', async () => {
    const { api, metrics } = poster('xoxb-wrong-token-for-test');
    const error = await api.authTest().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackApiError);
    expect((error as SlackApiError).message).toBe('Slack auth.test failed: invalid_auth');
    expect(JSON.stringify(error)).not.toContain('xoxb-wrong');
    expect(await counter(metrics, 'chatops_slack_api_errors_total', { method: 'auth.test', error: 'invalid_auth' })).toBe(1);
  });

  it('passes auth.test with the right token', async () => {
    const { api } = poster();
    await expect(api.authTest()).resolves.toMatchObject({ user: expect.any(String) });
  });
});
