// Alertmanager's API v2 as the app uses it: create, expire and list silences, list alert groups.
// undici like the GitHub client, with the CA from `alerts.caFile` and basic auth from secrets.yml.
// An Alertmanager that cannot be reached or answers 5xx becomes AlertmanagerUnavailableError,
// which the Slack side turns into an ephemeral "Alertmanager is unreachable" answer.
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';
import { z } from 'zod';
import type { AppMetrics } from '../metrics.ts';
import type { PostableSilence } from './silence.ts';

export interface AlertmanagerClientOptions {
  url: string;
  caFile?: string;
  auth?: { username: string; password: string };
  timeoutMs: number;
  metrics: AppMetrics;
}

export type UnavailableKind = 'unreachable' | 'timeout' | 'server_error';

export class AlertmanagerUnavailableError extends Error {
  constructor(
    readonly operation: string,
    readonly kind: UnavailableKind,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(`Alertmanager ${kind === 'server_error' ? 'failed' : 'is unreachable'} (${operation}: ${detail})`, { cause });
    this.name = 'AlertmanagerUnavailableError';
  }
}

/** A 4xx: the request itself was wrong (an unknown silence id, a bad matcher). */
export class AlertmanagerRejectedError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string,
  ) {
    super(`Alertmanager refused ${operation} (HTTP ${status}): ${detail}`);
    this.name = 'AlertmanagerRejectedError';
  }
}

const matcherSchema = z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().default(true) });

const gettableSilenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['expired', 'active', 'pending']) }),
  updatedAt: z.string(),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});

const gettableAlertSchema = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  fingerprint: z.string(),
  status: z.object({ state: z.enum(['unprocessed', 'active', 'suppressed']), silencedBy: z.array(z.string()), inhibitedBy: z.array(z.string()) }),
});

const alertGroupSchema = z.object({
  labels: z.record(z.string(), z.string()),
  receiver: z.object({ name: z.string() }),
  alerts: z.array(gettableAlertSchema),
});

export type GettableSilence = z.infer<typeof gettableSilenceSchema>;
export type AlertGroup = z.infer<typeof alertGroupSchema>;

export function readAlertmanagerCa(caFile: string | undefined): string | undefined {
  if (!caFile) return undefined;
  try {
    return readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new Error(`alerts.caFile: cannot read ${caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}); point it at a PEM CA bundle`, {
      cause: error,
    });
  }
}

/** Where a monitoring API client sends: the base URL, a pool trusting alerts.caFile, JSON with basic auth. */
export interface MonitoringConnection {
  base: string;
  dispatcher: Agent;
  headers: Record<string, string>;
}

export function monitoringConnection(options: {
  url: string;
  caFile?: string | undefined;
  auth?: { username: string; password: string } | undefined;
}): MonitoringConnection {
  const ca = readAlertmanagerCa(options.caFile);
  return {
    base: options.url.replace(/\/+$/, ''),
    dispatcher: new Agent({ keepAliveTimeout: 30_000, connect: ca ? { ca } : {} }),
    headers: {
      accept: 'application/json',
      ...(options.auth ? { authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` } : {}),
    },
  };
}

export class AlertmanagerClient {
  private readonly base: string;
  private readonly dispatcher: Agent;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: AlertmanagerClientOptions) {
    ({ base: this.base, dispatcher: this.dispatcher, headers: this.headers } = monitoringConnection(options));
  }

  /** Creates the silence; resolves with its id. */
  async createSilence(silence: PostableSilence): Promise<string> {
    const body = await this.request('create silence', 'POST', '/api/v2/silences', silence);
    return z.object({ silenceID: z.string().min(1) }).parse(body).silenceID;
  }

  /** Expires a silence now; one already expired or gone is not an error (Unsilence clicked twice). */
  async expireSilence(id: string): Promise<void> {
    try {
      await this.request('expire silence', 'DELETE', `/api/v2/silence/${encodeURIComponent(id)}`);
    } catch (error) {
      // 0.25 answers both with a 500 and the reason in the body.
      if (error instanceof AlertmanagerUnavailableError && /silence not found|already expired/.test(error.detail)) return;
      throw error;
    }
  }

  async getSilence(id: string): Promise<GettableSilence> {
    return gettableSilenceSchema.parse(await this.request('get silence', 'GET', `/api/v2/silence/${encodeURIComponent(id)}`));
  }

  /** Silences, optionally those whose matchers include every `filter` ("name=value"). */
  async listSilences(filter: string[] = []): Promise<GettableSilence[]> {
    const query = filter.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
    return z.array(gettableSilenceSchema).parse(await this.request('list silences', 'GET', `/api/v2/silences${query ? `?${query}` : ''}`));
  }

  /** Alert groups as Alertmanager routes them; `active` false includes silenced and inhibited ones. */
  async alertGroups(options: { activeOnly?: boolean } = {}): Promise<AlertGroup[]> {
    const query = options.activeOnly ? '?active=true&silenced=false&inhibited=false' : '';
    return z.array(alertGroupSchema).parse(await this.request('list alert groups', 'GET', `/api/v2/alerts/groups${query}`));
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async request(operation: string, method: string, path: string, json?: unknown): Promise<unknown> {
    const { metrics, timeoutMs } = this.options;
    const count = (outcome: string): void => metrics.alertmanagerRequests.inc({ operation, outcome });
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        dispatcher: this.dispatcher,
        signal,
        headers: json === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    } catch (error) {
      if (signal.aborted) {
        count('timeout');
        throw new AlertmanagerUnavailableError(operation, 'timeout', `no answer within ${timeoutMs} ms (alerts.requestTimeoutMs)`, error);
      }
      count('unreachable');
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new AlertmanagerUnavailableError(operation, 'unreachable', cause?.code ?? cause?.message ?? String(error), error);
    }
    const text = await response.text();
    if (response.status >= 500) {
      count('server_error');
      throw new AlertmanagerUnavailableError(operation, 'server_error', `HTTP ${response.status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`);
    }
    if (response.status >= 400) {
      count('rejected');
      // Alertmanager answers 4xx with a short plain-text or JSON reason; keep it short.
      throw new AlertmanagerRejectedError(operation, response.status, text.slice(0, 300).trim());
    }
    count('ok');
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
