import type { App } from '@slack/bolt';
import { createPrsCommand, type PrsCommandDeps } from './prs.ts';

export function register(app: App, deps: PrsCommandDeps): void {
  app.command('/prs', createPrsCommand(deps));
}
