import type { App } from '@slack/bolt';
import { createPrsCommand, type PrsCommandDeps } from './prs.ts';

/** A slash command the app answers, as the Slack app manifest declares it. */
export interface SlashCommandDefinition {
  command: string;
  description: string;
  usageHint: string;
}

export const prsSlashCommand: SlashCommandDefinition = {
  command: '/prs',
  description: 'Open GitHub pull requests: yours, those waiting for your review, or all',
  usageHint: 'mine | reviews | all | help',
};

/** Every slash command registered below; the manifest (app/src/slack/manifest.ts) lists these. */
export const slashCommands: readonly SlashCommandDefinition[] = [prsSlashCommand];

export function register(app: App, deps: PrsCommandDeps): void {
  app.command(prsSlashCommand.command, createPrsCommand(deps));
}
