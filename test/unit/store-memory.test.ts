import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger, MemoryReminderHistory } from '../../app/src/store/memory.ts';
import { aPullRequest } from './core/builders.ts';

describe('MemoryDeliveryLedger', () => {
  it('claims a delivery once, again after release, and forgets the oldest beyond its capacity', async () => {
    const ledger = new MemoryDeliveryLedger(2);
    expect([await ledger.claim('a'), await ledger.claim('a')]).toEqual([true, false]);
    await ledger.release('a');
    expect(await ledger.claim('a')).toBe(true);
    await ledger.claim('b');
    await ledger.claim('c');
    expect([await ledger.claim('b'), await ledger.claim('a')]).toEqual([false, true]);
  });
});

describe('MemoryReminderHistory', () => {
  it('keeps the latest reply per PR and channel, with what it showed, and applies updates', async () => {
    const history = new MemoryReminderHistory(() => new Date('2026-11-28T09:00:00Z'));
    const pr = aPullRequest({ repository: 'acme/API', number: 5 });
    const shown = { ageHours: 30, stale: false, staleBy: 'created' as const, staleAfterDays: 14 };
    await history.recordReply({ pr, channel: 'C1', ts: '1.0', threadTs: '0.9', schedule: 's' });
    await history.recordReply({ pr, channel: 'C1', ts: '2.0', threadTs: '1.9', schedule: 's', shown });
    await history.recordReply({ pr, channel: 'C2', ts: '3.0', threadTs: '2.9', schedule: 's' });
    const replies = await history.latestReplies('acme/api', 5);
    expect(replies.map((r) => [r.channel, r.ts, r.shown])).toEqual([
      ['C1', '2.0', shown],
      ['C2', '3.0', undefined],
    ]);
    await history.updateReply('C1:2.0', { state: 'merged' });
    expect((await history.latestReplies('acme/api', 5)).map((r) => r.state)).toEqual(['merged', 'open']);
    expect(await history.latestReplies('acme/api', 6)).toEqual([]);
  });
});
