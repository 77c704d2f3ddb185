import { describe, expect, it } from 'vitest';
import { UsageError, type CommandIo } from '../../../app/src/cli/args.ts';
import { mrkdwnToTerminal } from '../../../app/src/cli/commands/demo.ts';
import { productionCommands, runCommand } from '../../../app/src/cli/run.ts';

function io(): CommandIo & { out: string; err: string } {
  const sink = { out: '', err: '', stdout: (t: string) => void (sink.out += t), stderr: (t: string) => void (sink.err += t) };
  return sink;
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
      bad: async () => {
        throw new UsageError('--x: expected a number');
      },
      broken: async () => {
        throw new Error('disk full');
      },
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
    expect(await runCommand(['check-config', '--config', 'app/examples/config.yml', '--secrets', 'app/examples/secrets.yml'], productionCommands, sink)).toBe(0);
    expect(sink.out).toMatch(/^configuration OK: 1 repository pattern\(s\), 4 user\(s\), 3 schedule\(s\)\n/);
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
