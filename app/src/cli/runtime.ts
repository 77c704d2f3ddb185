// Builds the adapters a command needs from validated settings.
import { hostname } from 'node:os';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { githubAuthOf, type Config, type Secrets } from '../config/schema.ts';
import type { PullRequestSource } from '../core/ports.ts';
import { createGitHubSource } from '../github/source.ts';
import { createMetrics, type AppMetrics } from '../metrics.ts';
import { createReviewHealthMetrics } from '../review-health/metrics.ts';
import { ReviewHealthRecorder, withReviewHealth } from '../review-health/recorder.ts';
import { SlackWebApi } from '../slack/web-api.ts';
import { version } from '../version.ts';

export interface Runtime {
  replicaId: string;
  metrics: AppMetrics;
  source: PullRequestSource;
  slack: SlackWebApi;
  /** releases the GitHub connections */
  close(): Promise<void>;
}

export function createRuntime(config: Config, secrets: Secrets, logger: Logger, options: { defaultMetrics?: boolean } = {}): Runtime {
  const replicaId = config.replica.id ?? `${hostname()}-${process.pid}`;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  metrics.buildInfo.set({ version, replica: replicaId }, 1);
  const github = createGitHubSource({
    baseUrl: config.github.baseUrl,
    auth: githubAuthOf(secrets),
    concurrency: config.github.concurrency,
    requestTimeoutMs: config.github.requestTimeoutMs,
    metrics,
    logger: logger.child({ component: 'github' }),
    ...(config.github.caFile ? { caFile: config.github.caFile } : {}),
  });
  // Review-health series come from the reads the schedules, /prs and webhooks make anyway.
  const reviewLogger = logger.child({ component: 'review-health' });
  const recorder = new ReviewHealthRecorder({ config, metrics: createReviewHealthMetrics(metrics.registry), logger: reviewLogger });
  const source = withReviewHealth(github, recorder, reviewLogger);
  const slack = new SlackWebApi({
    token: secrets.slackBotToken,
    apiUrl: config.slack.apiUrl,
    logger,
    metrics,
    ...(config.slack.caFile ? { caFile: config.slack.caFile } : {}),
  });
  return { replicaId, metrics, source, slack, close: () => github.close() };
}

/** Releases the runtime's connections once everything registered after it has closed. */
export function runtimePlugin(runtime: Runtime): FastifyPluginAsync {
  return async (fastify) => {
    fastify.addHook('onClose', async () => runtime.close());
  };
}
