// Real crash output of the Node running the tests, appended to a file the way a replica's unit
// appends its stderr (StandardError=append:): an exception thrown while a module loads (before any
// handler of the app exists), a V8 fatal error (the heap running out under --max-old-space-size) and
// a process warning.
import { spawn } from 'node:child_process';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './monitoring.ts';

export interface NodeCrashes {
  /** What the throw at module load wrote: from "<file>:<line>" to "Node.js vX.Y.Z". */
  uncaught: string;
  /** What the heap running out wrote: from its GC summary to the last native frame. */
  outOfMemory: string;
  /** A process warning Node printed: "(node:PID) Warning: ..." and its hint line. */
  warning: string;
}

/** Runs `args` with stderr appended to `file`; returns what it added and its exit. */
async function crashInto(file: string, args: string[]): Promise<{ added: string; code: number | null; signal: string | null }> {
  const before = (await stat(file).catch(() => ({ size: 0 }))).size;
  const handle = await open(file, 'a');
  try {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', handle.fd] });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve([c, s]));
    });
    return { added: (await readFile(file)).subarray(before).toString(), code, signal };
  } finally {
    await handle.close();
  }
}

/** Appends one crash of each kind and a warning to `file` (in `dir`, which also holds the scripts); returns their text. */
export async function appendNodeCrashes(dir: string, file: string, marker: string): Promise<NodeCrashes> {
  const loads = join(dir, 'replica-config.mjs');
  await writeFile(loads, `const port = Number(process.env.CHATOPS_PORT ?? 'none');\nif (Number.isNaN(port)) throw new Error('${marker}: no port');\n`);
  const grows = join(dir, 'replica-leak.mjs');
  await writeFile(grows, 'const kept = [];\nfor (;;) kept.push(new Array(100_000).fill({ at: Date.now() }));\n');
  const uncaught = await crashInto(file, [loads]);
  if (uncaught.code !== 1 || !uncaught.added.includes(marker)) throw new Error(`the throwing module exited ${uncaught.code}:\n${uncaught.added}`);
  const outOfMemory = await crashInto(file, ['--max-old-space-size=16', grows]);
  if (outOfMemory.signal !== 'SIGABRT' || !outOfMemory.added.includes('JavaScript heap out of memory'))
    throw new Error(`the leaking module ended with ${outOfMemory.signal ?? outOfMemory.code}:\n${outOfMemory.added}`);
  const warning = await crashInto(file, ['-e', `process.emitWarning('${marker}: listener leak')`]);
  if (warning.code !== 0 || !/^\(node:\d+\) Warning: /.test(warning.added)) throw new Error(`the warning run exited ${warning.code}:\n${warning.added}`);
  return { uncaught: uncaught.added, outOfMemory: outOfMemory.added, warning: warning.added };
}

/**
 * Appends what the app itself writes to stderr when `chatops serve` refuses its configuration (the
 * unit restarts it, so this repeats): "chatops: N problems in the configuration:" and one indented
 * line per problem. Returns the text.
 */
export async function appendServeRefusal(dir: string, file: string): Promise<string> {
  const config = join(dir, 'replica-refused.yml');
  const secrets = join(dir, 'secrets-refused.yml');
  await writeFile(config, 'port: not-a-port\n');
  await writeFile(secrets, 'slackBotToken: xoxb-refused\n', { mode: 0o600 });
  const refusal = await crashInto(file, [join(repoRoot, 'bin/chatops.mjs'), 'serve', '--config', config, '--secrets', secrets]);
  if (refusal.code !== 1 || !/^chatops: \d+ problems in the configuration:\n( {2}\S.*\n)+$/.test(refusal.added))
    throw new Error(`chatops serve exited ${refusal.code}:\n${refusal.added}`);
  return refusal.added;
}

/** A crash's text as one event's message: Filebeat joins its lines with "\n" and drops the trailing one. */
export function asEvent(crash: string): string {
  // A fatal error starts with a blank line, which goes with the block before it (or is dropped).
  return crash.replace(/^\n+/, '').replace(/\n$/, '');
}
