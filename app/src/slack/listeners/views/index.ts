import type { App, ViewSubmitAction } from '@slack/bolt';
import { settingsCallbackId } from '../../../core/home.ts';
import type { HomeDeps } from '../../home.ts';
import { createSettingsSubmission } from './settings.ts';

export function register(app: App, deps: HomeDeps): void {
  app.view<ViewSubmitAction>({ callback_id: settingsCallbackId, type: 'view_submission' }, createSettingsSubmission(deps));
}
