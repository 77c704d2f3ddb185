// The GitHub fake's REST answers, shaped like the REST API's (https://docs.github.com/rest): the
// fields the app and the client libraries read, with GitHub's names, URLs and timestamp format.
import {
  githubTime,
  sha1,
  stableId,
  type App,
  type GitHubState,
  type Installation,
  type Owner,
  type Pull,
  type Repository,
  type Review,
  type Team,
} from './state.ts';

export const WEB_URL = 'https://github.test';

type Json = Record<string, unknown>;

export class RestJson {
  /** The API's base URL (with GitHub Enterprise's /api/v3), known once the server listens. */
  baseUrl = '';

  constructor(private readonly state: GitHubState) {}

  owner(owner: Owner): Json {
    return {
      login: owner.login,
      id: owner.id,
      type: owner.type,
      url: `${this.baseUrl}/users/${owner.login}`,
      html_url: `${WEB_URL}/${owner.login}`,
      site_admin: false,
    };
  }

  user(login: string): Json {
    return this.owner({ login, id: stableId(login), type: 'User' });
  }

  repository(repo: Repository): Json {
    const fullName = `${repo.owner.login}/${repo.name}`;
    const open = [...repo.pulls.values()].filter((p) => p.state === 'open').length;
    return {
      id: repo.id,
      node_id: nodeId('Repository', repo.id),
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      owner: this.owner(repo.owner),
      html_url: `${WEB_URL}/${fullName}`,
      description: null,
      fork: false,
      url: `${this.baseUrl}/repos/${fullName}`,
      archived: repo.archived,
      disabled: false,
      visibility: repo.private ? 'private' : 'public',
      created_at: repo.created_at,
      default_branch: 'main',
      open_issues_count: open,
    };
  }

  pull(repo: Repository, pr: Pull): Json {
    const fullName = `${repo.owner.login}/${repo.name}`;
    return {
      url: `${this.baseUrl}/repos/${fullName}/pulls/${pr.number}`,
      id: pr.id,
      node_id: nodeId('PullRequest', pr.id),
      html_url: `${WEB_URL}/${fullName}/pull/${pr.number}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: this.user(pr.user),
      body: pr.body,
      labels: pr.labels.map((name) => ({ id: stableId(`label:${name}`), name, color: 'ededed', default: false })),
      created_at: pr.created_at,
      updated_at: pr.updated_at,
      closed_at: pr.closed_at,
      merged_at: pr.merged_at,
      draft: pr.draft,
      requested_reviewers: pr.requested_reviewers.map((login) => this.user(login)),
      requested_teams: pr.requested_teams.map((slug) => this.teamSimple(requestedTeam(this.state, repo.owner, slug))),
      head: { ref: `feature-${pr.number}`, sha: sha1(`${fullName}#${pr.number}:head`), label: `${repo.owner.login}:feature-${pr.number}` },
      base: { ref: 'main', sha: sha1(`${fullName}:main`), label: `${repo.owner.login}:main` },
      author_association: 'MEMBER',
    };
  }

  review(repo: Repository, pr: Pull, review: Review): Json {
    const fullName = `${repo.owner.login}/${repo.name}`;
    return {
      id: review.id,
      node_id: nodeId('PullRequestReview', review.id),
      user: this.user(review.user),
      body: review.body,
      state: review.state,
      html_url: `${WEB_URL}/${fullName}/pull/${pr.number}#pullrequestreview-${review.id}`,
      pull_request_url: `${this.baseUrl}/repos/${fullName}/pulls/${pr.number}`,
      author_association: 'MEMBER',
      // GitHub leaves submitted_at out of a pending review.
      ...(review.state === 'PENDING' ? {} : { submitted_at: review.submitted_at }),
      commit_id: sha1(`${fullName}#${pr.number}:head`),
    };
  }

  /** A team as lists and `requested_teams` carry it. */
  teamSimple(team: Team): Json {
    const url = `${this.baseUrl}/organizations/${team.org.id}/team/${team.id}`;
    return {
      id: team.id,
      node_id: nodeId('Team', team.id),
      url,
      html_url: `${WEB_URL}/orgs/${team.org.login}/teams/${team.slug}`,
      name: team.name,
      slug: team.slug,
      description: team.description,
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      permission: 'pull',
      members_url: `${url}/members{/member}`,
      repositories_url: `${url}/repos`,
      parent: null,
    };
  }

  /** GET /orgs/{org}/teams/{team_slug}: the full team. */
  team(team: Team): Json {
    return {
      ...this.teamSimple(team),
      members_count: team.members.length,
      repos_count: 0,
      created_at: team.created_at,
      updated_at: team.created_at,
      organization: { ...this.owner(team.org), name: team.org.login },
    };
  }

  app(app: App): Json {
    return {
      id: app.id,
      slug: app.slug,
      node_id: nodeId('App', app.id),
      owner: this.user('chatops-admin'),
      name: app.name,
      description: '',
      external_url: WEB_URL,
      html_url: `${WEB_URL}/apps/${app.slug}`,
      created_at: app.created_at,
      updated_at: app.created_at,
      permissions: app.permissions,
      events: app.events,
      installations_count: [...this.state.installations.values()].filter((i) => i.appId === app.id).length,
    };
  }

  installation(installation: Installation, app: App): Json {
    return {
      id: installation.id,
      account: this.owner(installation.account),
      repository_selection: installation.repositorySelection,
      access_tokens_url: `${this.baseUrl}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${this.baseUrl}/installation/repositories`,
      html_url: `${WEB_URL}/organizations/${installation.account.login}/settings/installations/${installation.id}`,
      app_id: app.id,
      app_slug: app.slug,
      target_id: installation.account.id,
      target_type: installation.account.type,
      permissions: app.permissions,
      events: app.events,
      created_at: installation.created_at,
      updated_at: installation.created_at,
      single_file_name: null,
      suspended_at: null,
    };
  }

  installationToken(token: string, expiresAt: number, installation: Installation, app: App): Json {
    return {
      token,
      expires_at: githubTime(expiresAt),
      permissions: app.permissions,
      repository_selection: installation.repositorySelection,
    };
  }
}

/** A requested team the test never added still renders, with what its slug tells. */
export function requestedTeam(state: GitHubState, org: Owner, slug: string): Team {
  return (
    state.team(org.login, slug) ?? {
      id: stableId(`team:${slug}`),
      org,
      slug,
      name: slug,
      description: '',
      members: [],
      created_at: githubTime(Date.UTC(2024, 0, 1)),
    }
  );
}

function nodeId(type: string, id: number): string {
  return Buffer.from(`${type}${id}`).toString('base64');
}
