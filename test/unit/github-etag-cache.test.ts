import { describe, expect, it } from 'vitest';
import { ETagCache } from '../../app/src/github/conditional-requests.ts';

const entry = (etag: string) => ({ etag, status: 200, url: `https://api.test/${etag}`, headers: {}, data: [] });

describe('ETagCache', () => {
  it('drops the least recently used entry beyond its size, counting reads as use', () => {
    const cache = new ETagCache(2);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    expect(cache.get('a')?.etag).toBe('a');
    cache.set('c', entry('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.etag).toBe('a');
    expect(cache.get('c')?.etag).toBe('c');
    expect(cache.size).toBe(2);
  });

  it('replaces an entry for the same key without growing', () => {
    const cache = new ETagCache(2);
    cache.set('a', entry('a1'));
    cache.set('a', entry('a2'));
    expect(cache.size).toBe(1);
    expect(cache.get('a')?.etag).toBe('a2');
  });
});
