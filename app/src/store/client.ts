// One Elasticsearch client per replica, from the `elasticsearch` config section.
import { readFileSync } from 'node:fs';
import { Client, ClusterConnectionPool } from '@elastic/elasticsearch';
import type { Config, Secrets } from '../config/schema.ts';

export type ElasticsearchSettings = NonNullable<Config['elasticsearch']>;

export interface ClientOptions {
  /** Per-request timeout. Claims need a short one: a fire waits for the answer. */
  requestTimeoutMs?: number;
}

/**
 * Alive and dead nodes instead of the client's default weighted round robin. The weighted pool keeps
 * its scan position at the old top weight after every node has failed: once the whole cluster is
 * back it answers "no living connections" for a few hundred more requests (minutes of skipped fires
 * on the lab). Here a request with every node dead tries them all, and one answer marks that node
 * alive at once. A dead node is pinged again after 5 s, doubling up to 40 s (the client's own default
 * grows to 32 minutes, too long to leave a node that is back unused).
 */
class NodeListPool extends ClusterConnectionPool {
  constructor(options: ConstructorParameters<typeof ClusterConnectionPool>[0]) {
    super(options);
    this.resurrectTimeout = 5_000;
    this.resurrectTimeoutCutoff = 3;
  }
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
    ...(nodeCount(settings.node) > 1 ? { ConnectionPool: NodeListPool } : {}),
    requestTimeout: options.requestTimeoutMs ?? 1_000,
    ...(settings.caFile ? { tls: { ca: readFileSync(settings.caFile) } } : {}),
    ...(secrets.elasticsearchPassword ? { auth: { username: settings.username, password: secrets.elasticsearchPassword } } : {}),
  });
}
