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

/** Glob over "owner/repo" names: "*" and "?" stay within one path segment; case-insensitive like GitHub. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

export function isExcluded(fullName: string, exclude: readonly RegExp[]): boolean {
  return exclude.some((pattern) => pattern.test(fullName));
}
