// What a webhook changes in Slack, as pure functions: the updated digest reply and the
// review-request DM. No I/O here.
import type { User } from '../config/schema.ts';
import { sameLogin } from '../core/logins.ts';
import { escapeMrkdwn, sections, splitMessages, type SlackMessage } from '../core/messages.ts';
import { reminderButtons } from '../core/reminder-buttons.ts';
import { personLabel, renderDigestReply } from '../core/render.ts';
import { UserDirectory } from '../core/select.ts';
import type { PullRequest, ReplyShown, Review } from '../core/types.ts';
import { summarizeReviews } from '../github/reviews.ts';
import type { ReplyState } from '../store/history.ts';

const stateHead: Record<ReplyState, { text: string; fallback: string } | undefined> = {
  open: undefined,
  merged: { text: ':white_check_mark: *Merged*', fallback: '[merged]' },
  closed: { text: ':no_entry_sign: *Closed without merging*', fallback: '[closed]' },
};

/**
 * The digest reply for `pr` as it stands now, with the age and stale flag it was first posted with;
 * merged and closed PRs say so first, open ones keep the reminder buttons of `channel`.
 */
export function renderReplyUpdate(pr: PullRequest, state: ReplyState, users: readonly User[], shown?: ReplyShown, channel?: string): SlackMessage {
  const actions = state === 'open' && channel ? reminderButtons({ kind: 'channel', id: channel }, pr) : undefined;
  return renderDigestReply(pr, shown, new UserDirectory(users), stateHead[state], actions);
}

/** `pr` after `login` submitted a review: their latest review replaces any earlier one. */
export function applyReview(pr: PullRequest, review: Review): PullRequest {
  const reviews = [...pr.reviews.filter((r) => !sameLogin(r.login, review.login)), review];
  return {
    ...pr,
    reviews,
    requestedReviewers: pr.requestedReviewers.filter((login) => !sameLogin(login, review.login)),
    reviewState: summarizeReviews(reviews),
  };
}

/** `pr` after `login`'s review was dismissed: it no longer counts. */
export function dismissReview(pr: PullRequest, login: string): PullRequest {
  const reviews = pr.reviews.filter((r) => !sameLogin(r.login, login));
  return { ...pr, reviews, reviewState: pr.reviewState === 'unknown' ? 'unknown' : summarizeReviews(reviews) };
}

/** `pr` after a review request was withdrawn from a person (`login`) or a team (`org/slug`). */
export function withdrawReviewRequest(pr: PullRequest, withdrawn: { login: string } | { team: string }): PullRequest {
  if ('login' in withdrawn) return { ...pr, requestedReviewers: pr.requestedReviewers.filter((login) => !sameLogin(login, withdrawn.login)) };
  return { ...pr, requestedTeams: pr.requestedTeams.filter((team) => team.toLowerCase() !== withdrawn.team.toLowerCase()) };
}

export interface ReviewRequest {
  repository: string;
  number: number;
  title: string;
  url: string;
  author: string;
  requester: string;
}

/** The DM a reviewer gets the moment their review, or their `team`'s, is requested. */
export function renderReviewRequest(request: ReviewRequest, users: readonly User[], team?: string): SlackMessage {
  const directory = new UserDirectory(users);
  const link = `<${request.url}|${escapeMrkdwn(`${request.repository}#${request.number} ${request.title.replace(/[\r\n]+/g, ' ')}`)}>`;
  const whom = team === undefined ? 'for your review' : `your team ${escapeMrkdwn(`@${team}`)} for a review`;
  const text = `:eyes: ${personLabel(request.requester, directory)} asked ${whom} on ${link} (by ${personLabel(request.author, directory)})`;
  return splitMessages(`Review requested: ${request.repository}#${request.number}`, sections([text]))[0] as SlackMessage;
}
