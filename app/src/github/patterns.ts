// Repository patterns from config (pure): "owner/repo", "owner/*", "owner/api-*", and exclude globs.

export interface RepositoryPattern {
  owner: string;
  /** the repo part; may hold "*" and "?" */
  repo: string;
  /** true when the repo part is a glob, so the owner's repositories must be listed */
  wildcard: boolean;
}

export function parseRepositoryPattern(pattern: string): RepositoryPattern {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(pattern.trim());
  if (!match?.[1] || !match[2]) {
    throw new Error(`github.repositories: "${pattern}" is not "owner/repo" or "owner/*"`);
  }
  return { owner: match[1], repo: match[2], wildcard: /[*?]/.test(match[2]) };
}

// One glob matcher for the source and the schedules' scopes (app/src/core/audience.ts).
export { globToRegExp, isExcluded } from '../core/repository-globs.ts';
