// The Slack Web API as the app uses it: one WebClient pointed at `slack.apiUrl`, with
// rate-limit waits (429 Retry-After, done by WebClient itself) and every call and error
// counted in metrics.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { WebClient, WebClientEvent, type WebAPICallResult } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SlackPostResult, SlackPoster } from '../core/ports.ts';
import type { SlackCall } from '../core/types.ts';
import { slackLogger } from '../logging.ts';
import type { AppMetrics } from '../metrics.ts';

export interface SlackClientOptions {
  token: string;
  apiUrl: string;
  caFile?: string;
  logger: Logger;
  metrics: AppMetrics;
  /** retries after errors other than 429 (429s are always retried after Retry-After) */
  retries?: number;
  timeoutMs?: number;
}

export function slackTls(caFile: string | undefined): { ca: Buffer } | undefined {
  return caFile ? { ca: readFileSync(caFile) } : undefined;
}

/**
 * An HTTPS agent trusting `slack.caFile`. WebClient and Bolt both use axios, which ignores a
 * bare `ca` in its request config: the CA has to travel in an agent.
 */
export function slackAgent(caFile: string | undefined): Agent | undefined {
  const tls = slackTls(caFile);
  return tls ? new Agent({ ca: tls.ca, keepAlive: true }) : undefined;
}

/** Slack's error code for a failed call: `invalid_auth`, `ratelimited`, `request_error`, ... */
export function slackErrorCode(error: unknown): string {
  const e = error as { data?: { error?: unknown }; code?: unknown };
  if (typeof e.data?.error === 'string') return e.data.error;
  if (typeof e.code === 'string') return e.code.replace(/^slack_webapi_/, '');
  return 'unknown';
}

export class SlackWebApi implements SlackPoster {
  readonly client: WebClient;
  private readonly metrics: AppMetrics;
  private readonly logger: Logger;

  constructor(options: SlackClientOptions) {
    this.metrics = options.metrics;
    this.logger = options.logger.child({ component: 'slack-web-api' });
    const agent = slackAgent(options.caFile);
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
      logger: slackLogger(options.logger),
      retryConfig: { retries: options.retries ?? 4, factor: 2, minTimeout: 250, maxTimeout: 5_000 },
      timeout: options.timeoutMs ?? 10_000,
      rejectRateLimitedCalls: false,
      // The original axios error carries request headers, and so the token.
      attachOriginalToWebAPIRequestError: false,
      allowAbsoluteUrls: false,
      ...(agent ? { agent } : {}),
    });
    this.client.on(WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, details: { url: string }) => {
      const method = details.url.replace(/^.*\//, '');
      this.metrics.slackApiErrors.inc({ method, error: 'ratelimited' });
      this.logger.warn({ method, retryAfterSeconds }, 'slack rate limited the call; waiting for Retry-After');
    });
  }

  async apiCall(method: string, args: Record<string, unknown>): Promise<WebAPICallResult & Record<string, unknown>> {
    this.metrics.slackApiCalls.inc({ method });
    try {
      return (await this.client.apiCall(method, args)) as WebAPICallResult & Record<string, unknown>;
    } catch (error) {
      const code = slackErrorCode(error);
      this.metrics.slackApiErrors.inc({ method, error: code });
      throw new SlackApiError(method, code, error);
    }
  }

  async call(call: SlackCall): Promise<SlackPostResult> {
    const result = await this.apiCall(call.method, call.args);
    const ts = typeof result.ts === 'string' ? result.ts : String(call.args.timestamp ?? '');
    const channel = typeof result.channel === 'string' ? result.channel : String(call.args.channel ?? '');
    return { ts, channel };
  }

  /** Checks the token against Slack; resolves with the bot's identity. */
  async authTest(): Promise<{ team?: string; user?: string }> {
    const result = await this.apiCall('auth.test', {});
    return { team: result.team as string | undefined, user: result.user as string | undefined };
  }
}

export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(`Slack ${method} failed: ${code}`, { cause });
    this.name = 'SlackApiError';
  }
}

/**
 * Prints each call as one JSON line instead of calling Slack (`remind --dry-run`). Answers
 * with placeholder timestamps that later calls (thread replies, reactions) refer to.
 */
export class DryRunPoster implements SlackPoster {
  private messages = 0;
  readonly calls: SlackCall[] = [];

  constructor(private readonly write: (line: string) => void) {}

  call(call: SlackCall): Promise<SlackPostResult> {
    this.calls.push(call);
    this.write(`${JSON.stringify({ method: call.method, args: call.args })}\n`);
    if (call.method === 'chat.postMessage') this.messages += 1;
    const ts = call.method === 'chat.postMessage' ? `<dry-run: ts of chat.postMessage #${this.messages}>` : String(call.args.timestamp ?? '');
    return Promise.resolve({ ts, channel: String(call.args.channel ?? '') });
  }
}
