// `/prs mine|reviews|all|help`: ack at once, then answer ephemerally through response_url,
// or by DM when the answer needs more messages than response_url accepts.
import type { AllMiddlewareArgs, RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.ts';
import { teamsToRead } from '../../../core/audience.ts';
import { parsePrsCommand, renderCommandReply, renderHelp, unknownUserReply } from '../../../core/commands.ts';
import { postMessageArgs, type SlackMessage } from '../../../core/messages.ts';
import type { PullRequestSource, SlackPoster } from '../../../core/ports.ts';
import { UserDirectory } from '../../../core/select.ts';
import { noResponseUrlText } from '../../response-ack.ts';

/** Slack accepts up to five messages through one response_url. */
export const maxResponseUrlMessages = 5;

export interface PrsCommandDeps {
  config: Config;
  source: PullRequestSource;
  poster: SlackPoster;
  logger: Logger;
  clock?: () => Date;
}

function ephemeral(message: SlackMessage): RespondArguments {
  return { response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks };
}

function ackBody(messages: SlackMessage[]): { response_type: 'ephemeral'; text: string; blocks: unknown[] } {
  const [first] = messages;
  return { response_type: 'ephemeral', text: first?.text ?? '', blocks: first?.blocks ?? [] };
}

export function createPrsCommand(deps: PrsCommandDeps) {
  const directory = new UserDirectory(deps.config.users);
  return async function prsCommand({ command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
    const logger = deps.logger.child({ command: command.command, user: command.user_id });
    const parsed = parsePrsCommand(command.text);
    // Answers that need no GitHub data go straight into the ack.
    if (!parsed.ok) {
      await ack(ackBody(renderHelp(parsed.message)));
      return;
    }
    if (parsed.action === 'help') {
      await ack(ackBody(renderHelp()));
      return;
    }
    if (parsed.action !== 'all' && !directory.bySlackId(command.user_id)) {
      await ack(ackBody(unknownUserReply(command.user_id)));
      return;
    }
    // Bolt offers respond() only with a response_url; Slack always sends one, a forged body may not.
    if (!command.response_url) {
      await ack({ response_type: 'ephemeral', text: noResponseUrlText });
      return;
    }
    await ack();
    try {
      const snapshot = await deps.source.fetchOpenPullRequests(deps.config.github.repositories, deps.config.github.exclude);
      // A team asked for review counts as each member: only `reviews` needs the members.
      const teams = parsed.action === 'reviews' ? (await deps.source.fetchTeamMembers(teamsToRead([], snapshot.pullRequests))).members : undefined;
      const messages = renderCommandReply({
        ...(teams ? { teams } : {}),
        action: parsed.action,
        slackUserId: command.user_id,
        snapshot,
        filters: deps.config.filters,
        users: deps.config.users,
        now: (deps.clock ?? (() => new Date()))(),
      });
      if (messages.length <= maxResponseUrlMessages) {
        for (const message of messages) await respond(ephemeral(message));
      } else {
        for (const message of messages) {
          await deps.poster.call({ method: 'chat.postMessage', args: postMessageArgs(command.user_id, message) });
        }
        await respond({ response_type: 'ephemeral', text: `The list is long (${messages.length} messages), so I sent it to you as a direct message.` });
      }
      logger.info({ action: parsed.action, messages: messages.length }, '/prs answered');
    } catch (error) {
      logger.error({ err: error, action: parsed.action }, '/prs could not be answered');
      await respond({
        response_type: 'ephemeral',
        text: ':warning: I could not read the pull requests right now. Please try again in a minute.',
      }).catch((respondError: unknown) => logger.error({ err: respondError }, 'could not tell the user about the failure'));
    }
  };
}
