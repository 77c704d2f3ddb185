// The whole appliance on the nspawn lab: up from nothing, deploy site.yml, every deployed service
// answers over HTTPS through HAProxy with our CA, a rerun changes nothing, a check-mode run fails
// nothing and changes nothing, and `lab down` leaves no process, mount, namespace or link behind.
// Needs root (CI runs as root).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeploy, totalChanged } from '../../ops/deploy.ts';
import { labDown } from '../../ops/lab/lab.ts';
import { DEFAULT_CERTS_DIR, LAB_DIR, LAB_INVENTORY } from '../../ops/paths.ts';
import { statusOf } from '../../ops/status.ts';
import { chatops } from '../support/lab-access.ts';

const DOMAIN = 'lab.chatops.test';
const LB = '10.77.0.11';
const CA = path.join(DEFAULT_CERTS_DIR, 'ca.crt');

function curl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

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

describe('the lab', () => {
  beforeAll(async () => {
    await labDown();
  });
  afterAll(async () => {
    await labDown();
  });

  it('comes up from nothing, and a second `lab up` is a no-op', async () => {
    const first = await chatops('lab', 'up');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/lb1\s+10\.77\.0\.11\s+lb\s+yes\s+yes\s+yes\s+yes/);
    const second = await chatops('lab', 'up');
    expect(second.code, second.stderr).toBe(0);
    expect((await chatops('lab', 'status')).code).toBe(0);
  });

  it('reports the failing host and task when a playbook fails', async () => {
    const r = await chatops('deploy', '--playbook', path.join(import.meta.dirname, 'fixtures/fails-on-app2.yml'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deploy failed on host app2, task "Refuse to continue on app2"');
  });

  it('deploys site.yml and every service answers over HTTPS with our CA', async () => {
    const r = await chatops('lab', 'deploy');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain('PLAY ');
    expect(r.stdout).toMatch(/(\d+)\/\1 up/);
  });

  it('routes each sub-domain through HAProxy over verified TLS, and plain HTTP only redirects', () => {
    const fronts: [string, string][] = [
      ['chatops', '/ready'],
      ['prometheus', '/-/ready'],
      ['alertmanager', '/-/ready'],
    ];
    for (const [sub, p] of fronts) {
      const host = `${sub}.${DOMAIN}`;
      const ok = curl('--cacert', CA, '--resolve', `${host}:443:${LB}`, '-o', '/dev/null', '-w', '%{http_code}', `https://${host}${p}`);
      expect(ok.code, ok.out).toBe(0);
      expect(['200', '401']).toContain(ok.out.trim());
      // The same name without our CA must not verify.
      const untrusted = curl('--cacert', '/etc/ssl/certs/ca-certificates.crt', '--resolve', `${host}:443:${LB}`, `https://${host}${p}`);
      expect(untrusted.code).toBe(60);
      const plain = curl('--resolve', `${host}:80:${LB}`, '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://${host}${p}`);
      expect(plain.out.trim()).toMatch(new RegExp(`^30[128] https://${host.replace(/\./g, '\\.')}`));
    }
    const tls11 = curl('--cacert', CA, '--tls-max', '1.1', '--resolve', `chatops.${DOMAIN}:443:${LB}`, `https://chatops.${DOMAIN}/ready`);
    expect(tls11.code).not.toBe(0);
  });

  it('answers on every service of every host (status)', async () => {
    const results = await statusOf(LAB_INVENTORY);
    const down = results.filter((r) => !r.up).map((r) => `${r.service} ${r.host}: ${r.detail}`);
    expect(down).toEqual([]);
    expect(results.map((r) => r.service)).toEqual(expect.arrayContaining(['chatops@1', 'chatops@2', 'elasticsearch', 'node_exporter', 'systemd_exporter']));
  });

  it('changes nothing on a second deploy', async () => {
    const second = await runDeploy({ inventoryDir: LAB_INVENTORY }, () => undefined);
    expect(second.exitCode, JSON.stringify(second.failures)).toBe(0);
    expect(second.changedTasks).toEqual([]);
    expect(totalChanged(second)).toBe(0);
  });

  it('runs site.yml in check mode on the converged lab without a failure or a change', async () => {
    const check = await runDeploy({ inventoryDir: LAB_INVENTORY, check: true }, () => undefined);
    expect(check.exitCode, JSON.stringify(check.failures)).toBe(0);
    expect(check.failures).toEqual([]);
    expect(check.changedTasks).toEqual([]);
    expect(Object.keys(check.recap).sort()).toEqual(['app1', 'app2', 'lb1', 'lb2', 'mon1']);
  });

  it('leaves no process, mount, namespace or link behind after `lab down`', async () => {
    const r = await chatops('lab', 'down');
    expect(r.code, r.stderr).toBe(0);
    // Zombies are reaped by PID 1 in its own time; give the kernel a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(leftovers()).toEqual([]);
    // Nothing listens on the lab's ports any more (asked locally: the outer network answers any address).
    const listening = spawnSync('ss', ['-Hltn'], { encoding: 'utf8' }).stdout;
    expect(listening).not.toMatch(/10\.77\.0\.1:(8888|9443|9444)\b/);
  });
});
