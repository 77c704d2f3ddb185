// The app's four indices, their templates, and the delete-by-age retention job.
// Per-document retention (not ILM): a claim must live as long as its fire can still be
// claimed, and index-level deletion or rollover would drop young claims together with old ones.
// Deletes go through search + bulk, which every distribution has (delete_by_query needs the
// reindex module, missing from minimal builds such as the integ-test one the tests run).
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { guarded } from './errors.ts';

export interface IndexNames {
  claims: string;
  history: string;
  deliveries: string;
  choices: string;
}

export function indexNames(prefix: string): IndexNames {
  return {
    claims: `${prefix}-fire-claims`,
    history: `${prefix}-reminder-history`,
    deliveries: `${prefix}-webhook-deliveries`,
    choices: `${prefix}-reminder-choices`,
  };
}

type Mapping = Record<string, estypes.MappingProperty>;

export interface IndexDefinition {
  name: string;
  /** the date field retention reads */
  ageField: string;
  properties: Mapping;
}

/** Each index, its mapping and the date field retention reads. */
export function indexDefinitions(names: IndexNames): IndexDefinition[] {
  return [
    {
      name: names.claims,
      ageField: 'fireTime',
      properties: {
        schedule: { type: 'keyword' },
        fireTime: { type: 'date' },
        replica: { type: 'keyword' },
        claimedAt: { type: 'date' },
        // true when the primary posted during an outage and recorded the claim afterwards
        degraded: { type: 'boolean' },
      },
    },
    {
      name: names.history,
      ageField: 'postedAt',
      properties: {
        prKey: { type: 'keyword' },
        repository: { type: 'keyword' },
        number: { type: 'integer' },
        channel: { type: 'keyword' },
        ts: { type: 'keyword' },
        threadTs: { type: 'keyword' },
        schedule: { type: 'keyword' },
        replica: { type: 'keyword' },
        postedAt: { type: 'date' },
        state: { type: 'keyword' },
        updatedAt: { type: 'date' },
        // the PR as rendered, kept to re-render the reply; not searchable
        pr: { type: 'object', enabled: false },
        // age, stale flag and rule as first posted, so an update renders the same reply
        shown: { type: 'object', enabled: false },
      },
    },
    {
      name: names.deliveries,
      ageField: 'receivedAt',
      properties: {
        event: { type: 'keyword' },
        action: { type: 'keyword' },
        replica: { type: 'keyword' },
        receivedAt: { type: 'date' },
      },
    },
    {
      name: names.choices,
      // a snooze goes retentionDays after it ended; "not mine" has no expiresAt and stays
      ageField: 'expiresAt',
      properties: {
        scopeKey: { type: 'keyword' },
        scope: { properties: { kind: { type: 'keyword' }, id: { type: 'keyword' } } },
        kind: { type: 'keyword' },
        repository: { type: 'keyword' },
        number: { type: 'integer' },
        prKey: { type: 'keyword' },
        by: { type: 'keyword' },
        chosenAt: { type: 'date' },
        until: { type: 'date' },
        untilPush: { type: 'boolean' },
        expiresAt: { type: 'date' },
      },
    },
  ];
}

/**
 * Creates (or updates) the index templates and the indices themselves. Idempotent: every
 * replica runs it at start; templates are put, indices created unless present.
 */
export async function ensureIndices(client: Client, names: IndexNames, logger: Logger): Promise<void> {
  await ensureDefinedIndices(client, indexDefinitions(names), logger);
}

/** ensureIndices for any list of definitions (the alert indices live with app/src/alerts). */
export async function ensureDefinedIndices(client: Client, definitions: readonly IndexDefinition[], logger: Logger): Promise<void> {
  // Creating an index waits for its shard: longer than the short claim timeout.
  const slow = { requestTimeout: 30_000 };
  for (const definition of definitions) {
    await guarded('put index template', () =>
      client.indices.putIndexTemplate(
        {
          name: definition.name,
          index_patterns: [definition.name],
          priority: 200,
          template: {
            settings: { number_of_shards: 1, auto_expand_replicas: '0-1', refresh_interval: '1s' },
            mappings: { dynamic: 'strict', properties: definition.properties },
          },
          _meta: { managed_by: 'chatops', retention_field: definition.ageField },
        },
        slow,
      ),
    );
    const exists = await guarded('check index', () => client.indices.exists({ index: definition.name }, slow));
    if (exists) {
      // Fields added since the index was created (mappings only grow; strict refuses unknown ones).
      await guarded('update index mapping', () => client.indices.putMapping({ index: definition.name, properties: definition.properties }, slow));
      logger.debug({ index: definition.name }, 'index already present');
      continue;
    }
    try {
      await guarded('create index', () => client.indices.create({ index: definition.name }, slow));
      logger.info({ index: definition.name }, 'index created');
    } catch (error) {
      // Another replica created it between our check and our create.
      if ((error as { body?: { error?: { type?: string } } }).body?.error?.type !== 'resource_already_exists_exception') throw error;
    }
  }
}

/** Deletes documents older than `retentionDays`; returns how many went, per index. */
export async function deleteExpired(
  client: Client,
  names: IndexNames,
  retentionDays: number,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<Record<string, number>> {
  return deleteExpiredFrom(client, indexDefinitions(names), retentionDays, options);
}

/** deleteExpired for any list of definitions. */
export async function deleteExpiredFrom(
  client: Client,
  definitions: readonly IndexDefinition[],
  retentionDays: number,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<Record<string, number>> {
  const batch = options.batch ?? 1_000;
  const maxBatches = options.maxBatches ?? 100;
  const slow = { requestTimeout: 60_000 };
  const deleted: Record<string, number> = {};
  for (const definition of definitions) {
    let count = 0;
    // Bounded: a backlog larger than batch x maxBatches finishes on the next run.
    for (let round = 0; round < maxBatches; round += 1) {
      const found = await guarded('find expired documents', () =>
        client.search(
          {
            index: definition.name,
            size: batch,
            _source: false,
            query: { range: { [definition.ageField]: { lt: `now-${retentionDays}d` } } },
          },
          slow,
        ),
      );
      const ids = found.hits.hits.flatMap((hit) => (hit._id ? [hit._id] : []));
      if (ids.length === 0) break;
      const result = await guarded('delete expired documents', () =>
        client.bulk({ refresh: true, operations: ids.map((id) => ({ delete: { _index: definition.name, _id: id } })) }, slow),
      );
      count += result.items.filter((item) => item.delete?.result === 'deleted').length;
    }
    deleted[definition.name] = count;
  }
  return deleted;
}
