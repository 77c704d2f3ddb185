// GitHub App authentication: @octokit/auth-app trades a JWT for installation tokens; this cache,
// given through its documented `cache` option, makes it renew a token before its `expires_at`.
// auth-app's own cache keeps a token 59 minutes whatever `expires_at` says.
import { createAppAuth } from '@octokit/auth-app';
import type { GitHubAuth } from '../config/schema.ts';

/** Renew when this much of a token's life is left: 5 minutes, or half of a shorter life. */
const RENEW_MARGIN_MS = 5 * 60_000;

/**
 * auth-app's cache contract: `get(key)` returns the string `set` stored or nothing; the string is
 * `token|createdAt|expiresAt|...`. An entry whose renewal margin has begun is not returned, so
 * auth-app asks GitHub for a new token before the old one is refused.
 */
export class InstallationTokenCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    const [, createdAt, expiresAt] = value.split('|');
    const created = Date.parse(createdAt ?? '');
    const expires = Date.parse(expiresAt ?? '');
    const margin = Math.min(RENEW_MARGIN_MS, Number.isFinite(created) ? (expires - created) / 2 : 0);
    if (!Number.isFinite(expires) || expires - this.now() <= margin) {
      this.entries.delete(key);
      return undefined;
    }
    return value;
  }

  set(key: string, value: string): void {
    this.entries.set(key, value);
  }
}

/** Octokit constructor options for `auth`: a token as is, or the App strategy with the cache above. */
export function octokitAuthOptions(auth: GitHubAuth) {
  if (auth.kind === 'token') return { auth: auth.token };
  return {
    authStrategy: createAppAuth,
    auth: { appId: auth.appId, installationId: auth.installationId, privateKey: auth.privateKey, cache: new InstallationTokenCache() },
  };
}

/** The secret whose value must never appear in a failure's description. */
export function authSecret(auth: GitHubAuth): string {
  return auth.kind === 'token' ? auth.token : auth.privateKey;
}
