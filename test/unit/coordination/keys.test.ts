import { describe, expect, it } from 'vitest';
import { fireSecond } from '../../../app/src/core/schedule.ts';
import { fireKey } from '../../../app/src/store/claims.ts';
import { indexNames } from '../../../app/src/store/indices.ts';

describe('fire keys', () => {
  it('gives replicas firing a few ms apart the same key for the same scheduled second', () => {
    const a = fireKey('daily', fireSecond(new Date('2026-03-10T09:00:00.004Z')));
    const b = fireKey('daily', fireSecond(new Date('2026-03-10T09:00:00.987Z')));
    expect(a).toBe('daily@2026-03-10T09:00:00.000Z');
    expect(b).toBe(a);
  });

  it('keeps consecutive seconds of a per-second schedule apart', () => {
    expect(fireKey('tick', fireSecond(new Date('2026-03-10T09:00:01.000Z')))).not.toBe(fireKey('tick', fireSecond(new Date('2026-03-10T09:00:00.999Z'))));
  });

  it('names the four indices after the prefix', () => {
    expect(indexNames('chatops')).toEqual({
      claims: 'chatops-fire-claims',
      history: 'chatops-reminder-history',
      deliveries: 'chatops-webhook-deliveries',
      choices: 'chatops-reminder-choices',
    });
  });
});
