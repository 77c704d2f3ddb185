// The command table and dispatcher. Exit codes: 0 ok, 1 failure or bad configuration,
// 2 bad command line. No demo here: production.ts bundles this file.
import { UsageError, processIo, type CommandIo } from './args.ts';
import { checkConfig } from './commands/check-config.ts';
import { remind } from './commands/remind.ts';
import { serve } from './commands/serve.ts';
import { slackManifest } from './commands/slack-manifest.ts';

export type Command = (argv: string[], io: CommandIo) => Promise<number>;

export const productionCommands: Record<string, Command> = {
  'check-config': checkConfig,
  remind,
  serve,
  'slack-manifest': slackManifest,
};

export const usage = `usage: chatops <command> [flags]

  check-config --config F --secrets F                   validate both files; no network
  remind --schedule NAME --config F --secrets F [--dry-run]
                                                        run one schedule once (--dry-run prints the
                                                        Slack calls as JSON lines and posts nothing)
  serve --config F --secrets F [--port N]               run one replica: Slack, /health, /ready, /metrics
  slack-manifest --domain D [--name N]                  print the Slack app manifest for https://chatops.D
  demo                                                  from a checkout: the app against the bundled
                                                        sandbox, showing a digest
`;

export async function runCommand(argv: string[], commands: Record<string, Command>, io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`chatops: unknown command "${name}"; expected one of: ${Object.keys(commands).join(', ')}\n${usage}`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`chatops ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr(`chatops ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
