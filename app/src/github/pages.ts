// Every page of a GitHub list, the pages after the first all at once. GitHub numbers the pages of
// its page-based lists (`page=N`, documented for each of them) and its first answer's Link header
// names the last one (rel="last"), so pages 2..last need not wait for each other the way
// following rel="next" does: with 31 pages of an organisation's repositories, that chain was the
// longest path of a whole read, each page queued behind the PR lists the page before had started.
// A list paged by cursor (a Link with rel="next" and no rel="last") is followed one page at a time.
// Requests in flight stay bounded by the HTTP pool (client.ts).

interface PageAnswer {
  data: unknown;
  headers: { link?: string | undefined };
}

/**
 * An Octokit list method: called with the list's parameters and a page number, or with a Link's URL
 * in place of the route's parameters, as Octokit's own paginate calls it.
 */
type ReadPage<P, R extends PageAnswer> = (parameters?: P) => Promise<R>;

/** The URL of each rel in a Link header (RFC 8288 as GitHub writes it: `<url>; rel="next", ...`). */
export function parseLinkHeader(link: string | undefined): Map<string, string> {
  const rels = new Map<string, string>();
  for (const part of (link ?? '').split(',')) {
    const match = /^\s*<([^>]*)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (match) for (const rel of (match[2] as string).split(/\s+/)) rels.set(rel, match[1] as string);
  }
  return rels;
}

/** The page number in a rel="last" URL; undefined without one or when it names no positive page. */
export function lastPageNumber(link: string | undefined): number | undefined {
  const last = parseLinkHeader(link).get('last');
  if (last === undefined) return undefined;
  let page: number;
  try {
    page = Number(new URL(last, 'https://github.invalid').searchParams.get('page'));
  } catch {
    return undefined;
  }
  return Number.isSafeInteger(page) && page >= 1 ? page : undefined;
}

/**
 * Every page's answer, in page order. `arrived` hears of each page as it comes (index from 0), so a
 * caller can start on page 7 while page 3 is still on its way; one failed page fails the read.
 */
export async function readPages<P extends object, R extends PageAnswer>(
  read: ReadPage<P, R>,
  parameters: P,
  arrived: (index: number, answer: R) => void = () => undefined,
): Promise<R[]> {
  const first = await read(parameters);
  arrived(0, first);
  const last = lastPageNumber(first.headers.link);
  if (last !== undefined) {
    const later = Array.from({ length: Math.max(0, last - 1) }, async (_, i) => {
      const answer = await read({ ...parameters, page: i + 2 });
      arrived(i + 1, answer);
      return answer;
    });
    return [first, ...(await Promise.all(later))];
  }
  const answers = [first];
  for (let next = parseLinkHeader(first.headers.link).get('next'); next !== undefined;) {
    const answer = await read({ url: next } as unknown as P);
    arrived(answers.length, answer);
    answers.push(answer);
    next = parseLinkHeader(answer.headers.link).get('next');
  }
  return answers;
}
