// Runs last in the lab project (test/lab/sequencer.ts): `lab down` leaves no process, mount,
// namespace, link or shared snapshot folder of the lab behind. The global teardown's own `lab down` is then a no-op.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHARED_SNAPSHOT_DIR } from '../../ops/lab/topology.ts';
import { LAB_DIR } from '../../ops/paths.ts';
import { chatops } from '../support/lab-access.ts';

/** Everything of the lab still present on the controller, by independent means. */
function leftovers(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    let stat: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    if (stat.includes(') Z ')) continue;
    if (/systemd-nspawn|chatops-lab-|tinyproxy|sandbox\/sandbox\.ts/.test(cmd) || cmd.includes(`${LAB_DIR}/`)) {
      found.push(`process ${pid}: ${cmd.trim()}`);
    }
  }
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    if (line.includes(LAB_DIR) || line.includes('/var/cache/chatops-lab')) found.push(`mount: ${line}`);
  }
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  for (const ns of netns.split('\n').filter((l) => l.startsWith('chatops-'))) found.push(`netns: ${ns}`);
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  for (const l of links.split('\n').filter((x) => /chatopsbr0|vlab-/.test(x))) found.push(`link: ${l.split(':')[1]?.trim()}`);
  return found;
}

describe('lab down', () => {
  it('leaves no process, mount, namespace, link or shared snapshot folder behind', async () => {
    const r = await chatops('lab', 'down');
    expect(r.code, r.stderr).toBe(0);
    // Zombies are reaped by PID 1 in its own time; give the kernel a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(leftovers()).toEqual([]);
    // The snapshot folder the logging hosts shared goes with them: the next lab starts without a snapshot.
    expect(existsSync(SHARED_SNAPSHOT_DIR)).toBe(false);
    // Nothing listens on the lab's ports any more (asked locally: the outer network answers any address).
    const listening = spawnSync('ss', ['-Hltn'], { encoding: 'utf8' }).stdout;
    expect(listening).not.toMatch(/10\.77\.0\.1:(8888|9443|9444)\b/);
  });
});
