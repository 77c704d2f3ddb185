import { describe, expect, it } from 'vitest';
import { mapOrNone } from '../../app/src/github/source.ts';

describe('mapOrNone', () => {
  it('maps the items of a list that has some', () => {
    expect(mapOrNone([{ login: 'alice' }, { login: 'bob' }], (user) => user.login)).toEqual(['alice', 'bob']);
  });

  it('gives one shared, frozen empty list for an empty, null or missing list', () => {
    const none = mapOrNone([], String);
    expect(none).toEqual([]);
    expect(mapOrNone(null, String)).toBe(none);
    expect(mapOrNone(undefined, String)).toBe(none);
    expect(Object.isFrozen(none)).toBe(true);
    expect(() => (none as string[]).push('x')).toThrow(TypeError);
  });
});
