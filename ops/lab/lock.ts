// One lab, several users: `lab up`, `lab down` and deploys to the lab inventory take this lock so
// a second one fails fast naming the holder instead of breaking the first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../app/src/cli/flags.ts';
import { LAB_DIR } from '../paths.ts';
import { isAlive } from './processes.ts';

const LOCK = path.join(LAB_DIR, 'busy.lock');
let held = 0;

export async function withLabLock<T>(what: string, fn: () => Promise<T>): Promise<T> {
  // Re-entrant within this process: `lab deploy` holds it and deploys.
  if (held > 0) {
    held++;
    try {
      return await fn();
    } finally {
      held--;
    }
  }
  mkdirSync(LAB_DIR, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(LOCK, JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() }), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = JSON.parse(readFileSync(LOCK, 'utf8')) as { pid: number; what: string; since: string };
      if (isAlive(holder.pid) && holder.pid !== process.pid) {
        throw new UsageError(`the lab is busy: "${holder.what}" (pid ${holder.pid}) since ${holder.since}; wait for it to finish`);
      }
      rmSync(LOCK, { force: true }); // its holder died: take it over
      if (attempt === 1) throw new Error(`could not take ${LOCK}`);
    }
  }
  held = 1;
  try {
    return await fn();
  } finally {
    held = 0;
    rmSync(LOCK, { force: true });
  }
}
