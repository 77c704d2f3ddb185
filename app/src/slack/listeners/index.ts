import type { App } from '@slack/bolt';
import * as commands from './commands/index.ts';
import type { PrsCommandDeps } from './commands/prs.ts';

export function registerListeners(app: App, deps: PrsCommandDeps): void {
  commands.register(app, deps);
}
