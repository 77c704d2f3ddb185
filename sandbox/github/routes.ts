// The GitHub fake's REST routes: which answer a method and path get, with GitHub's pagination
// (Link headers pointing at the /repositories/{id}/..., /organizations/{id}/... forms api.github.com
// uses, at most 100 per page). Authentication, faults, ETags and rate limits are index.ts's.
import type { RestJson } from './json.ts';
import { newInstallationToken } from './app-auth.ts';
import { lowerKey, type GitHubState, type Owner, type Pull, type Repository } from './state.ts';

export const DOCS = 'https://docs.github.com/rest';

export interface Answer {
  status: number;
  body: unknown;
  link?: string;
}

export interface Route {
  /** the repository whose injected failures apply */
  failureKey?: string;
  answer(url: URL): Answer;
}

/** Who the request authenticated as: a token (personal or installation), or an app by its JWT. */
export type Identity = { kind: 'token' } | { kind: 'app'; appId: number };

export const notFound: Answer = { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
const missing: Route = { answer: () => notFound };

export class RestRoutes {
  constructor(
    private readonly state: GitHubState,
    private readonly json: RestJson,
  ) {}

  resolve(method: string, pathname: string, identity: Identity): Route {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (identity.kind === 'app') return this.appRoute(method, parts, identity.appId);
    if (method !== 'GET' && method !== 'HEAD') return missing;
    if (parts[0] === 'repos' && parts.length >= 3) {
      const fullName = `${parts[1]}/${parts[2]}`;
      const repo = this.state.repositories.get(lowerKey(fullName));
      return repo ? this.repositoryRoute(repo, parts.slice(3)) : { failureKey: lowerKey(fullName), answer: () => notFound };
    }
    if (parts[0] === 'repositories' && parts.length >= 2) {
      const repo = this.state.repoById(Number(parts[1]));
      return repo ? this.repositoryRoute(repo, parts.slice(2)) : missing;
    }
    if (parts[0] === 'orgs' && parts[2] === 'teams' && parts.length >= 4) return this.teamRoute(parts[1] ?? '', parts[3] ?? '', parts.slice(4));
    if (parts[0] === 'organizations' && parts[2] === 'team' && parts.length >= 4) {
      const team = this.state.teamById(Number(parts[1]), Number(parts[3]));
      return team ? this.teamRoute(team.org.login, team.slug, parts.slice(4)) : missing;
    }
    if (parts.length === 3 && parts[2] === 'repos') return this.ownerReposRoute(parts[0] ?? '', parts[1] ?? '');
    if (parts.length === 1 && parts[0] === 'user') return { answer: () => ({ status: 200, body: this.json.user('chatops-bot') }) };
    return missing;
  }

  private repositoryRoute(repo: Repository, rest: string[]): Route {
    const failureKey = lowerKey(`${repo.owner.login}/${repo.name}`);
    if (rest.length === 0) return { failureKey, answer: () => ({ status: 200, body: this.json.repository(repo) }) };
    if (rest[0] !== 'pulls') return { failureKey, answer: () => notFound };
    if (rest.length === 1) return { failureKey, answer: (url) => this.listPulls(repo, url) };
    const pr = repo.pulls.get(Number(rest[1]));
    if (!pr) return { failureKey, answer: () => notFound };
    if (rest.length === 2) return { failureKey, answer: () => ({ status: 200, body: this.json.pull(repo, pr) }) };
    if (rest.length === 3 && rest[2] === 'reviews') {
      const linkPath = `/repositories/${repo.id}/pulls/${pr.number}/reviews`;
      return { failureKey, answer: (url) => this.paginate(url, linkPath, pr.reviews, (r) => this.json.review(repo, pr, r)) };
    }
    return { failureKey, answer: () => notFound };
  }

  /** GET /orgs/{org}/teams/{team_slug} and its /members, 404 for a team the organisation lacks. */
  private teamRoute(org: string, slug: string, rest: string[]): Route {
    const team = this.state.team(org, slug);
    if (!team) return missing;
    if (rest.length === 0) return { answer: () => ({ status: 200, body: this.json.team(team) }) };
    if (rest.length === 1 && rest[0] === 'members') {
      const linkPath = `/organizations/${team.org.id}/team/${team.id}/members`;
      return { answer: (url) => this.paginate(url, linkPath, team.members, (login) => this.json.user(login)) };
    }
    return missing;
  }

  /** /orgs/{org}/repos, /users/{user}/repos, and the /organizations/{id}/repos, /user/{id}/repos forms of their links. */
  private ownerReposRoute(kind: string, ownerRef: string): Route {
    let owner: Owner | undefined;
    if (kind === 'orgs' || kind === 'users') {
      owner = this.state.owners.get(ownerRef.toLowerCase());
      if (kind === 'orgs' && owner?.type !== 'Organization') return missing;
    } else if (kind === 'organizations' || kind === 'user') {
      owner = this.state.ownerById(Number(ownerRef));
    }
    if (!owner) return missing;
    const found = owner;
    const linkBase = found.type === 'Organization' ? `/organizations/${found.id}/repos` : `/user/${found.id}/repos`;
    return { answer: (url) => this.listRepos(found, url, kind === 'organizations' || kind === 'user' ? `/${kind}/${found.id}/repos` : linkBase) };
  }

  /** The app's own routes, for a request carrying its JWT. */
  private appRoute(method: string, parts: string[], appId: number): Route {
    const app = this.state.apps.get(appId);
    if (!app || parts[0] !== 'app') return missing;
    if (method === 'GET' && parts.length === 1) return { answer: () => ({ status: 200, body: this.json.app(app) }) };
    const mine = [...this.state.installations.values()].filter((i) => i.appId === appId);
    if (method === 'GET' && parts.length === 2 && parts[1] === 'installations') {
      return { answer: (url) => this.paginate(url, '/app/installations', mine, (i) => this.json.installation(i, app)) };
    }
    const installation = parts[1] === 'installations' ? mine.find((i) => i.id === Number(parts[2])) : undefined;
    if (!installation) return missing;
    if (method === 'GET' && parts.length === 3) return { answer: () => ({ status: 200, body: this.json.installation(installation, app) }) };
    if (method === 'POST' && parts.length === 4 && parts[3] === 'access_tokens') {
      return {
        answer: () => {
          const token = newInstallationToken();
          // GitHub serves expires_at in whole seconds; the token lives exactly that long.
          const expiresAt = Math.floor((Date.now() + this.state.tokenLifetimeMs) / 1000) * 1000;
          this.state.tokens.set(token, { installationId: installation.id, expiresAt });
          return { status: 201, body: this.json.installationToken(token, expiresAt, installation, app) };
        },
      };
    }
    return missing;
  }

  private listRepos(owner: Owner, url: URL, linkBase: string): Answer {
    const sort = url.searchParams.get('sort') ?? (owner.type === 'Organization' ? 'created' : 'full_name');
    const direction = url.searchParams.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
    const items = [...this.state.repositories.values()].filter((r) => r.owner === owner);
    items.sort((a, b) => (sort === 'full_name' ? a.name.localeCompare(b.name) : a.created_at.localeCompare(b.created_at) || a.id - b.id));
    if (direction === 'desc') items.reverse();
    return this.paginate(url, linkBase, items, (repo) => this.json.repository(repo));
  }

  private listPulls(repo: Repository, url: URL): Answer {
    const state = url.searchParams.get('state') ?? 'open';
    const sort = url.searchParams.get('sort') ?? 'created';
    const direction = url.searchParams.get('direction') ?? 'desc';
    const items = [...repo.pulls.values()].filter((p) => state === 'all' || p.state === state);
    const key = (p: Pull): string => (sort === 'updated' ? p.updated_at : p.created_at);
    items.sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number);
    if (direction === 'desc') items.reverse();
    return this.paginate(url, `/repositories/${repo.id}/pulls`, items, (p) => this.json.pull(repo, p));
  }

  private paginate<T>(url: URL, linkPath: string, items: readonly T[], render: (item: T) => unknown): Answer {
    const perPageRaw = Number(url.searchParams.get('per_page') ?? 30);
    const perPage = Math.min(100, Math.max(1, Number.isFinite(perPageRaw) ? Math.trunc(perPageRaw) : 30));
    const pageRaw = Number(url.searchParams.get('page') ?? 1);
    const page = Math.max(1, Number.isFinite(pageRaw) ? Math.trunc(pageRaw) : 1);
    const lastPage = Math.max(1, Math.ceil(items.length / perPage));
    const body = items.slice((page - 1) * perPage, page * perPage).map(render);
    const link = (target: number): string => {
      const query = new URLSearchParams(url.searchParams);
      query.set('per_page', String(perPage));
      query.set('page', String(target));
      return `<${this.json.baseUrl}${linkPath}?${query.toString()}>`;
    };
    const rels: string[] = [];
    if (page > 1) rels.push(`${link(page - 1)}; rel="prev"`);
    if (page < lastPage) rels.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`);
    if (page > 1) rels.push(`${link(1)}; rel="first"`);
    return rels.length > 0 ? { status: 200, body, link: rels.join(', ') } : { status: 200, body };
  }
}
