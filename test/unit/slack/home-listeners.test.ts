// The settings form's listener: ack with errors by field, or save then ack, then republish;
// a store that fails keeps the form open with a message and logs the error.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { settingsBlocks } from '../../../app/src/core/home.ts';
import { createSettingsSubmission } from '../../../app/src/slack/listeners/views/settings.ts';
import { MemoryPersonalSettings } from '../../../app/src/store/personal-settings.ts';
import { aConfig, capturedLogger, fixedSource } from '../support.ts';
import { snapshot } from '../core/builders.ts';

const now = new Date('2026-03-10T09:00:00Z');

function submission(values: Record<string, Record<string, unknown>>) {
  const acks: unknown[] = [];
  const published: unknown[] = [];
  const args = {
    ack: async (response?: unknown) => void acks.push(response),
    body: { user: { id: 'U0ALICE' } },
    view: { callback_id: 'home_settings', state: { values } },
    client: { views: { publish: async (call: unknown) => void published.push(call) } },
  } as unknown as SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
  return { args, acks, published };
}

function deps(settings = new MemoryPersonalSettings()) {
  const log = capturedLogger();
  return { deps: { config: aConfig(), source: fixedSource(snapshot([])), settings, logger: log.logger, clock: () => now }, log, settings };
}

describe('the settings submission', () => {
  it('acks with the errors by block and saves nothing when a field is invalid', async () => {
    const { deps: d, settings } = deps();
    const { args, acks, published } = submission({ [settingsBlocks.timeZone.blockId]: { time_zone: { type: 'plain_text_input', value: 'Nowhere/Land' } } });
    await createSettingsSubmission(d)(args);
    expect(acks).toEqual([
      {
        response_action: 'errors',
        errors: {
          [settingsBlocks.timeZone.blockId]: '"Nowhere/Land" is not a time zone: use an IANA name such as Europe/Berlin',
          [settingsBlocks.workingDays.blockId]: 'pick at least one working day (to stop all reminders, pause them instead)',
        },
      },
    ]);
    expect(await settings.all()).toEqual([]);
    expect(published).toEqual([]);
  });

  it('saves, acks, then republishes the Home', async () => {
    const { deps: d, settings } = deps();
    const { args, acks, published } = submission({
      [settingsBlocks.pausedUntil.blockId]: { paused_until: { type: 'datepicker', selected_date: '2026-03-20' } },
      [settingsBlocks.workingDays.blockId]: { working_days: { type: 'checkboxes', selected_options: [{ value: '1' }, { value: '2' }] } },
    });
    await createSettingsSubmission(d)(args);
    expect(acks).toEqual([undefined]);
    expect(await settings.get('U0ALICE')).toEqual({ slackUserId: 'U0ALICE', workingDays: [1, 2], pausedUntil: '2026-03-20', updatedAt: now.toISOString() });
    expect(published).toMatchObject([{ user_id: 'U0ALICE', view: { type: 'home' } }]);
  });

  it('logs an error and keeps the form open with a message when saving fails', async () => {
    const failing = new MemoryPersonalSettings();
    failing.save = () => Promise.reject(new Error('Elasticsearch unavailable during save personal settings'));
    const { deps: d, log } = deps(failing);
    const { args, acks } = submission({ [settingsBlocks.workingDays.blockId]: { working_days: { type: 'checkboxes', selected_options: [{ value: '1' }] } } });
    await createSettingsSubmission(d)(args);
    expect(acks).toEqual([
      { response_action: 'errors', errors: { [settingsBlocks.timeZone.blockId]: 'Your settings could not be saved just now; please try again in a minute.' } },
    ]);
    expect(log.lines().find((l) => l.message === 'reminder settings could not be saved')).toMatchObject({ 'log.level': 'error' });
  });
});
