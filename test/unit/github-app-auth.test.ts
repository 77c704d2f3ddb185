import { describe, expect, it } from 'vitest';
import { InstallationTokenCache } from '../../app/src/github/app-auth.ts';

/** auth-app's cache value: token|createdAt|expiresAt|repositorySelection|permissions|... */
const entry = (created: string, expires: string) => `ghs_x|${created}|${expires}|all|pull_requests,metadata|`;

describe('InstallationTokenCache', () => {
  it('keeps an hour-long token until 5 minutes before expires_at, then drops it so auth-app renews', () => {
    let now = Date.parse('2026-11-28T09:00:00Z');
    const cache = new InstallationTokenCache(() => now);
    const value = entry('2026-11-28T09:00:00.000Z', '2026-11-28T10:00:00Z');
    cache.set('1', value);
    now = Date.parse('2026-11-28T09:54:59Z');
    expect(cache.get('1')).toBe(value);
    now = Date.parse('2026-11-28T09:55:00Z');
    expect(cache.get('1')).toBeUndefined();
    now = Date.parse('2026-11-28T09:00:00Z');
    expect(cache.get('1'), 'a dropped entry stays dropped').toBeUndefined();
  });

  it('renews a short-lived token at half its life, and drops what it cannot read', () => {
    let now = Date.parse('2026-11-28T09:00:00Z');
    const cache = new InstallationTokenCache(() => now);
    cache.set('1', entry('2026-11-28T09:00:00.000Z', '2026-11-28T09:00:10Z'));
    now += 4_999;
    expect(cache.get('1')).toBeDefined();
    now += 1;
    expect(cache.get('1')).toBeUndefined();
    cache.set('2', 'ghs_x|garbage|not-a-date');
    expect(cache.get('2')).toBeUndefined();
    expect(cache.get('3')).toBeUndefined();
  });
});
