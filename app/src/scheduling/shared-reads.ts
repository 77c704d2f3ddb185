// One GitHub read per fire time: schedules that fire at the same instant read the union of
// their repositories (and the teams they need) once, and each narrows it to its own scope.
import type { Config, Schedule } from '../config/schema.ts';
import { emptyRoster, mergeRosters, scheduleScope, teamsToRead, unionScope } from '../core/audience.ts';
import type { PullRequestSource } from '../core/ports.ts';
import type { PullRequestSnapshot, TeamRoster } from '../core/types.ts';

export interface CycleRead {
  /** the union of the group's repositories */
  snapshot: PullRequestSnapshot;
  /** members of the group's audience teams and of the teams asked for review */
  roster: TeamRoster;
}

/** Fires of the same instant arrive within seconds; older reads are let go after this. */
const keepMs = 5 * 60_000;

export class SharedReads {
  private readonly byFire = new Map<number, Promise<CycleRead>>();

  constructor(
    private readonly source: PullRequestSource,
    private readonly github: Pick<Config['github'], 'repositories' | 'exclude'>,
  ) {}

  /** The read for `group` (the schedules of one fire); without a fire time, a read of its own. */
  read(group: readonly Schedule[], fireTime?: Date): Promise<CycleRead> {
    if (!fireTime) return this.readNow(group);
    const key = fireTime.getTime();
    const known = this.byFire.get(key);
    if (known) return known;
    for (const old of this.byFire.keys()) if (old < key - keepMs) this.byFire.delete(old);
    const read = this.readNow(group);
    this.byFire.set(key, read);
    // A failed read is not shared with a later fire of the same instant (a retry by hand).
    read.catch(() => {
      if (this.byFire.get(key) === read) this.byFire.delete(key);
    });
    return read;
  }

  private async readNow(group: readonly Schedule[]): Promise<CycleRead> {
    const scope = unionScope(group.map((schedule) => scheduleScope(schedule, this.github)));
    // The audiences' teams are known before the read, so they are read beside it; the teams the
    // PRs ask for review, after it, those the audiences did not already cover.
    const readTeams = async (teams: string[]): Promise<TeamRoster> => (teams.length > 0 ? this.source.fetchTeamMembers(teams) : emptyRoster);
    const [snapshot, audiences] = await Promise.all([
      this.source.fetchOpenPullRequests([...scope.patterns], [...scope.exclude]),
      readTeams(teamsToRead(group, [])),
    ]);
    const roster = mergeRosters(audiences, await readTeams(teamsToRead([], snapshot.pullRequests, audiences)));
    return { snapshot, roster };
  }
}
