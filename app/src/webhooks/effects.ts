// What each GitHub event does in Slack: merged/closed PRs and submitted reviews update the
// PR's reply in the latest digest; a review request DMs the reviewer at once.
import type { Logger } from 'pino';
import type { User } from '../config/schema.ts';
import type { SlackPoster } from '../core/ports.ts';
import { postMessageArgs } from '../core/messages.ts';
import type { Review } from '../core/types.ts';
import type { ElasticReminderHistory, ReplyState } from '../store/history.ts';
import { applyReview, renderReplyUpdate, renderReviewRequest, type ReviewRequest } from './render.ts';
import { pullRequestRef } from '../core/keys.ts';
import { sameLogin } from '../core/logins.ts';

export interface WebhookEffectsOptions {
  history: Pick<ElasticReminderHistory, 'latestReplies' | 'updateReply'>;
  slack: SlackPoster;
  users: readonly User[];
  logger: Logger;
}

export class WebhookEffects {
  constructor(private readonly options: WebhookEffectsOptions) {}

  async pullRequestClosed(repository: string, number: number, merged: boolean, title: string): Promise<number> {
    const state: ReplyState = merged ? 'merged' : 'closed';
    const replies = await this.options.history.latestReplies(repository, number);
    for (const reply of replies) {
      const pr = { ...reply.pr, title };
      const message = renderReplyUpdate(pr, state, this.options.users);
      await this.options.slack.call({ method: 'chat.update', args: { channel: reply.channel, ts: reply.ts, text: message.text, blocks: message.blocks } });
      await this.options.history.updateReply(reply.id, { state, pr });
    }
    this.options.logger.info({ pr: pullRequestRef({ repository, number }), state, replies: replies.length }, 'digest replies updated');
    return replies.length;
  }

  async reviewSubmitted(repository: string, number: number, review: Review): Promise<number> {
    const replies = await this.options.history.latestReplies(repository, number);
    for (const reply of replies) {
      const pr = applyReview(reply.pr, review);
      const message = renderReplyUpdate(pr, reply.state, this.options.users);
      await this.options.slack.call({ method: 'chat.update', args: { channel: reply.channel, ts: reply.ts, text: message.text, blocks: message.blocks } });
      await this.options.history.updateReply(reply.id, { pr });
    }
    this.options.logger.info({ pr: pullRequestRef({ repository, number }), reviewer: review.login, review: review.state, replies: replies.length }, 'review state updated');
    return replies.length;
  }

  /** DMs the requested reviewer when they are in `users`; true when a DM went out. */
  async reviewRequested(request: ReviewRequest, reviewerLogin: string): Promise<boolean> {
    const reviewer = this.options.users.find((user) => sameLogin(user.github, reviewerLogin));
    if (!reviewer) {
      this.options.logger.info({ pr: pullRequestRef(request), reviewer: reviewerLogin }, 'review requested from an unmapped user: no DM');
      return false;
    }
    const message = renderReviewRequest(request, this.options.users);
    await this.options.slack.call({ method: 'chat.postMessage', args: postMessageArgs(reviewer.slack, message) });
    this.options.logger.info({ pr: pullRequestRef(request), reviewer: reviewerLogin }, 'review request sent as DM');
    return true;
  }
}
