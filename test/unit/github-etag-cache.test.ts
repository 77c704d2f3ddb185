import { describe, expect, it } from 'vitest';
import { ETagCache, requestKey, type MergedRequestOptions } from '../../app/src/github/conditional-requests.ts';

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

describe('requestKey', () => {
  const list = (extra: Partial<MergedRequestOptions> = {}): MergedRequestOptions => ({
    method: 'GET',
    baseUrl: 'https://api.github.com',
    url: '/repos/{owner}/{repo}/pulls',
    headers: { accept: 'application/vnd.github.v3+json', 'user-agent': 'chatops-pr-reminder' },
    mediaType: { format: '', previews: [] },
    request: { retries: 2 },
    owner: 'acme',
    repo: 'api',
    state: 'open',
    per_page: 100,
    ...extra,
  });

  it('is the same for the same request, whatever order its parameters came in and whatever the request options', () => {
    const reordered: MergedRequestOptions = {
      method: 'GET',
      url: '/repos/{owner}/{repo}/pulls',
      per_page: 100,
      state: 'open',
      repo: 'api',
      owner: 'acme',
      headers: {},
    };
    Object.assign(reordered, {
      baseUrl: 'https://api.github.com',
      headers: { accept: 'application/vnd.github.v3+json' },
      mediaType: { format: '', previews: [] },
    });
    expect(requestKey(list({ request: { retries: 0 } }))).toBe(requestKey(list()));
    expect(requestKey(reordered)).toBe(requestKey(list()));
  });

  it('differs by parameter, route, host and representation', () => {
    const keys = [
      list(),
      list({ repo: 'web' }),
      list({ state: 'closed' }),
      list({ page: 2 }),
      list({ baseUrl: 'https://ghe.example.com/api/v3' }),
      list({ url: 'https://api.github.com/repositories/1/pulls?state=open&per_page=100&page=2', owner: undefined, repo: undefined }),
      list({ headers: { accept: 'application/vnd.github.raw+json' } }),
      list({ mediaType: { format: 'diff', previews: [] } }),
    ].map(requestKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('does not let a parameter value pass for another field', () => {
    expect(requestKey(list({ owner: 'acme","repo":"api' }))).not.toBe(requestKey(list({ owner: 'acme', repo: 'api' })));
  });
});
