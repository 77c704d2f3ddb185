// Prometheus's HTTP API as `/chatops status` uses it: one instant query of `up`. undici like the
// Alertmanager client, with the CA from `alerts.caFile` and basic auth from secrets.yml. One that
// cannot be reached or answers 5xx becomes PrometheusUnavailableError, which the Slack side
// turns into an ephemeral "Prometheus is unreachable" answer.
import { Agent, fetch } from 'undici';
import { z } from 'zod';
import type { AppMetrics } from '../metrics.ts';
import { monitoringConnection, type UnavailableKind } from './alertmanager.ts';

export interface PrometheusClientOptions {
  url: string;
  caFile?: string;
  auth?: { username: string; password: string };
  timeoutMs: number;
  metrics: AppMetrics;
}

export class PrometheusUnavailableError extends Error {
  constructor(
    readonly operation: string,
    readonly kind: UnavailableKind | 'rejected',
    readonly detail: string,
    cause?: unknown,
  ) {
    super(`Prometheus ${kind === 'unreachable' || kind === 'timeout' ? 'is unreachable' : 'failed'} (${operation}: ${detail})`, { cause });
    this.name = 'PrometheusUnavailableError';
  }
}

const vectorSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

/** One sample of an instant vector: its labels and its value. */
export interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

export class PrometheusClient {
  private readonly base: string;
  private readonly dispatcher: Agent;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: PrometheusClientOptions) {
    ({ base: this.base, dispatcher: this.dispatcher, headers: this.headers } = monitoringConnection(options));
  }

  /** An instant query (GET /api/v1/query) whose result is a vector. */
  async instantVector(query: string): Promise<VectorSample[]> {
    const body = vectorSchema.parse(await this.request(`query ${query}`, `/api/v1/query?query=${encodeURIComponent(query)}`));
    return body.data.result.map((sample) => ({ labels: sample.metric, value: Number(sample.value[1]) }));
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async request(operation: string, path: string): Promise<unknown> {
    const { metrics, timeoutMs } = this.options;
    const count = (outcome: string): void => metrics.prometheusRequests.inc({ operation, outcome });
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await fetch(`${this.base}${path}`, { dispatcher: this.dispatcher, signal, headers: this.headers });
    } catch (error) {
      if (signal.aborted) {
        count('timeout');
        throw new PrometheusUnavailableError(operation, 'timeout', `no answer within ${timeoutMs} ms (alerts.requestTimeoutMs)`, error);
      }
      count('unreachable');
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new PrometheusUnavailableError(operation, 'unreachable', cause?.code ?? cause?.message ?? String(error), error);
    }
    const text = await response.text();
    if (response.status >= 400) {
      const outcome = response.status >= 500 ? 'server_error' : 'rejected';
      count(outcome);
      // A 401 here means secrets.yml's `prometheus` credentials are wrong: still "Prometheus failed".
      throw new PrometheusUnavailableError(operation, outcome, `HTTP ${response.status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`);
    }
    count('ok');
    return JSON.parse(text) as unknown;
  }
}
