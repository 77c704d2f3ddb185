// A person opened the app's Home tab: publish their Home (views.publish). Bolt acks events itself.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { publishHome, type HomeDeps } from '../../home.ts';

export function createHomeOpened(deps: HomeDeps) {
  return async function homeOpened({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> {
    // The Messages tab carries the reminder DMs; only the Home tab has a view to publish.
    if (event.tab !== undefined && event.tab !== 'home') return;
    // Signed, yet not a person's id: nothing to publish to.
    if (typeof event.user !== 'string' || !/^[UW][A-Z0-9]+$/.test(event.user)) {
      deps.logger.warn({ user: typeof event.user === 'string' ? event.user.slice(0, 40) : typeof event.user }, 'app_home_opened without a user id ignored');
      return;
    }
    try {
      await publishHome(client, deps, event.user);
      deps.logger.info({ user: event.user }, 'App Home published');
    } catch (error) {
      deps.logger.error({ err: error, user: event.user }, 'App Home could not be published');
    }
  };
}
