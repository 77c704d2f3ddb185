// One Elasticsearch client per replica, from the `elasticsearch` config section.
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { Config, Secrets } from '../config/schema.ts';

export type ElasticsearchSettings = NonNullable<Config['elasticsearch']>;

export interface ClientOptions {
  /** Per-request timeout. Claims need a short one: a fire waits for the answer. */
  requestTimeoutMs?: number;
}

function nodeCount(node: ElasticsearchSettings['node']): number {
  return Array.isArray(node) ? node.length : 1;
}

export function createElasticsearchClient(
  settings: ElasticsearchSettings,
  secrets: Pick<Secrets, 'elasticsearchPassword'>,
  options: ClientOptions = {},
): Client {
  return new Client({
    node: settings.node,
    // A node that refuses the connection or answers 502-504 (its TLS proxy with Elasticsearch stopped) is
    // skipped for the next one at once; a timeout is never retried: that stays the caller's decision
    // (the coordinator has its own deadline).
    maxRetries: nodeCount(settings.node) - 1,
    requestTimeout: options.requestTimeoutMs ?? 1_000,
    ...(settings.caFile ? { tls: { ca: readFileSync(settings.caFile) } } : {}),
    ...(secrets.elasticsearchPassword ? { auth: { username: settings.username, password: secrets.elasticsearchPassword } } : {}),
  });
}
