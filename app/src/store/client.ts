// One Elasticsearch client per replica, from the `elasticsearch` config section.
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { Config, Secrets } from '../config/schema.ts';

export type ElasticsearchSettings = NonNullable<Config['elasticsearch']>;

export interface ClientOptions {
  /** Per-request timeout. Claims need a short one: a fire waits for the answer. */
  requestTimeoutMs?: number;
}

export function createElasticsearchClient(
  settings: ElasticsearchSettings,
  secrets: Pick<Secrets, 'elasticsearchPassword'>,
  options: ClientOptions = {},
): Client {
  return new Client({
    node: settings.node,
    // Retrying is the caller's decision (the coordinator has its own deadline).
    maxRetries: 0,
    requestTimeout: options.requestTimeoutMs ?? 1_000,
    ...(settings.caFile ? { tls: { ca: readFileSync(settings.caFile) } } : {}),
    ...(secrets.elasticsearchPassword ? { auth: { username: settings.username, password: secrets.elasticsearchPassword } } : {}),
  });
}
