// The seams between the reminder engine and the adapters around it. Pure types: no I/O here.
import type { PersonalSettings } from './personal-settings.ts';
import type { PullRequest, PullRequestSnapshot, ReplyShown, SlackCall, TeamRoster } from './types.ts';

/** Where pull requests and team members come from (app/src/github/source.ts implements it). */
export interface PullRequestSource {
  fetchOpenPullRequests(patterns: string[], exclude: string[]): Promise<PullRequestSnapshot>;
  /** Members of each "org/slug" team; unreadable teams are listed in `failures`. */
  fetchTeamMembers(teams: readonly string[]): Promise<TeamRoster>;
  /** Resolves when GitHub answers an authenticated request; rejects with the reason otherwise. */
  checkReachable(): Promise<void>;
}

/**
 * Decides whether this replica runs one scheduled fire. Replicas coordinate through it
 * (app/src/coordination); the default lets every fire run.
 */
export interface FireGate {
  shouldRun(scheduleName: string, fireTime: Date): Promise<boolean>;
}

export const alwaysRun: FireGate = {
  shouldRun: () => Promise.resolve(true),
};

/** One threaded digest reply that reached Slack. */
export interface ReplyRecord {
  pr: PullRequest;
  channel: string;
  /** ts of the reply itself */
  ts: string;
  /** ts of the digest's parent message */
  threadTs: string;
  schedule: string;
  /** what the reply showed beyond the PR itself: an update renders it the same way */
  shown?: ReplyShown;
}

/** Optional sink for posted replies (reminder history in app/src/store). */
export interface ReminderHistory {
  recordReply(record: ReplyRecord): Promise<void>;
}

/** The answer of one Slack Web API call the engine cares about. */
export interface SlackPostResult {
  ts: string;
  channel: string;
}

/**
 * Posts to Slack. The live poster calls the Web API; the dry-run poster prints each call
 * as a JSON line and answers with placeholders.
 */
export interface SlackPoster {
  call(call: SlackCall): Promise<SlackPostResult>;
}

/** People's own reminder settings, by Slack user id (app/src/store/personal-settings.ts). */
export interface PersonalSettingsStore {
  get(slackUserId: string): Promise<PersonalSettings | undefined>;
  save(settings: PersonalSettings): Promise<void>;
  /** everyone's, for a reminder cycle */
  all(): Promise<PersonalSettings[]>;
}
