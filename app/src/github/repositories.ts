// Repository resolution: the configured patterns (`acme/api`, `acme/*`) become repository
// names; an owner is listed once however many patterns name it; archived and excluded ones drop out.
import type { RepositoryFailure } from '../core/types.ts';
import type { GitHubOctokit } from './client.ts';
import { statusOf } from './failures.ts';
import { globToRegExp, isExcluded, parseRepositoryPattern } from './patterns.ts';

type Listing = { full_name: string; archived?: boolean }[];

async function listOwnerRepositories(octokit: GitHubOctokit, owner: string): Promise<Listing> {
  try {
    return await octokit.paginate(octokit.rest.repos.listForOrg, { org: owner, type: 'all', per_page: 100 });
  } catch (error) {
    // Not an organisation: the same pattern names a user's repositories.
    if (statusOf(error) !== 404) throw error;
    return await octokit.paginate(octokit.rest.repos.listForUser, { username: owner, type: 'owner', per_page: 100 });
  }
}

/** The repositories the patterns name, each once; a pattern whose owner could not be listed goes to `fail`. */
export async function resolveRepositories(
  octokit: GitHubOctokit,
  request: { patterns: string[]; exclude: string[] },
  describe: (error: unknown) => string,
  fail: (failure: RepositoryFailure) => void,
): Promise<string[]> {
  const excluded = request.exclude.map(globToRegExp);
  const listings = new Map<string, Promise<Listing>>();
  const names = await Promise.all(
    request.patterns.map(parseRepositoryPattern).map(async (pattern) => {
      if (!pattern.wildcard) return [`${pattern.owner}/${pattern.repo}`];
      const key = pattern.owner.toLowerCase();
      const listing = listings.get(key) ?? listOwnerRepositories(octokit, pattern.owner);
      listings.set(key, listing);
      try {
        const matcher = globToRegExp(`${pattern.owner}/${pattern.repo}`);
        return (await listing).filter((r) => !r.archived && matcher.test(r.full_name)).map((r) => r.full_name);
      } catch (error) {
        fail({ repository: `${pattern.owner}/${pattern.repo}`, reason: describe(error) });
        return [];
      }
    }),
  );
  const unique = new Map<string, string>();
  for (const name of names.flat()) {
    if (!isExcluded(name, excluded) && !unique.has(name.toLowerCase())) unique.set(name.toLowerCase(), name);
  }
  return [...unique.values()];
}
