// `npx chatops <command>`: the app's commands, plus `demo`, which runs against the sandbox
// from sandbox/ and is therefore loaded only when asked for (never bundled).
import { productionCommands, runCommand, type Command } from './run.ts';

export async function main(argv: string[]): Promise<number> {
  const demo: Command = async (args, io) => (await import('./commands/demo.ts')).demo(args, io);
  return runCommand(argv, { ...productionCommands, demo });
}
