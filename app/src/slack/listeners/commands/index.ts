import type { App } from '@slack/bolt';
import { createAlertCommand, type AlertCommandDeps } from './alerts.ts';
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

export const alertsSlashCommand: SlashCommandDefinition = {
  command: '/alerts',
  description: 'Alert groups firing now, with buttons to silence them',
  usageHint: '[help]',
};

export const silencesSlashCommand: SlashCommandDefinition = {
  command: '/silences',
  description: 'Active Alertmanager silences, with buttons to expire them',
  usageHint: '[help]',
};

export const chatopsSlashCommand: SlashCommandDefinition = {
  command: '/chatops',
  description: 'The appliance as this replica sees it: services up or down, firing alerts',
  usageHint: 'status | help',
};

/** Every slash command registered below; the manifest (app/src/slack/manifest.ts) lists these. */
export const slashCommands: readonly SlashCommandDefinition[] = [prsSlashCommand, alertsSlashCommand, silencesSlashCommand, chatopsSlashCommand];

export function register(app: App, deps: PrsCommandDeps & AlertCommandDeps): void {
  app.command(prsSlashCommand.command, createPrsCommand(deps));
  // Registered without an alerts section too: the manifest declares them, so they answer why not.
  const alertCommand = createAlertCommand(deps);
  for (const definition of [alertsSlashCommand, silencesSlashCommand, chatopsSlashCommand]) app.command(definition.command, alertCommand);
}
