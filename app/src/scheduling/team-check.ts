// At `serve` and `remind` start: each schedule's team is read once, so a wrong slug or a token
// that may not see the team shows up at once, as a warning naming the schedule and the team.
import type { Logger } from 'pino';
import type { Schedule } from '../config/schema.ts';
import type { PullRequestSource } from '../core/ports.ts';

export interface UnreadableTeam {
  schedule: string;
  team: string;
  reason: string;
}

/** Never rejects: an unreadable team leaves its schedule without members, it does not stop the app. */
export async function checkScheduleTeams(
  schedules: readonly Schedule[],
  source: Pick<PullRequestSource, 'fetchTeamMembers'>,
  logger: Logger,
): Promise<UnreadableTeam[]> {
  const teams = [...new Set(schedules.flatMap((schedule) => (schedule.team ? [schedule.team] : [])))];
  if (teams.length === 0) return [];
  let failures: { team: string; reason: string }[];
  try {
    failures = [...(await source.fetchTeamMembers(teams)).failures];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    failures = teams.map((team) => ({ team, reason }));
  }
  const unreadable = schedules.flatMap((schedule) =>
    failures.filter((failure) => schedule.team?.toLowerCase() === failure.team.toLowerCase()).map((failure) => ({ schedule: schedule.name, ...failure })),
  );
  for (const entry of unreadable) {
    logger.warn(entry, 'team of a schedule could not be read: the schedule has no members until it can be');
  }
  return unreadable;
}
