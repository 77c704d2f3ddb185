// Members of GitHub teams (GET /orgs/{org}/teams/{slug}/members, every page) for audiences and
// team review requests. Through the same Octokit as the PR lists, so the ETag plugin remembers
// each page: an unchanged team costs a 304 and no rate-limit point.
import type { Logger } from 'pino';
import type { TeamFailure, TeamRoster } from '../core/types.ts';
import type { GitHubOctokit } from './client.ts';
import { statusOf } from './failures.ts';
import { mapBounded } from './review-reads.ts';

export interface TeamReadOptions {
  octokit: GitHubOctokit;
  concurrency: number;
  describe: (error: unknown) => string;
  logger: Logger;
}

function teamFailureReason(error: unknown, describe: (error: unknown) => string): string {
  // GitHub answers 404 both for a team that does not exist and for one the token may not see.
  if (statusOf(error) === 404) return "HTTP 404: Not Found (does the team exist, and may the token read the organisation's teams and members?)";
  return describe(error);
}

/** The members of each "org/slug"; a team that cannot be read is a failure, not an exception. */
export async function readTeamMembers(options: TeamReadOptions, teams: readonly string[]): Promise<TeamRoster> {
  const members = new Map<string, readonly string[]>();
  const failures: TeamFailure[] = [];
  await mapBounded(teams, options.concurrency, async (team) => {
    const [org, teamSlug] = team.split('/') as [string, string];
    try {
      const listed = await options.octokit.paginate(options.octokit.rest.teams.listMembersInOrg, { org, team_slug: teamSlug, per_page: 100 });
      members.set(
        team.toLowerCase(),
        listed.map((member) => member.login),
      );
    } catch (error) {
      const reason = teamFailureReason(error, options.describe);
      options.logger.warn({ team, reason }, 'team members could not be read');
      failures.push({ team, reason });
    }
  });
  return { members, failures: failures.sort((a, b) => a.team.localeCompare(b.team)) };
}
