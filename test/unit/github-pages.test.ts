import { describe, expect, it } from 'vitest';
import { lastPageNumber, parseLinkHeader, readPages } from '../../app/src/github/pages.ts';

const API = 'https://api.github.test';
const link = (rels: Record<string, string>): string =>
  Object.entries(rels)
    .map(([rel, url]) => `<${url}>; rel="${rel}"`)
    .join(', ');

describe('parseLinkHeader / lastPageNumber', () => {
  it('reads each rel of a header as GitHub writes it', () => {
    const header = link({
      prev: `${API}/organizations/7/repos?type=all&per_page=100&page=1`,
      next: `${API}/organizations/7/repos?type=all&per_page=100&page=3`,
      last: `${API}/organizations/7/repos?type=all&per_page=100&page=31`,
      first: `${API}/organizations/7/repos?type=all&per_page=100&page=1`,
    });
    const rels = parseLinkHeader(header);
    expect([...rels.keys()]).toEqual(['prev', 'next', 'last', 'first']);
    expect(rels.get('next')).toBe(`${API}/organizations/7/repos?type=all&per_page=100&page=3`);
    expect(lastPageNumber(header)).toBe(31);
  });

  it('names no last page without a header, without rel="last", or with a last URL that numbers no page', () => {
    expect(lastPageNumber(undefined)).toBeUndefined();
    expect(lastPageNumber('')).toBeUndefined();
    expect(lastPageNumber(link({ next: `${API}/x?after=Y3Vyc29y` }))).toBeUndefined();
    expect(lastPageNumber(link({ last: `${API}/x?after=Y3Vyc29y` }))).toBeUndefined();
    expect(lastPageNumber(link({ last: `${API}/x?page=0` }))).toBeUndefined();
    expect(lastPageNumber(link({ last: `${API}/x?page=2.5` }))).toBeUndefined();
    expect(lastPageNumber('<not a url; rel="last"')).toBeUndefined();
  });
});

interface Answer {
  data: string[];
  headers: { link?: string };
}

/** A numbered list of `pages` pages (of two items each) that answers in the order `delays` gives. */
function numberedList(pages: number, delays: (page: number) => number) {
  const asked: unknown[] = [];
  const read = async (parameters?: { org: string; page?: number }): Promise<Answer> => {
    asked.push(parameters);
    const page = parameters?.page ?? 1;
    await new Promise((resolve) => setTimeout(resolve, delays(page)));
    const headers = page < pages ? { link: link({ next: `${API}/o?page=${page + 1}`, last: `${API}/o?page=${pages}` }) } : {};
    return { data: [`r${page}a`, `r${page}b`], headers };
  };
  return { read, asked };
}

describe('readPages', () => {
  it('asks for the pages after the first all at once and gives them back in page order', async () => {
    const list = numberedList(4, (page) => (page === 2 ? 30 : 1));
    const arrived: number[] = [];
    let inFlightWhenFirstLaterArrived = 0;
    const answers = await readPages(list.read, { org: 'acme' }, (index) => {
      if (index > 0 && inFlightWhenFirstLaterArrived === 0) inFlightWhenFirstLaterArrived = list.asked.length;
      arrived.push(index);
    });
    expect(answers.map((answer) => answer.data)).toEqual([
      ['r1a', 'r1b'],
      ['r2a', 'r2b'],
      ['r3a', 'r3b'],
      ['r4a', 'r4b'],
    ]);
    expect(list.asked).toEqual([{ org: 'acme' }, { org: 'acme', page: 2 }, { org: 'acme', page: 3 }, { org: 'acme', page: 4 }]);
    // Page 2 was slowest and arrived last: pages 3 and 4 did not wait for it.
    expect(arrived).toEqual([0, 2, 3, 1]);
    expect(inFlightWhenFirstLaterArrived).toBe(4);
  });

  it('reads a single page once', async () => {
    const list = numberedList(1, () => 0);
    expect((await readPages(list.read, { org: 'acme' })).map((answer) => answer.data)).toEqual([['r1a', 'r1b']]);
    expect(list.asked).toHaveLength(1);
  });

  it('follows rel="next" one page at a time when the pages are not numbered (cursor pagination)', async () => {
    const asked: unknown[] = [];
    const cursors: Record<string, Answer> = {
      first: { data: ['a'], headers: { link: link({ next: `${API}/o?after=c1` }) } },
      [`${API}/o?after=c1`]: { data: ['b'], headers: { link: link({ next: `${API}/o?after=c2`, prev: `${API}/o?before=c1` }) } },
      [`${API}/o?after=c2`]: { data: ['c'], headers: {} },
    };
    // Octokit's list methods take a Link's URL in place of the route's parameters.
    type Parameters = { org: string; page?: number } | { url: string };
    const read = async (parameters?: Parameters): Promise<Answer> => {
      asked.push(parameters);
      const key = parameters && 'url' in parameters ? parameters.url : 'first';
      return cursors[key] as Answer;
    };
    const answers = await readPages<Parameters, Answer>(read, { org: 'acme' });
    expect(answers.map((answer) => answer.data)).toEqual([['a'], ['b'], ['c']]);
    expect(asked).toEqual([{ org: 'acme' }, { url: `${API}/o?after=c1` }, { url: `${API}/o?after=c2` }]);
  });

  it('fails the read when any page fails', async () => {
    const read = async (parameters?: { page?: number }): Promise<Answer> => {
      if (parameters?.page === 3) throw new Error('HTTP 502');
      return { data: [], headers: { link: link({ last: `${API}/o?page=3` }) } };
    };
    await expect(readPages(read, {})).rejects.toThrow('HTTP 502');
  });
});
