// `/alerts`, `/silences` and `/chatops status|help`: ack at once, then answer ephemerally through
// response_url with what app/src/alerts/commands.ts read. Without an `alerts` section in
// config.yml they say so instead.
import type { AllMiddlewareArgs, RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AlertCommands } from '../../../alerts/commands.ts';
import type { CommandMessage } from '../../../alerts/command-render.ts';
import { noResponseUrlText } from '../../response-ack.ts';

export type AlertCommandsPort = Pick<AlertCommands, 'firing' | 'silences' | 'status'>;

export interface AlertCommandDeps {
  /** undefined without an `alerts` section */
  alertCommands?: AlertCommandsPort;
  logger: Logger;
}

export const notConfiguredText =
  'Alerts are not set up on this deployment: config.yml has no `alerts` section (see docs/monitoring.md), so there is nothing to list.';

export const alertCommandsHelp = [
  '*/alerts*: the alert groups firing now, each with buttons to silence it (operators only).',
  '*/silences*: the active silences, each with Expire (operators only).',
  '*/chatops status*: each service up or down (Prometheus `up`) and the firing alert count, as this replica sees them.',
  'Operators are the users and user groups in `alerts.operators` (config.yml).',
].join('\n');

/** What a command's text asks for: the read to answer with, or help (with why, for a wrong word). */
export type AlertCommandRequest = { kind: 'read'; read: keyof AlertCommandsPort } | { kind: 'help'; problem?: string };

export function parseAlertCommand(command: string, text: string): AlertCommandRequest {
  const word = text.trim().toLowerCase();
  if (word === 'help') return { kind: 'help' };
  if (command === '/chatops') {
    if (word === 'status') return { kind: 'read', read: 'status' };
    return { kind: 'help', ...(word ? { problem: `I do not know \`/chatops ${text.trim()}\`.` } : {}) };
  }
  if (word) return { kind: 'help', problem: `\`${command}\` takes no arguments.` };
  return { kind: 'read', read: command === '/silences' ? 'silences' : 'firing' };
}

function ephemeral(message: CommandMessage): RespondArguments {
  return { response_type: 'ephemeral', replace_original: false, text: message.text, ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}) };
}

export function createAlertCommand(deps: AlertCommandDeps) {
  return async function alertCommand({ command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
    const logger = deps.logger.child({ command: command.command, user: command.user_id });
    const request = parseAlertCommand(command.command, command.text);
    if (request.kind === 'help') {
      await ack({ response_type: 'ephemeral', text: [...(request.problem ? [request.problem] : []), alertCommandsHelp].join('\n') });
      return;
    }
    if (!deps.alertCommands) {
      await ack({ response_type: 'ephemeral', text: notConfiguredText });
      return;
    }
    // Bolt offers respond() only with a response_url; Slack always sends one, a forged body may not.
    if (!command.response_url) {
      await ack({ response_type: 'ephemeral', text: noResponseUrlText });
      return;
    }
    await ack();
    try {
      const message = await deps.alertCommands[request.read]();
      await respond(ephemeral(message));
      logger.info({ read: request.read }, `${command.command} answered`);
    } catch (error) {
      logger.error({ err: error }, `${command.command} could not be answered`);
      await respond({ response_type: 'ephemeral', text: `:warning: ${command.command} failed; the error is in the ChatOps log. Try again in a minute.` }).catch(
        (respondError: unknown) => logger.error({ err: respondError }, 'could not tell the user about the failure'),
      );
    }
  };
}
