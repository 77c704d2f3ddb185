// The command table and dispatcher of `chatops`. Exit codes: 0 ok, 1 failure or bad
// configuration, 2 bad command line. `chatops <command> --help` prints that command's help.
// Only the app's commands here: production.ts bundles this file; main.ts adds the rest.
import { UsageError, processIo, type CommandIo } from './flags.ts';

export interface Command {
  /** the heading `chatops --help` lists it under */
  section: string;
  /** the synopsis, starting with "chatops <name>" */
  usage: string;
  /** one line for `chatops --help` */
  summary: string;
  /** flags and notes for `chatops <name> --help` */
  details: string;
  run: (argv: string[], io: CommandIo) => Promise<number>;
}

const APP = 'The app';
const SETTINGS = `  --config F     config.yml (app/examples/config.yml shows every field)
  --secrets F    secrets.yml, mode 0600 (app/examples/secrets.yml)`;

// Loaded on first use, so `chatops deploy` does not load the Slack app.
export const productionCommands: Record<string, Command> = {
  'check-config': {
    section: APP,
    usage: 'chatops check-config --config F --secrets F',
    summary: 'validate both files and show when each schedule fires next; no network',
    details: `${SETTINGS}\nExits 1 listing every problem (file and field) when a file is invalid.`,
    run: async (argv, io) => (await import('./commands/check-config.ts')).checkConfig(argv, io),
  },
  remind: {
    section: APP,
    usage: 'chatops remind --schedule NAME --config F --secrets F [--dry-run]',
    summary: 'run one schedule once',
    details: `  --schedule NAME  the schedule in config.yml to run
${SETTINGS}
  --dry-run      print each Slack Web API call as one JSON line on stdout; post nothing
Exits 1 when the cycle fails (Slack refused the post, no repository could be read).`,
    run: async (argv, io) => (await import('./commands/remind.ts')).remind(argv, io),
  },
  serve: {
    section: APP,
    usage: 'chatops serve --config F --secrets F [--port N]',
    summary: 'run one replica: Slack, GitHub webhooks, the schedules, /health, /ready, /metrics',
    details: `${SETTINGS}
  --port N       listen on N instead of server.port (0: any free port)
SIGTERM finishes in-flight work, closes the server and exits 0.`,
    run: async (argv, io) => (await import('./commands/serve.ts')).serve(argv, io),
  },
  'slack-manifest': {
    section: APP,
    usage: 'chatops slack-manifest --domain D [--name N]',
    summary: 'print the Slack app manifest (YAML) for https://chatops.D; no network',
    details: `  --domain D     the appliance's domain (the inventory's chatops_domain); Slack calls https://chatops.D/slack/events
  --name N       the app's name in Slack, at most 35 characters (default ChatOps)
Paste the output into "Create New App → From an app manifest" (docs/slack-and-github.md).`,
    run: async (argv, io) => (await import('./commands/slack-manifest.ts')).slackManifest(argv, io),
  },
};

/** What the production bundle's help says of the commands it leaves out (main.ts has them). */
export const PRODUCTION_FOOTER = 'From a checkout, `npx chatops` also runs demo, certs, deploy, status, lab, logs, backup and restore.';

export function renderOverview(commands: Record<string, Command>, footer = ''): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length)) + 2;
  const sections = new Map<string, string[]>();
  for (const [name, command] of Object.entries(commands)) {
    const lines = sections.get(command.section) ?? [];
    lines.push(`  ${name.padEnd(width)}${command.summary}`);
    sections.set(command.section, lines);
  }
  const body = [...sections].map(([title, lines]) => `${title}:\n${lines.join('\n')}\n`).join('\n');
  return `usage: chatops <command> [flags]    (chatops <command> --help: its flags)\n\n${body}${footer ? `\n${footer}\n` : ''}`;
}

export function renderCommandHelp(command: Command): string {
  return `usage: ${command.usage}\n\n${command.summary}\n\n${command.details}\n`;
}

/** `--help` or `-h` anywhere before a `--` asks for the command's help instead of running it. */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function unknownCommand(name: string, commands: Record<string, Command>, overview: string, io: CommandIo): number {
  io.stderr(`chatops: unknown command "${name}"; expected one of: ${Object.keys(commands).join(', ')}\n${overview}`);
  return 2;
}

/** `chatops`, `chatops --help`, `chatops help [command]`, `chatops <command> [--help]`. */
export async function runCommand(argv: string[], commands: Record<string, Command>, io: CommandIo = processIo, footer = ''): Promise<number> {
  const [name, ...rest] = argv;
  const overview = renderOverview(commands, footer);
  if (!name) {
    io.stdout(overview);
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      io.stdout(overview);
      return 0;
    }
    const command = commands[topic];
    if (!command) return unknownCommand(topic, commands, overview, io);
    io.stdout(renderCommandHelp(command));
    return 0;
  }
  const command = commands[name];
  if (!command) return unknownCommand(name, commands, overview, io);
  if (asksForHelp(rest)) {
    io.stdout(renderCommandHelp(command));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`chatops ${name}: ${error.message}\n${error.withUsage ? `usage: ${command.usage}\n` : ''}`);
      return 2;
    }
    io.stderr(`chatops ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
