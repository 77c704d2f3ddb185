// Repository resolution: the configured patterns (`acme/api`, `acme/*`) become repository
// names; an owner is listed once however many patterns name it; archived and excluded ones drop out.
// Each name is handed to `found` as soon as its listing page arrives, so the source starts reading
// a repository's PRs while later pages of a large organisation are still on their way (pages.ts:
// the pages after the first are asked for all at once).
import type { RepositoryFailure } from '../core/types.ts';
import type { GitHubOctokit } from './client.ts';
import { compacting } from './conditional-requests.ts';
import { statusOf } from './failures.ts';
import { readPages } from './pages.ts';
import { globToRegExp, isExcluded, parseRepositoryPattern, type RepositoryPattern } from './patterns.ts';

/** The fields of a listed repository read here; GitHub's other ~80 are dropped on arrival. */
interface ListedRepository {
  full_name: string;
  archived?: boolean | undefined;
}

const compactRepository = (repo: ListedRepository): ListedRepository => ({ full_name: repo.full_name, archived: repo.archived });

/** A listing page's repositories, with the page's index: pages arrive in any order. */
type Page = (index: number, repositories: readonly ListedRepository[]) => void;

async function listPages(octokit: GitHubOctokit, owner: string, page: Page): Promise<void> {
  const arrived = (index: number, answer: { data: unknown }): void => page(index, answer.data as ListedRepository[]);
  try {
    await readPages(compacting(octokit.rest.repos.listForOrg, compactRepository), { org: owner, type: 'all', per_page: 100 }, arrived);
  } catch (error) {
    // Not an organisation: the same pattern names a user's repositories (a 404 comes on the first page).
    if (statusOf(error) !== 404) throw error;
    await readPages(compacting(octokit.rest.repos.listForUser, compactRepository), { username: owner, type: 'owner', per_page: 100 }, arrived);
  }
}

export interface RepositoryRequest {
  patterns: string[];
  exclude: string[];
}

/**
 * The repositories the patterns name, each once, in the patterns' order (then the listing's); a
 * pattern whose owner could not be listed goes to `fail` and names none. `found` hears of every
 * name, wildcard matches page by page, before the list is complete: a name it hears of from a
 * listing that then fails is not in the result.
 */
export async function resolveRepositories(
  octokit: GitHubOctokit,
  request: RepositoryRequest,
  describe: (error: unknown) => string,
  fail: (failure: RepositoryFailure) => void,
  found: (fullName: string) => void = () => undefined,
): Promise<string[]> {
  const excluded = request.exclude.map(globToRegExp);
  const announced = new Set<string>();
  const announce = (name: string): void => {
    if (isExcluded(name, excluded) || announced.has(name.toLowerCase())) return;
    announced.add(name.toLowerCase());
    found(name);
  };
  const patterns = request.patterns.map(parseRepositoryPattern);
  const matches = patterns.map((): string[] => []);
  const byOwner = new Map<string, { owner: string; indexes: number[] }>();
  patterns.forEach((pattern, index) => {
    if (!pattern.wildcard) return;
    const key = pattern.owner.toLowerCase();
    const group = byOwner.get(key) ?? { owner: pattern.owner, indexes: [] };
    group.indexes.push(index);
    byOwner.set(key, group);
  });
  patterns.forEach((pattern, index) => {
    if (pattern.wildcard) return;
    matches[index]?.push(`${pattern.owner}/${pattern.repo}`);
    announce(`${pattern.owner}/${pattern.repo}`);
  });
  await Promise.all([...byOwner.values()].map((group) => listOwner(octokit, group, patterns, { matches, announce, describe, fail })));
  const unique = new Map<string, string>();
  for (const name of matches.flat()) {
    if (!isExcluded(name, excluded) && !unique.has(name.toLowerCase())) unique.set(name.toLowerCase(), name);
  }
  return [...unique.values()];
}

interface Collect {
  matches: string[][];
  announce: (name: string) => void;
  describe: (error: unknown) => string;
  fail: (failure: RepositoryFailure) => void;
}

/** One listing of an owner for all of its wildcard patterns; a failure fails each of them. */
async function listOwner(
  octokit: GitHubOctokit,
  group: { owner: string; indexes: number[] },
  patterns: readonly RepositoryPattern[],
  collect: Collect,
): Promise<void> {
  const matchers = group.indexes.map((index) => {
    const pattern = patterns[index] as RepositoryPattern;
    return { index, regexp: globToRegExp(`${pattern.owner}/${pattern.repo}`) };
  });
  // byPage[page][matcher]: the matches kept in the listing's order, whatever order its pages come in.
  const byPage: string[][][] = [];
  try {
    await listPages(octokit, group.owner, (index, page) => {
      const onPage = matchers.map((): string[] => []);
      for (const repo of page) {
        if (repo.archived) continue;
        matchers.forEach((matcher, i) => {
          if (!matcher.regexp.test(repo.full_name)) return;
          onPage[i]?.push(repo.full_name);
          collect.announce(repo.full_name);
        });
      }
      byPage[index] = onPage;
    });
  } catch (error) {
    const reason = collect.describe(error);
    for (const { index } of matchers) {
      const pattern = patterns[index] as RepositoryPattern;
      collect.fail({ repository: `${pattern.owner}/${pattern.repo}`, reason });
    }
    return;
  }
  for (const onPage of byPage) matchers.forEach((matcher, i) => collect.matches[matcher.index]?.push(...(onPage[i] ?? [])));
}
