// The /prs slash command: parsing its text and rendering the answer. Pure.
import type { Filters, User } from '../config/schema.ts';
import type { SlackMessage } from './messages.ts';
import { escapeMrkdwn, header, sections, splitMessages } from './messages.ts';
import { renderPullRequestList } from './render.ts';
import { authoredBy, awaitingReviewFrom, selectPullRequests, UserDirectory } from './select.ts';
import type { PullRequestSnapshot } from './types.ts';

export const prsActions = ['mine', 'reviews', 'all', 'help'] as const;
export type PrsAction = (typeof prsActions)[number];

export type ParsedPrsCommand = { ok: true; action: PrsAction } | { ok: false; message: string };

export const prsUsage = [
  '`/prs mine`: your open pull requests',
  '`/prs reviews`: pull requests waiting for your review',
  '`/prs all`: every open pull request the app watches',
  '`/prs help`: this help',
];

export function parsePrsCommand(text: string): ParsedPrsCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, action: 'help' };
  const [word, ...rest] = words;
  const action = prsActions.find((a) => a === word?.toLowerCase());
  if (!action) {
    return { ok: false, message: `Unknown option "${escapeMrkdwn(words.join(' '))}". Try one of:` };
  }
  if (rest.length > 0) {
    return { ok: false, message: `\`/prs ${action}\` takes no further words (got "${escapeMrkdwn(rest.join(' '))}"). Try one of:` };
  }
  return { ok: true, action };
}

export function renderHelp(intro = 'The `/prs` command lists open GitHub pull requests:'): SlackMessage[] {
  return splitMessages('How to use /prs', [header('/prs'), ...sections([intro, ...prsUsage])]);
}

export function unknownUserReply(slackUserId: string): SlackMessage[] {
  return splitMessages('I do not know your GitHub login', [
    ...sections([
      `:wave: I do not know which GitHub login belongs to <@${slackUserId}>.`,
      `Ask an operator to add you under \`users\` in config.yml: \`{ slack: ${slackUserId}, github: <your-login>, name: <your name> }\`.`,
      '`/prs all` works without that.',
    ]),
  ]);
}

export interface CommandReplyInput {
  action: Exclude<PrsAction, 'help'>;
  slackUserId: string;
  snapshot: PullRequestSnapshot;
  filters: Filters;
  users: readonly User[];
  now: Date;
  /** members of the teams asked for review ("org/slug" lower case -> logins) */
  teams?: ReadonlyMap<string, readonly string[]>;
}

export function renderCommandReply(input: CommandReplyInput): SlackMessage[] {
  const directory = new UserDirectory(input.users);
  const selected = selectPullRequests(input.snapshot.pullRequests, input.filters, input.now);
  const common = {
    directory,
    staleAfterDays: input.filters.staleAfterDays,
    failures: input.snapshot.failedRepositories,
    reviewsUnknown: input.snapshot.reviewsUnknown ?? [],
  };
  if (input.action === 'all') {
    return renderPullRequestList({ title: 'Open pull requests', items: selected, empty: ':tada: No open pull requests.', ...common });
  }
  const user = directory.bySlackId(input.slackUserId);
  if (!user) return unknownUserReply(input.slackUserId);
  if (input.action === 'mine') {
    return renderPullRequestList({
      title: 'Your open pull requests',
      items: authoredBy(selected, user.github),
      empty: `:tada: You (${escapeMrkdwn(user.github)} on GitHub) have no open pull requests.`,
      ...common,
    });
  }
  return renderPullRequestList({
    title: 'Pull requests waiting for your review',
    items: awaitingReviewFrom(selected, user.github, input.teams),
    empty: ':tada: Nothing waits for your review.',
    ...common,
  });
}
