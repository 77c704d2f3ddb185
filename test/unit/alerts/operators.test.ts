import { describe, expect, it } from 'vitest';
import { cachedGroupMembers, checkOperator, refusalReason, refusalText } from '../../../app/src/alerts/operators.ts';

const groups =
  (members: Record<string, string[] | Error>) =>
  (group: string): Promise<string[]> => {
    const found = members[group];
    return found instanceof Error ? Promise.reject(found) : Promise.resolve(found ?? []);
  };

describe('checkOperator', () => {
  it('grants a listed user without reading any group', async () => {
    const read = (): Promise<string[]> => Promise.reject(new Error('must not be read'));
    expect(await checkOperator('U1', ['U1', 'S1'], read)).toEqual({ ok: true });
  });

  it("grants a member of a group that was read even when another group's read failed", async () => {
    expect(await checkOperator('U2', ['S1', 'S2'], groups({ S1: new Error('missing_scope'), S2: ['U2'] }))).toEqual({ ok: true });
  });

  it('refuses a non-member when every group was read', async () => {
    expect(await checkOperator('U3', ['U1', 'S1'], groups({ S1: ['U2'] }))).toEqual({ ok: false, reason: 'not_operator' });
  });

  it('refuses, naming the group and the error, when a group could not be read', async () => {
    const verdict = await checkOperator('U3', ['S1', 'S2'], groups({ S1: ['U2'], S2: new Error('no_such_subteam') }));
    expect(verdict).toEqual({ ok: false, reason: 'groups_unreadable', groups: ['S2'], detail: 'S2: no_such_subteam' });
    if (verdict.ok) throw new Error('granted');
    expect(refusalText(verdict)).toMatch(/^I could not read the members of the user group S2 from Slack \(S2: no_such_subteam\)/);
  });
});

describe('cachedGroupMembers', () => {
  it('reads a group again only after the TTL, and never caches a failure', async () => {
    let now = 0;
    let reads = 0;
    let fail = true;
    const cached = cachedGroupMembers(
      (group) => {
        reads += 1;
        return fail ? Promise.reject(new Error('ratelimited')) : Promise.resolve([`${group}-member-${reads}`]);
      },
      1_000,
      () => now,
    );
    await expect(cached('S1')).rejects.toThrow('ratelimited');
    fail = false;
    expect(await cached('S1')).toEqual(['S1-member-2']);
    now = 999;
    expect(await cached('S1')).toEqual(['S1-member-2']);
    now = 1_001;
    expect(await cached('S1')).toEqual(['S1-member-3']);
    expect(reads).toBe(3);
  });
});

describe('refusalReason', () => {
  it('says why a click was refused, for its action document', () => {
    expect(refusalReason({ ok: false, reason: 'not_operator' })).toBe('not an operator');
    expect(refusalReason({ ok: false, reason: 'groups_unreadable', groups: ['S1', 'S2'], detail: 'missing_scope' })).toBe(
      'user groups unreadable: S1, S2 (missing_scope)',
    );
  });
});
