import { describe, expect, it } from 'vitest';
import {
  homeActionIds,
  parseUnsnoozeValue,
  readSettingsForm,
  renderHome,
  renderSettingsModal,
  renderUnmappedHome,
  settingsBlocks,
  settingsErrors,
  unsnoozeValue,
  type HomeInput,
  type SubmittedValue,
  type ViewBlock,
} from '../../../app/src/core/home.ts';
import { maxHeaderChars, maxSectionTextChars } from '../../../app/src/core/messages.ts';
import { validateSettings, type PersonalSettings } from '../../../app/src/core/personal-settings.ts';
import { snoozeChoice } from '../../../app/src/core/reminder-choices.ts';
import { selectPullRequests, UserDirectory } from '../../../app/src/core/select.ts';
import { viewProblems } from '../../../sandbox/slack/views.ts';
import { aPullRequest, alice, bob, filters, hoursAgo, now } from './builders.ts';

const directory = new UserDirectory([alice, bob]);

function input(overrides: Partial<HomeInput> = {}): HomeInput {
  return {
    slackUserId: alice.slack,
    user: alice,
    authored: [],
    reviews: [],
    reviewTeams: [],
    failures: [],
    snoozes: [],
    settings: undefined,
    defaultTimeZone: 'Europe/Berlin',
    directory,
    staleAfterDays: 7,
    now,
    ...overrides,
  };
}

const texts = (blocks: readonly ViewBlock[]): string[] =>
  blocks.flatMap((b) => {
    if (b.type === 'header' || b.type === 'section') return [b.text.text, ...('fields' in b ? b.fields.map((f) => f.text) : [])];
    if (b.type === 'context') return b.elements.map((e) => e.text);
    return [];
  });

/** Block Kit's limits for what the Home uses, beyond the view checks the Slack fake makes. */
function blockKitProblems(blocks: readonly ViewBlock[]): string[] {
  return blocks.flatMap((b, i) => {
    const problems: string[] = [];
    if (b.type === 'header' && b.text.text.length > maxHeaderChars) problems.push(`${i}: header over ${maxHeaderChars}`);
    if (b.type === 'section' && b.text.text.length > maxSectionTextChars) problems.push(`${i}: section over ${maxSectionTextChars}`);
    if (b.type === 'section' && 'fields' in b && (b.fields.length > 10 || b.fields.some((f) => f.text.length > 2000))) problems.push(`${i}: fields`);
    if (b.type === 'section' && 'accessory' in b && b.accessory) {
      if (b.accessory.text.text.length > 75 || (b.accessory.value ?? '').length > 2000 || b.accessory.action_id.length > 255) problems.push(`${i}: button`);
    }
    return problems;
  });
}

describe('renderHome', () => {
  it("lists the person's PRs, the reviews asked of them with their teams, and their settings", () => {
    const selected = selectPullRequests(
      [
        aPullRequest({ number: 1, author: 'alice', createdAt: hoursAgo(30) }),
        aPullRequest({ number: 2, author: 'bob', requestedTeams: ['acme/backend'], createdAt: hoursAgo(20) }),
      ],
      filters(),
      now,
    );
    const settings: PersonalSettings = {
      slackUserId: alice.slack,
      dmTime: '08:30',
      workingDays: [1, 2, 3, 4, 5],
      pausedUntil: '2026-03-12',
      updatedAt: now.toISOString(),
    };
    const view = renderHome(input({ authored: [selected[0]!], reviews: [selected[1]!], reviewTeams: ['acme/backend'], settings }));
    expect(view.type).toBe('home');
    expect(texts(view.blocks)).toEqual([
      'Your open pull requests (1)',
      expect.stringContaining('<https://github.com/acme/api/pull/1|acme/api#1 Change 1>'),
      'Waiting for your review (1)',
      expect.stringContaining('acme/api#2 Change 2'),
      'Includes reviews asked of your teams: @acme/backend',
      'Your snoozes (0)',
      'Nothing snoozed. A reminder’s *Snooze* button hides its pull request for a while.',
      'Your reminder settings',
      'When your `personal` and `reviews` DMs come.',
      '*DM time:* 08:30 (Europe/Berlin)',
      '*Time zone:* Europe/Berlin (the schedule’s)',
      '*Working days:* Mon, Tue, Wed, Thu, Fri',
      '*Quiet hours:* none',
      '*Paused:* until 2026-03-12',
      // Paused to Thursday 12 March: 08:30 Berlin is 07:30 UTC.
      `*Next DM:* <!date^${Date.parse('2026-03-12T07:30:00Z') / 1000}^{date_short_pretty} {time}|2026-03-12T07:30:00.000Z>`,
    ]);
    expect(viewProblems(view as unknown as Record<string, unknown>, 'home')).toEqual([]);
    expect(blockKitProblems(view.blocks)).toEqual([]);
  });

  it('offers an Unsnooze button per snooze the person chose that is still on, and no one else’s', () => {
    const mine = snoozeChoice({ kind: 'user', id: alice.slack }, { repository: 'acme/api', number: 7 }, { untilPush: true }, alice.slack, now);
    const channel = snoozeChoice(
      { kind: 'channel', id: 'C0TEAM' },
      { repository: 'acme/web', number: 3 },
      { until: new Date('2026-03-11T09:00:00Z') },
      alice.slack,
      now,
    );
    const ended = snoozeChoice(
      { kind: 'user', id: alice.slack },
      { repository: 'acme/api', number: 8 },
      { until: new Date('2026-03-10T08:00:00Z') },
      alice.slack,
      now,
    );
    const bobs = snoozeChoice({ kind: 'channel', id: 'C0TEAM' }, { repository: 'acme/web', number: 4 }, { untilPush: true }, bob.slack, now);
    const view = renderHome(input({ snoozes: [mine, channel, ended, bobs] }));
    const buttons = view.blocks.flatMap((b) => (b.type === 'section' && 'accessory' in b && b.accessory?.action_id === homeActionIds.unsnooze ? [b] : []));
    // Oldest choice first; chosen together, channels before DMs.
    expect(buttons.map((b) => [b.text.text, b.accessory?.value])).toEqual([
      [
        `acme/web#3 in <#C0TEAM>, until <!date^${Date.parse('2026-03-11T09:00:00Z') / 1000}^{date_short_pretty} {time}|2026-03-11T09:00:00.000Z>`,
        unsnoozeValue(channel),
      ],
      ['acme/api#7 in your DMs, until the next push', unsnoozeValue(mine)],
    ]);
    expect(texts(view.blocks)).toContain('Your snoozes (2)');
  });

  it('stays within 100 blocks and Block Kit limits with many PRs and snoozes', () => {
    const many = selectPullRequests(
      Array.from({ length: 300 }, (_, i) => aPullRequest({ number: i + 1, title: 'x'.repeat(250), requestedReviewers: ['alice'] })),
      filters(),
      now,
    );
    const snoozes = Array.from({ length: 150 }, (_, i) =>
      snoozeChoice({ kind: 'user', id: alice.slack }, { repository: 'acme/api', number: i + 1 }, { untilPush: true }, alice.slack, now),
    );
    const view = renderHome(input({ authored: many, reviews: many, snoozes }));
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(viewProblems(view as unknown as Record<string, unknown>, 'home')).toEqual([]);
    expect(blockKitProblems(view.blocks)).toEqual([]);
    expect(texts(view.blocks)).toContain('Your open pull requests (300)');
    expect(texts(view.blocks).join('\n')).toContain('…and 275 more: `/prs mine` lists them all.');
    expect(texts(view.blocks)).toContain('…and 130 more.');
  });

  it('says GitHub could not be read instead of empty lists', () => {
    const view = renderHome(input({ unavailable: 'I could not read the pull requests from GitHub right now.' }));
    expect(texts(view.blocks).slice(0, 2)).toEqual([
      'Your pull requests',
      ':warning: I could not read the pull requests from GitHub right now. Open this tab again in a minute.',
    ]);
  });

  it('says which part could not be read, and shows the rest', () => {
    const view = renderHome(input({ snoozes: 'unreadable', settings: 'unreadable' }));
    expect(texts(view.blocks).slice(-4)).toEqual([
      'Your snoozes',
      ':warning: Your snoozes could not be read just now: open this tab again in a minute.',
      'Your reminder settings',
      ':warning: Your reminder settings could not be read just now: open this tab again in a minute.',
    ]);
    expect(texts(view.blocks)[0]).toBe('Your open pull requests (0)');
    expect(JSON.stringify(view)).not.toContain(homeActionIds.openSettings);
  });

  it('tells someone without a mapping how to get one, with no settings to edit', () => {
    const view = renderHome(input({ slackUserId: 'U0NOBODY', user: undefined }));
    expect(view).toEqual(renderUnmappedHome('U0NOBODY'));
    expect(texts(view.blocks)[1]?.split('\n')[1]).toBe(
      '*To get mapped*, ask an operator to add you under `users` in config.yml: `{ slack: U0NOBODY, github: <your-login>, name: <your name> }`, then open this tab again.',
    );
    expect(JSON.stringify(view)).not.toContain(homeActionIds.openSettings);
  });
});

describe('unsnooze values', () => {
  it('round-trip, and anything else is refused', () => {
    const choice = snoozeChoice({ kind: 'channel', id: 'C0TEAM' }, { repository: 'acme/web', number: 3 }, { untilPush: true }, alice.slack, now);
    expect(parseUnsnoozeValue(unsnoozeValue(choice))).toEqual({ scope: { kind: 'channel', id: 'C0TEAM' }, repository: 'acme/web', number: 3 });
    for (const bad of [
      '',
      'not json',
      '{"scope":{"kind":"team","id":"x"},"repository":"a/b","number":1}',
      '{"scope":{"kind":"user","id":"U1"},"repository":"a/b","number":1.5}',
    ])
      expect(parseUnsnoozeValue(bad)).toBeUndefined();
  });
});

describe('the settings modal', () => {
  const saved: PersonalSettings = {
    slackUserId: alice.slack,
    timeZone: 'Asia/Tokyo',
    dmTime: '09:15',
    workingDays: [1, 3],
    quietHours: { start: '20:00', end: '08:00' },
    pausedUntil: '2026-04-01',
    updatedAt: now.toISOString(),
  };

  it('is a valid modal filled with what is saved', () => {
    const modal = renderSettingsModal(saved, 'UTC');
    expect(viewProblems(modal as unknown as Record<string, unknown>, 'modal')).toEqual([]);
    const elements = Object.fromEntries(modal.blocks.flatMap((b) => (b.type === 'input' ? [[b.block_id, b.element]] : [])));
    expect(elements[settingsBlocks.timeZone.blockId]).toMatchObject({ type: 'plain_text_input', initial_value: 'Asia/Tokyo' });
    expect(elements[settingsBlocks.dmTime.blockId]).toMatchObject({ type: 'timepicker', initial_time: '09:15' });
    expect((elements[settingsBlocks.workingDays.blockId] as { initial_options: { value: string }[] }).initial_options.map((o) => o.value)).toEqual(['1', '3']);
    expect(elements[settingsBlocks.quietStart.blockId]).toMatchObject({ initial_time: '20:00' });
    expect(elements[settingsBlocks.pausedUntil.blockId]).toMatchObject({ type: 'datepicker', initial_date: '2026-04-01' });
  });

  it('reads a submission back into the same settings', () => {
    const values: Record<string, Record<string, SubmittedValue>> = {
      [settingsBlocks.timeZone.blockId]: { time_zone: { type: 'plain_text_input', value: 'Asia/Tokyo' } },
      [settingsBlocks.dmTime.blockId]: { dm_time: { type: 'timepicker', selected_time: '09:15' } },
      [settingsBlocks.workingDays.blockId]: { working_days: { type: 'checkboxes', selected_options: [{ value: '1' }, { value: '3' }] } },
      [settingsBlocks.quietStart.blockId]: { quiet_start: { type: 'timepicker', selected_time: '20:00' } },
      [settingsBlocks.quietEnd.blockId]: { quiet_end: { type: 'timepicker', selected_time: '08:00' } },
      [settingsBlocks.pausedUntil.blockId]: { paused_until: { type: 'datepicker', selected_date: '2026-04-01' } },
    };
    const form = readSettingsForm(values);
    expect(validateSettings(alice.slack, form, now, 'UTC')).toEqual({ ok: true, settings: saved });
    const empty = readSettingsForm({
      [settingsBlocks.timeZone.blockId]: { time_zone: { type: 'plain_text_input', value: null } },
      [settingsBlocks.dmTime.blockId]: { dm_time: { type: 'timepicker', selected_time: null } },
      [settingsBlocks.workingDays.blockId]: { working_days: { type: 'checkboxes', selected_options: [{ value: '1' }] } },
    });
    expect(empty).toEqual({ workingDays: ['1'] });
  });

  it('names the invalid fields by their block', () => {
    expect(settingsErrors({ timeZone: 'bad zone', pausedUntil: 'past' })).toEqual({ settings_time_zone: 'bad zone', settings_paused_until: 'past' });
  });
});
