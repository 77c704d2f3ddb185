// What a webhook changes in Slack, as pure functions: the updated digest reply and the
// review-request DM. No I/O here.
import type { User } from '../config/schema.ts';
import { sameLogin } from '../core/logins.ts';
import { escapeMrkdwn, sections, splitMessages, type SlackMessage } from '../core/messages.ts';
import { personLabel, pullRequestLink, reviewSummary } from '../core/render.ts';
import { UserDirectory } from '../core/select.ts';
import type { PullRequest, Review } from '../core/types.ts';
import { summarizeReviews } from '../github/reviews.ts';
import type { ReplyState } from '../store/history.ts';

const stateLine: Record<ReplyState, string | undefined> = {
  open: undefined,
  merged: ':white_check_mark: *Merged*',
  closed: ':no_entry_sign: *Closed without merging*',
};

/** The digest reply for `pr` as it stands now; merged and closed PRs say so first. */
export function renderReplyUpdate(pr: PullRequest, state: ReplyState, users: readonly User[]): SlackMessage {
  const directory = new UserDirectory(users);
  const facts = [`by ${personLabel(pr.author, directory)}`, reviewSummary(pr, directory)];
  if (pr.draft) facts.push(':construction: draft');
  const head = stateLine[state];
  const text = `${head ? `${head} · ` : ''}${pullRequestLink(pr)}\n${facts.join(' · ')}`;
  const fallback = `${state === 'open' ? '' : `[${state}] `}${pr.repository}#${pr.number} ${pr.title}`;
  return splitMessages(fallback, sections([text]))[0] as SlackMessage;
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

export interface ReviewRequest {
  repository: string;
  number: number;
  title: string;
  url: string;
  author: string;
  requester: string;
}

/** The DM a reviewer gets the moment their review is requested. */
export function renderReviewRequest(request: ReviewRequest, users: readonly User[]): SlackMessage {
  const directory = new UserDirectory(users);
  const link = `<${request.url}|${escapeMrkdwn(`${request.repository}#${request.number} ${request.title.replace(/[\r\n]+/g, ' ')}`)}>`;
  const text = `:eyes: ${personLabel(request.requester, directory)} asked for your review on ${link} (by ${personLabel(request.author, directory)})`;
  return splitMessages(`Review requested: ${request.repository}#${request.number}`, sections([text]))[0] as SlackMessage;
}
