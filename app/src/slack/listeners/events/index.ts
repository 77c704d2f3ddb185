import type { App } from '@slack/bolt';
import type { HomeDeps } from '../../home.ts';
import { createHomeOpened } from './home-opened.ts';

/** The Events API events the app has listeners for: the manifest subscribes to exactly these. */
export const botEvents = ['app_home_opened'] as const;

export function register(app: App, deps: HomeDeps): void {
  app.event('app_home_opened', createHomeOpened(deps));
}
