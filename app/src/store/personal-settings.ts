// People's own reminder settings (App Home): one document per Slack user in Elasticsearch,
// shared by replicas and kept across restarts; in memory for a single replica without it.
// Settings are not coordination records: no retention deletes them.
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { Secrets } from '../config/schema.ts';
import type { PersonalSettings } from '../core/personal-settings.ts';
import type { PersonalSettingsStore } from '../core/ports.ts';
import { createElasticsearchClient, type ElasticsearchSettings } from './client.ts';
import { guarded, statusOf, StoreUnavailableError } from './errors.ts';
import { ensureDefinedIndices, type IndexDefinition } from './indices.ts';

const storeTimeoutMs = 5_000;
const setupRetryMs = 10_000;

export function personalSettingsIndex(prefix: string): string {
  return `${prefix}-personal-settings`;
}

export function personalSettingsDefinition(index: string): IndexDefinition {
  return {
    name: index,
    ageField: 'updatedAt',
    properties: {
      slackUserId: { type: 'keyword' },
      timeZone: { type: 'keyword' },
      dmTime: { type: 'keyword' },
      workingDays: { type: 'byte' },
      quietHours: { properties: { start: { type: 'keyword' }, end: { type: 'keyword' } } },
      pausedUntil: { type: 'keyword' },
      updatedAt: { type: 'date' },
    },
  };
}

/** More people than one organisation's Slack workspace holds; `all()` reads them in one page. */
const maxPeople = 10_000;

export class ElasticPersonalSettings implements PersonalSettingsStore {
  constructor(
    private readonly client: Client,
    private readonly index: string,
  ) {}

  async get(slackUserId: string): Promise<PersonalSettings | undefined> {
    try {
      // realtime get: a save on another replica a moment ago is seen
      const found = await guarded('read personal settings', () => this.client.get<PersonalSettings>({ index: this.index, id: slackUserId }));
      return found._source;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async save(settings: PersonalSettings): Promise<void> {
    // Refreshed at once, so the next cycle's search sees it.
    await guarded('save personal settings', () => this.client.index({ index: this.index, id: settings.slackUserId, document: settings, refresh: true }));
  }

  async all(): Promise<PersonalSettings[]> {
    try {
      const found = await guarded('read all personal settings', () =>
        this.client.search<PersonalSettings>({ index: this.index, size: maxPeople, query: { match_all: {} } }),
      );
      return found.hits.hits.flatMap((hit) => (hit._source ? [hit._source] : []));
    } catch (error) {
      // No index yet: nobody has saved settings.
      if (statusOf(error) === 404) return [];
      throw error;
    }
  }
}

/** A single replica's settings: lost on restart. */
export class MemoryPersonalSettings implements PersonalSettingsStore {
  private readonly settings = new Map<string, PersonalSettings>();

  async get(slackUserId: string): Promise<PersonalSettings | undefined> {
    const found = this.settings.get(slackUserId);
    return found ? structuredClone(found) : undefined;
  }

  async save(settings: PersonalSettings): Promise<void> {
    this.settings.set(settings.slackUserId, structuredClone(settings));
  }

  async all(): Promise<PersonalSettings[]> {
    return [...this.settings.values()].map((s) => structuredClone(s));
  }
}

export interface OpenedPersonalSettings {
  store: PersonalSettingsStore;
  /** resolves once the index is set up, or its setup has failed once (then retried in the background) */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The settings store `serve` uses: Elasticsearch with an `elasticsearch` section (index set up
 * now, or retried in the background while the cluster does not answer), else memory with a warning.
 */
export function openPersonalSettings(
  settings: ElasticsearchSettings | undefined,
  secrets: Pick<Secrets, 'elasticsearchPassword'>,
  logger: Logger,
): OpenedPersonalSettings {
  if (!settings) {
    logger.warn('no elasticsearch in config.yml: personal reminder settings (App Home) are kept in memory and lost on restart, so run a single replica only');
    return { store: new MemoryPersonalSettings(), ready: Promise.resolve(), close: () => Promise.resolve() };
  }
  const client = createElasticsearchClient(settings, secrets, { requestTimeoutMs: storeTimeoutMs });
  const index = personalSettingsIndex(settings.indexPrefix);
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const setUp = (): Promise<void> =>
    ensureDefinedIndices(client, [personalSettingsDefinition(index)], logger).catch((error: unknown) => {
      if (closed) return;
      if (!(error instanceof StoreUnavailableError)) return logger.error({ err: error, index }, 'personal settings index setup failed');
      logger.warn({ err: error, retryInMs: setupRetryMs }, 'Elasticsearch unreachable: personal settings index setup retried in the background');
      retry = setTimeout(() => void setUp(), setupRetryMs);
      retry.unref();
    });
  const ready = setUp();
  return {
    store: new ElasticPersonalSettings(client, index),
    ready,
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await client.close();
    },
  };
}
