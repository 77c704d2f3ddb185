// The reminder choices store, one contract for both implementations: Elasticsearch (a real one,
// test/support/elasticsearch.ts, through two clients as two replicas would) and memory.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiddenFor, type ReminderChoices } from '../../../app/src/core/reminder-choices.ts';
import { createElasticsearchClient } from '../../../app/src/store/client.ts';
import { deleteExpired, ensureIndices, indexNames } from '../../../app/src/store/indices.ts';
import { ElasticReminderChoices, MemoryReminderChoices } from '../../../app/src/store/reminder-choices.ts';
import { startElasticsearch, type ElasticsearchServer } from '../../support/elasticsearch.ts';

const logger = pino({ level: 'silent' });
const now = new Date('2026-11-28T09:00:00Z');
const clock = () => now;
let es: ElasticsearchServer;
const clients: ReturnType<typeof createElasticsearchClient>[] = [];

beforeAll(async () => {
  es = await startElasticsearch();
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await es?.destroy();
});

async function elasticPair(prefix: string): Promise<[ReminderChoices, ReminderChoices]> {
  const make = () => {
    const client = createElasticsearchClient({ node: es.url, indexPrefix: prefix, retentionDays: 30, username: 'chatops' }, {}, { requestTimeoutMs: 5_000 });
    clients.push(client);
    return client;
  };
  const first = make();
  await ensureIndices(first, indexNames(prefix), logger);
  return [new ElasticReminderChoices(first, indexNames(prefix).choices, clock), new ElasticReminderChoices(make(), indexNames(prefix).choices, clock)];
}

const stores: [string, () => Promise<[ReminderChoices, ReminderChoices]>][] = [
  ['Elasticsearch', () => elasticPair(`choices-${Math.random().toString(36).slice(2, 8)}`)],
  [
    'memory',
    async () => {
      const one = new MemoryReminderChoices(clock);
      return [one, one];
    },
  ],
];

describe.each(stores)('ReminderChoices in %s', (_name, make) => {
  const channel = { kind: 'channel', id: 'C0DIGEST' } as const;
  const alice = { kind: 'user', id: 'U0ALICE' } as const;
  const api = { repository: 'acme/API', number: 7 };

  it('shows a snooze written by one replica to the next list of the other, replacing an earlier one', async () => {
    const [a, b] = await make();
    await a.snooze(channel, api, { until: new Date('2026-11-29T09:00:00Z') }, 'U0ALICE');
    await a.snooze(channel, api, { untilPush: true }, 'U0BOB');
    const listed = await b.list([channel]);
    expect(listed).toEqual([
      {
        id: 'channel:C0DIGEST|snooze|acme/api#7',
        scope: channel,
        kind: 'snooze',
        repository: 'acme/API',
        number: 7,
        prKey: 'acme/api#7',
        by: 'U0BOB',
        chosenAt: now.toISOString(),
        untilPush: true,
      },
    ]);
    expect([...hiddenFor(listed, channel, now)]).toEqual(['acme/api#7']);
  });

  it('keeps scopes apart, takes choices back, and ends until-push snoozes of one PR only', async () => {
    const [a, b] = await make();
    const web = { repository: 'acme/web', number: 1 };
    await a.notMine('U0ALICE', api);
    await a.snooze(alice, web, { untilPush: true }, 'U0ALICE');
    await a.snooze(channel, web, { untilPush: true }, 'U0BOB');
    await a.snooze(channel, api, { until: new Date('2026-11-30T00:00:00Z') }, 'U0BOB');
    expect((await b.list([alice])).map((c) => c.id).sort()).toEqual(['user:U0ALICE|not-mine|acme/api#7', 'user:U0ALICE|snooze|acme/web#1']);
    expect(await b.list([{ kind: 'user', id: 'U0EVE' }])).toEqual([]);
    expect(await b.list([])).toEqual([]);

    expect(await b.endUntilPush({ repository: 'ACME/Web', number: 1 })).toBe(2);
    expect((await a.list([alice, channel])).map((c) => c.id).sort()).toEqual(['channel:C0DIGEST|snooze|acme/api#7', 'user:U0ALICE|not-mine|acme/api#7']);
    expect(await b.unsnooze(channel, api)).toBe(true);
    expect(await b.unsnooze(channel, api)).toBe(false);
    expect(await b.undoNotMine('U0ALICE', api)).toBe(true);
    expect(await a.list([alice, channel])).toEqual([]);
  });
});

describe('reminder choices retention', () => {
  it('drops snoozes that ended over retentionDays ago and keeps "not mine"', async () => {
    const prefix = 'choices-retention';
    const [store] = await elasticPair(prefix);
    const api = { repository: 'acme/api', number: 1 };
    await store.snooze({ kind: 'channel', id: 'C1' }, api, { until: new Date(Date.now() - 40 * 86_400_000) }, 'U1');
    await store.snooze({ kind: 'channel', id: 'C2' }, api, { until: new Date(Date.now() + 86_400_000) }, 'U1');
    await store.notMine('U1', api);
    const deleted = await deleteExpired(clients.at(-2)!, indexNames(prefix), 30);
    expect(deleted[indexNames(prefix).choices]).toBe(1);
    expect(
      (
        await store.list([
          { kind: 'channel', id: 'C1' },
          { kind: 'channel', id: 'C2' },
          { kind: 'user', id: 'U1' },
        ])
      )
        .map((c) => c.id)
        .sort(),
    ).toEqual(['channel:C2|snooze|acme/api#1', 'user:U1|not-mine|acme/api#1']);
  });
});
