// Repository globs over "owner/repo" names (pure): config patterns and exclude lists.

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
