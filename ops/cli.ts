// `npx chatops certs|deploy|status|lab ...`: the operator commands. Returns the exit code.
import { certsCommand } from './certs.ts';
import { UserError } from './errors.ts';
import { err } from './log.ts';

const USAGE = `usage:
  chatops certs  [--out DIR] [--domain DOMAIN] [--inventory DIR] [--renew-days N]
  chatops deploy [--inventory DIR] [--check] [--diff] [--tags T] [--limit H]
  chatops status [--inventory DIR] [--domain DOMAIN]
  chatops lab up|deploy|down|status
  chatops logs   [--service S] [--host H] [--level L] [--since 15m] [--grep TEXT] [--request-id ID] [--follow] [--json]`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  certs: async () => certsCommand,
  deploy: async () => (await import('./deploy.ts')).deployCommand,
  status: async () => (await import('./status.ts')).statusCommand,
  lab: async () => (await import('./lab/command.ts')).labCommand,
  logs: async () => (await import('./logs.ts')).logsCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name !== undefined ? commands[name] : undefined;
  if (!load) {
    err(name ? `unknown command "${name}"\n${USAGE}` : USAGE);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    if (error instanceof UserError) {
      err(error.message);
      return 2;
    }
    err(`${name} failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
