// Turns selected pull requests into Slack messages: the channel digest, personal and
// review DMs, and /prs answers. Pure: the same input always renders the same output.
import type { User } from '../config/schema.ts';
import { context, escapeMrkdwn, header, sections, splitMessages, truncate, type ActionsBlock, type Block, type SlackMessage } from './messages.ts';
import { reminderButtons } from './reminder-buttons.ts';
import type { ChoiceScope } from './reminder-choices.ts';
import { UserDirectory, type SelectedPullRequest } from './select.ts';
import type { PullRequest, ReplyShown, RepositoryFailure } from './types.ts';

/** Reaction added to the thread reply of a stale pull request. */
export const staleReaction = 'hourglass_flowing_sand';

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function formatAge(ageHours: number): string {
  if (ageHours < 1) return 'less than an hour';
  if (ageHours < 48) return plural(ageHours, 'hour');
  return plural(Math.floor(ageHours / 24), 'day');
}

/** A Slack mention for mapped users, the GitHub login otherwise. */
export function personLabel(login: string, directory: UserDirectory): string {
  const user = directory.byGitHubLogin(login);
  return user ? `<@${user.slack}>` : escapeMrkdwn(login);
}

export function pullRequestLink(pr: PullRequest): string {
  const title = truncate(pr.title.replace(/[\r\n]+/g, ' '), 200);
  return `<${pr.url}|${escapeMrkdwn(`${pr.repository}#${pr.number} ${title}`)}>`;
}

function reviewersIn(pr: PullRequest, state: PullRequest['reviews'][number]['state'], directory: UserDirectory): string {
  return pr.reviews
    .filter((r) => r.state === state)
    .map((r) => personLabel(r.login, directory))
    .join(', ');
}

/** Where review stands: the deciding reviews with their authors, then who is still asked. */
export function reviewSummary(pr: PullRequest, directory: UserDirectory): string {
  const asked = [
    ...pr.requestedReviewers.map((login) => personLabel(login, directory)),
    // A team is named once (as GitHub mentions it), not as its members.
    ...pr.requestedTeams.map((team) => escapeMrkdwn(`@${team}`)),
  ];
  const waiting = asked.length > 0 ? `:eyes: waiting for ${asked.join(', ')}` : undefined;
  const by = (state: PullRequest['reviews'][number]['state']): string => {
    const who = reviewersIn(pr, state, directory);
    return who ? ` by ${who}` : '';
  };
  let state: string | undefined;
  switch (pr.reviewState) {
    case 'approved':
      state = `:white_check_mark: approved${by('approved')}`;
      break;
    case 'changes_requested':
      state = `:x: changes requested${by('changes_requested')}`;
      break;
    case 'commented':
      state = `:speech_balloon: commented${by('commented')}, not yet approved`;
      break;
    case 'pending':
      state = waiting ? undefined : ':grey_question: no reviewer requested';
      break;
    case 'unknown':
      state = ':grey_question: review state unknown';
      break;
  }
  return [state, waiting].filter(Boolean).join(' · ');
}

/** Still asked of someone: a reviewer or team request is open. */
export function awaitsReview(pr: PullRequest): boolean {
  return pr.requestedReviewers.length + pr.requestedTeams.length > 0;
}

/** What `item` shows besides the PR, as the history keeps it for later updates. */
export function shownOf(item: SelectedPullRequest, staleAfterDays: number): ReplyShown {
  return { ageHours: item.ageHours, stale: item.stale, staleBy: item.staleBy, staleAfterDays };
}

/** The facts about one PR after its link, joined with " · "; without `shown` (an old record) no age or stale flag. */
function pullRequestFacts(pr: PullRequest, shown: ReplyShown | undefined, directory: UserDirectory): string[] {
  const facts = [`by ${personLabel(pr.author, directory)}`];
  if (shown) facts.push(`open ${formatAge(shown.ageHours)}`);
  facts.push(reviewSummary(pr, directory));
  if (pr.draft) facts.push(':construction: draft');
  if (shown?.stale)
    facts.push(`:${staleReaction}: stale (${shown.staleBy === 'updated' ? 'not updated in' : 'open'} over ${plural(shown.staleAfterDays, 'day')})`);
  return facts.filter(Boolean);
}

export function pullRequestLine(item: SelectedPullRequest, directory: UserDirectory, staleAfterDays: number): string {
  return `• ${pullRequestLink(item.pr)} · ${pullRequestFacts(item.pr, shownOf(item, staleAfterDays), directory).join(' · ')}`;
}

/**
 * A PR's reply in a digest thread: the one renderer for the first post and every webhook update.
 * `head` (merged, closed) goes first; `actions` (the reminder buttons) last.
 */
export function renderDigestReply(
  pr: PullRequest,
  shown: ReplyShown | undefined,
  directory: UserDirectory,
  head?: { text: string; fallback: string },
  actions?: ActionsBlock,
): SlackMessage {
  const text = `${head ? `${head.text} · ` : ''}${pullRequestLink(pr)}\n${pullRequestFacts(pr, shown, directory).join(' · ')}`;
  const fallback = `${head ? `${head.fallback} ` : ''}${pr.repository}#${pr.number} ${pr.title}`;
  return splitMessages(fallback, [...sections([text]), ...(actions ? [actions] : [])])[0] as SlackMessage;
}

export interface DigestReply {
  item: SelectedPullRequest;
  message: SlackMessage;
  shown: ReplyShown;
  /** reaction to add to the reply once posted (stale PRs) */
  reaction?: string;
}

export interface Digest {
  /** The first message is the thread parent; any further parts go into the thread first. */
  parent: SlackMessage[];
  /** One reply per PR, oldest first. */
  replies: DigestReply[];
}

function failureLines(failures: readonly RepositoryFailure[]): string[] {
  if (failures.length === 0) return [];
  return [
    `:warning: *Could not read ${plural(failures.length, 'repository', 'repositories')}* (their pull requests are missing below):`,
    ...failures.map((f) => `• ${escapeMrkdwn(f.repository)}: ${escapeMrkdwn(truncate(f.reason, 300))}`),
  ];
}

/** One line per reason: which repositories' PRs are listed without their review state. */
function reviewsUnknownLines(unknown: readonly RepositoryFailure[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const { repository, reason } of unknown) byReason.set(reason, [...(byReason.get(reason) ?? []), repository]);
  return [...byReason].map(
    ([reason, repositories]) =>
      `:grey_question: *Review state unknown* for the pull requests of ${repositories.map(escapeMrkdwn).join(', ')}: ${escapeMrkdwn(truncate(reason, 300))}`,
  );
}

export interface DigestInput {
  scheduleName: string;
  selected: readonly SelectedPullRequest[];
  failures: readonly RepositoryFailure[];
  reviewsUnknown?: readonly RepositoryFailure[];
  directory: UserDirectory;
  staleAfterDays: number;
  /** lines after the counts: whom the digest is about, and why it may be empty */
  notes?: readonly string[];
  /** the digest's channel: each reply carries the reminder buttons for it */
  buttonsFor?: string;
}

export function renderDigest(input: DigestInput): Digest {
  const { selected, failures, directory, staleAfterDays } = input;
  const repositories = new Set(selected.map((s) => s.pr.repository)).size;
  const stale = selected.filter((s) => s.stale).length;
  const drafts = selected.filter((s) => s.pr.draft).length;
  const approved = selected.filter((s) => s.pr.reviewState === 'approved').length;
  const waiting = selected.filter((s) => awaitsReview(s.pr)).length;

  let summary: string;
  const lines: string[] = [];
  if (selected.length === 0 && failures.length > 0) {
    // Not a celebration: the PRs may be in the repositories that could not be read.
    summary = 'No open pull requests in the repositories that could be read';
    lines.push(`*${summary}.*`);
  } else if (selected.length === 0) {
    summary = 'No open pull requests';
    lines.push(`:tada: *${summary}.* Nothing to review right now.`);
  } else {
    summary = `${plural(selected.length, 'open pull request')} in ${plural(repositories, 'repository', 'repositories')}`;
    const counts = [
      `${stale} stale (over ${plural(staleAfterDays, 'day')})`,
      `${waiting} waiting for review`,
      `${approved} approved`,
      `${plural(drafts, 'draft')}`,
    ];
    lines.push(`:mag: *${summary}*`, counts.join(' · '));
  }
  const blocks: Block[] = [
    header(`Pull request digest: ${input.scheduleName}`),
    ...sections([...lines, ...(input.notes ?? []), ...failureLines(failures), ...reviewsUnknownLines(input.reviewsUnknown ?? [])]),
  ];
  if (selected.length > 0) blocks.push(context('One reply per pull request in this thread, oldest first.'));
  const parent = splitMessages(`${summary}${stale > 0 ? ` (${stale} stale)` : ''}`, blocks);

  const replies = selected.map((item): DigestReply => {
    const shown = shownOf(item, staleAfterDays);
    const actions = input.buttonsFor ? reminderButtons({ kind: 'channel', id: input.buttonsFor }, item.pr) : undefined;
    const message = renderDigestReply(item.pr, shown, directory, undefined, actions);
    return item.stale ? { item, message, shown, reaction: staleReaction } : { item, message, shown };
  });
  return { parent, replies };
}

/** A titled list of PRs, split within Slack's limits; `empty` is said when there are none. */
export function renderPullRequestList(options: {
  title: string;
  items: readonly SelectedPullRequest[];
  directory: UserDirectory;
  staleAfterDays: number;
  empty: string;
  failures?: readonly RepositoryFailure[];
  reviewsUnknown?: readonly RepositoryFailure[];
  /** whose DM this is: each PR gets its own section and the reminder buttons for that scope */
  buttonsFor?: ChoiceScope;
}): SlackMessage[] {
  const { title, items, directory, staleAfterDays, buttonsFor } = options;
  const heading = items.length > 0 ? `${title} (${items.length})` : title;
  const lines = items.length > 0 ? items.map((item) => pullRequestLine(item, directory, staleAfterDays)) : [options.empty];
  const problems = [...failureLines(options.failures ?? []), ...reviewsUnknownLines(options.reviewsUnknown ?? [])];
  const body: Block[] =
    buttonsFor && items.length > 0
      ? [...items.flatMap((item, index) => [...sections([lines[index] ?? '']), reminderButtons(buttonsFor, item.pr)]), ...sections(problems)]
      : sections([...lines, ...problems]);
  return splitMessages(heading, [header(heading), ...body]);
}

/** `withButtons`: each PR carries the reminder buttons for `user`'s own reminders. */
function buttonsOf(user: User, withButtons: boolean): { buttonsFor?: ChoiceScope } {
  return withButtons ? { buttonsFor: { kind: 'user', id: user.slack } } : {};
}

/** DM to one author: their open PRs. Nothing to say means no DM. */
export function renderPersonal(
  user: User,
  items: readonly SelectedPullRequest[],
  directory: UserDirectory,
  staleAfterDays: number,
  withButtons = false,
): SlackMessage[] {
  if (items.length === 0) return [];
  const title = `Your open pull requests, ${user.name}`;
  return renderPullRequestList({ title, items, directory, staleAfterDays, empty: '', ...buttonsOf(user, withButtons) });
}

/** DM to one reviewer: PRs that still wait for their review. */
export function renderReviews(
  user: User,
  items: readonly SelectedPullRequest[],
  directory: UserDirectory,
  staleAfterDays: number,
  withButtons = false,
): SlackMessage[] {
  if (items.length === 0) return [];
  const title = `Pull requests waiting for your review, ${user.name}`;
  return renderPullRequestList({ title, items, directory, staleAfterDays, empty: '', ...buttonsOf(user, withButtons) });
}
