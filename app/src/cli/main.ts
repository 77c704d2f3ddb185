// `npx chatops <command>` from a checkout: every command, the app's, `demo` (the app against
// the sandbox in sandbox/) and the operator's (ops/). Never bundled: production.ts is.
import { operatorCommands } from '../../../ops/commands.ts';
import { processIo, type CommandIo } from './flags.ts';
import { productionCommands, runCommand, type Command } from './run.ts';

const demo: Command = {
  section: 'From a checkout',
  usage: 'chatops demo',
  summary: 'the app against the bundled GitHub + Slack sandbox, showing a digest',
  details: `No flags. Starts the sandbox (sandbox/) on 127.0.0.1, runs one digest cycle through the
production code path and prints what Slack received.`,
  run: async (argv, io) => (await import('./commands/demo.ts')).demo(argv, io),
};

export const allCommands: Record<string, Command> = { ...productionCommands, demo, ...operatorCommands };

export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(argv, allCommands, io);
}
