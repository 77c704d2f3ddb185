import { describe, expect, it } from 'vitest';
import { UsageError, type CommandIo } from '../../../app/src/cli/args.ts';
import { mrkdwnToTerminal } from '../../../app/src/cli/commands/demo.ts';
import { allCommands } from '../../../app/src/cli/main.ts';
import { PRODUCTION_FOOTER, productionCommands, renderCommandHelp, runCommand, type Command } from '../../../app/src/cli/run.ts';

function io(): CommandIo & { out: string; err: string } {
  const sink = { out: '', err: '', stdout: (t: string) => void (sink.out += t), stderr: (t: string) => void (sink.err += t) };
  return sink;
}

function command(run: Command['run'], over: Partial<Command> = {}): Command {
  return { section: 'Test', usage: 'chatops test', summary: 'a test command', details: '  --x N  a number', run, ...over };
}

describe('runCommand', () => {
  it('prints usage and exits 2 without a command', async () => {
    const sink = io();
    expect(await runCommand([], productionCommands, sink)).toBe(2);
    expect(sink.out).toMatch(/^usage: chatops <command>/);
  });

  it('names the unknown command and the known ones', async () => {
    const sink = io();
    expect(await runCommand(['deploy-all'], productionCommands, sink)).toBe(2);
    expect(sink.err.split('\n')[0]).toBe('chatops: unknown command "deploy-all"; expected one of: check-config, remind, serve, slack-manifest');
  });

  it('turns usage errors into exit 2 and other errors into exit 1, each prefixed with the command', async () => {
    const sink = io();
    const commands = {
      bad: command(async () => {
        throw new UsageError('--x: expected a number');
      }),
      broken: command(async () => {
        throw new Error('disk full');
      }),
    };
    expect(await runCommand(['bad'], commands, sink)).toBe(2);
    expect(await runCommand(['broken'], commands, sink)).toBe(1);
    expect(sink.err).toBe('chatops bad: --x: expected a number\nchatops broken: disk full\n');
  });

  it('reports a missing --config before reading anything', async () => {
    const sink = io();
    expect(await runCommand(['check-config'], productionCommands, sink)).toBe(2);
    expect(sink.err).toBe('chatops check-config: --config is required: pass the path of config.yml, e.g. --config app/examples/config.yml\n');
  });

  it('validates the shipped examples', async () => {
    const sink = io();
    expect(await runCommand(['check-config', '--config', 'app/examples/config.yml', '--secrets', 'app/examples/secrets.yml'], productionCommands, sink)).toBe(
      0,
    );
    expect(sink.out).toMatch(/^configuration OK: 1 repository pattern\(s\), 4 user\(s\), 5 schedule\(s\)\n/);
    expect(sink.out).toMatch(/\n {2}backend-digest: digest for team acme\/backend "0 10 \* \* 1-5" next /);
  });
});

const EVERY_COMMAND = ['check-config', 'remind', 'serve', 'slack-manifest', 'demo', 'certs', 'deploy', 'status', 'lab', 'logs', 'backup', 'restore'];
const listed = (overview: string): string[] => overview.split('\n').flatMap((line) => /^ {2}(\S+) {2,}/.exec(line)?.[1] ?? []);

describe('one CLI for the app and the operator', () => {
  it("lists every command, the app's and the operator's, in chatops --help with exit 0", async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const sink = io();
      expect(await runCommand([flag], allCommands, sink)).toBe(0);
      expect(listed(sink.out)).toEqual(EVERY_COMMAND);
      expect(sink.out.split('\n').filter((line) => line.endsWith(':'))).toEqual(['The app:', 'From a checkout:']);
      expect(sink.err).toBe('');
    }
  });

  it('names every command after an unknown one, exit 2', async () => {
    const sink = io();
    expect(await runCommand(['deploy-all'], allCommands, sink)).toBe(2);
    expect(sink.err.split('\n')[0]).toBe(`chatops: unknown command "deploy-all"; expected one of: ${EVERY_COMMAND.join(', ')}`);
    expect(listed(sink.err)).toEqual(EVERY_COMMAND);
  });

  it.each(EVERY_COMMAND)('prints the help of %s for --help, -h and help <command>, exit 0, without running it', async (name) => {
    const command = allCommands[name];
    expect(command).toBeDefined();
    const expected = renderCommandHelp(command as Command);
    expect(expected.split('\n')[0]).toMatch(new RegExp(`^usage: chatops ${name}( |$)`));
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
      [name, '--config', 'x.yml', '--help'],
    ]) {
      const sink = io();
      expect(await runCommand(argv, allCommands, sink)).toBe(0);
      expect([sink.out, sink.err]).toEqual([expected, '']);
    }
  });

  it('treats help for an unknown command like the unknown command itself', async () => {
    const sink = io();
    expect(await runCommand(['help', 'deploy-all'], allCommands, sink)).toBe(2);
    expect(sink.err.split('\n')[0]).toBe(`chatops: unknown command "deploy-all"; expected one of: ${EVERY_COMMAND.join(', ')}`);
    expect(sink.out).toBe('');
  });

  it('passes --help after -- to the command as an argument', async () => {
    const sink = io();
    const echo = command(async (argv, out) => (out.stdout(argv.join(' ')), 0));
    expect(await runCommand(['echo', '--', '--help'], { echo }, sink)).toBe(0);
    expect(sink.out).toBe('-- --help');
  });

  it('adds the usage line to flag errors, not to other usage errors', async () => {
    const sink = io();
    const strict = command(async () => {
      throw new UsageError("Unknown option '--y'", { withUsage: true });
    });
    expect(await runCommand(['strict', '--y'], { strict }, sink)).toBe(2);
    expect(sink.err).toBe("chatops strict: Unknown option '--y'\nusage: chatops test\n");
  });

  it("rejects an operator command's unknown flag with its usage, exit 2", async () => {
    const sink = io();
    expect(await runCommand(['status', '--invntory', 'x'], allCommands, sink)).toBe(2);
    expect(sink.err).toBe(`chatops status: Unknown option '--invntory'\nusage: ${allCommands['status']?.usage}\n`);
  });

  it('says in the production help which commands run from a checkout only', async () => {
    const fromCheckout = Object.keys(allCommands).filter((name) => !(name in productionCommands));
    expect(fromCheckout).toEqual(['demo', 'certs', 'deploy', 'status', 'lab', 'logs', 'backup', 'restore']);
    expect(PRODUCTION_FOOTER).toBe(`From a checkout, \`npx chatops\` also runs ${fromCheckout.slice(0, -1).join(', ')} and ${fromCheckout.at(-1)}.`);
    const sink = io();
    expect(await runCommand(['--help'], productionCommands, sink, PRODUCTION_FOOTER)).toBe(0);
    expect(listed(sink.out)).toEqual(['check-config', 'remind', 'serve', 'slack-manifest']);
    expect(sink.out.endsWith(`\n${PRODUCTION_FOOTER}\n`)).toBe(true);
  });
});

describe('mrkdwnToTerminal', () => {
  it('spells out links, mentions and escapes for a terminal', () => {
    const names = new Map([['U0ALICE', 'Alice']]);
    expect(mrkdwnToTerminal('*3 open* <https://x.test/1|acme/api#1 Fix &lt;b&gt; &amp; co> by <@U0ALICE> and <@U0NOBODY>', names)).toBe(
      '3 open acme/api#1 Fix <b> & co (https://x.test/1) by @Alice and @U0NOBODY',
    );
  });
});
