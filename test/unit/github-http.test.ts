import { describe, expect, it } from 'vitest';
import { githubApiOf } from '../../app/src/github/http.ts';

describe('githubApiOf', () => {
  it.each([
    ['https://api.github.com/graphql', 'graphql'],
    ['https://ghe.example.com/api/graphql', 'graphql'],
    ['http://127.0.0.1:9443/graphql?trace=1', 'graphql'],
    ['https://api.github.com/repos/acme/api/pulls?state=open&per_page=100', 'rest'],
    ['https://api.github.com/repos/acme/graphql/pulls', 'rest'],
    ['https://api.github.com/search/issues?q=/graphql', 'rest'],
    ['https://graphql.example.com/', 'rest'],
  ] as const)('counts %s against the %s budget', (url, api) => {
    expect(githubApiOf(url)).toBe(api);
  });
});
