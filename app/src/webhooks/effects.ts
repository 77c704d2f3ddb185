// What each GitHub event does in Slack: merged/closed PRs and submitted reviews update the
// PR's reply in the latest digest; a review request DMs the reviewer at once.
import type { Logger } from 'pino';
import type { User } from '../config/schema.ts';
import type { PullRequestSource, SlackPoster } from '../core/ports.ts';
import type { ReminderChoices } from '../core/reminder-choices.ts';
import { postMessageArgs } from '../core/messages.ts';
import type { PullRequest, Review } from '../core/types.ts';
import type { ElasticReminderHistory, ReplyState } from '../store/history.ts';
import { applyReview, renderReplyUpdate, renderReviewRequest, type ReviewRequest } from './render.ts';
import { pullRequestRef } from '../core/keys.ts';
import { sameLogin } from '../core/logins.ts';

export interface WebhookEffectsOptions {
  history: Pick<ElasticReminderHistory, 'latestReplies' | 'updateReply'>;
  slack: SlackPoster;
  users: readonly User[];
  /** members of a team asked for review */
  teams: Pick<PullRequestSource, 'fetchTeamMembers'>;
  logger: Logger;
  /** snoozes "until the next push", ended by a push */
  choices?: Pick<ReminderChoices, 'endUntilPush'>;
}

export class WebhookEffects {
  constructor(private readonly options: WebhookEffectsOptions) {}

  async pullRequestClosed(repository: string, number: number, merged: boolean, title: string): Promise<number> {
    const state: ReplyState = merged ? 'merged' : 'closed';
    return this.updateReplies(repository, number, (pr) => ({ ...pr, title }), { state, what: state });
  }

  async reviewSubmitted(repository: string, number: number, review: Review): Promise<number> {
    return this.updateReplies(repository, number, (pr) => applyReview(pr, review), { what: `review ${review.state} by ${review.login}` });
  }

  /** New commits: the replies show the change, and the PR's "until next push" snoozes end. */
  async pushed(repository: string, number: number, change: (pr: PullRequest) => PullRequest): Promise<number> {
    const ended = (await this.options.choices?.endUntilPush({ repository, number })) ?? 0;
    if (ended > 0) this.options.logger.info({ pr: pullRequestRef({ repository, number }), snoozes: ended }, 'until-push snoozes ended by a push');
    return this.updateReplies(repository, number, change, { what: 'new commits pushed' });
  }

  /**
   * Re-renders this PR's reply in the latest digest of every channel after `change`, with the age
   * and stale flag it was first posted with; `state` when the PR was merged, closed or reopened.
   */
  async updateReplies(
    repository: string,
    number: number,
    change: (pr: PullRequest) => PullRequest,
    options: { state?: ReplyState; what: string },
  ): Promise<number> {
    const replies = await this.options.history.latestReplies(repository, number);
    for (const reply of replies) {
      const pr = change(reply.pr);
      const state = options.state ?? reply.state;
      const message = renderReplyUpdate(pr, state, this.options.users, reply.shown, reply.channel);
      await this.options.slack.call({ method: 'chat.update', args: { channel: reply.channel, ts: reply.ts, text: message.text, blocks: message.blocks } });
      await this.options.history.updateReply(reply.id, options.state ? { state, pr } : { pr });
    }
    this.options.logger.info({ pr: pullRequestRef({ repository, number }), change: options.what, replies: replies.length }, 'digest replies updated');
    return replies.length;
  }

  /** DMs the requested reviewer when they are in `users`; true when a DM went out. `team`: asked as its member. */
  async reviewRequested(request: ReviewRequest, reviewerLogin: string, team?: string): Promise<boolean> {
    const reviewer = this.options.users.find((user) => sameLogin(user.github, reviewerLogin));
    if (!reviewer) {
      this.options.logger.info({ pr: pullRequestRef(request), reviewer: reviewerLogin, team }, 'review requested from an unmapped user: no DM');
      return false;
    }
    const message = renderReviewRequest(request, this.options.users, team);
    await this.options.slack.call({ method: 'chat.postMessage', args: postMessageArgs(reviewer.slack, message) });
    this.options.logger.info({ pr: pullRequestRef(request), reviewer: reviewerLogin, team }, 'review request sent as DM');
    return true;
  }

  /** A team asked for review: one DM per mapped member (the author aside); the number sent. */
  async teamReviewRequested(request: ReviewRequest, team: string): Promise<number> {
    const roster = await this.options.teams.fetchTeamMembers([team]);
    const failure = roster.failures[0];
    if (failure) {
      // A redelivery would not make the team readable: acknowledged, logged, no DM.
      this.options.logger.warn({ pr: pullRequestRef(request), team, reason: failure.reason }, 'review requested from a team that could not be read: no DM');
      return 0;
    }
    let sent = 0;
    for (const login of roster.members.get(team.toLowerCase()) ?? []) {
      if (sameLogin(login, request.author)) continue;
      if (await this.reviewRequested(request, login, team)) sent += 1;
    }
    return sent;
  }
}
