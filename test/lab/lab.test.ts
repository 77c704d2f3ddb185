// The whole appliance on the nspawn lab: up from nothing and site.yml deployed (once, for the whole
// lab project, by test/lab/global-setup.ts; this file runs first and checks that deploy), every
// deployed service answers over HTTPS through HAProxy with our CA, a rerun changes nothing and a
// check-mode run fails nothing and changes nothing. test/lab/lab-down.test.ts (run last) checks
// that `lab down` leaves nothing behind. Needs root (CI runs as root).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runDeploy, totalChanged } from '../../ops/deploy.ts';
import { DEFAULT_CERTS_DIR, LAB_INVENTORY } from '../../ops/paths.ts';
import { statusOf } from '../../ops/status.ts';
import { chatops } from '../support/lab-access.ts';

const DOMAIN = 'lab.chatops.test';
const LB = '10.77.0.11';
const CA = path.join(DEFAULT_CERTS_DIR, 'ca.crt');

function curl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('the lab', () => {
  const deploy = inject('labDeploy');

  it('came up from nothing and deployed site.yml once for the whole lab project, within 5 minutes', () => {
    expect(
      deploy.fromNothing,
      'a deployed lab was already running when the lab project started: `chatops lab down` first to measure a deploy from nothing',
    ).toBe(true);
    process.stdout.write(`lab up from nothing ${deploy.upSeconds.toFixed(1)} s, site.yml from nothing ${deploy.deploySeconds.toFixed(1)} s\n`);
    // Where the deploy's time went (`chatops lab deploy` prints it): the slowest tasks and each role's time.
    for (const line of deploy.deployStderr.split('\n').filter((l) => /deploy: (slowest tasks|time by role)/.test(l))) process.stdout.write(`${line}\n`);
    expect(deploy.upStdout).toMatch(/lb1\s+10\.77\.0\.11\s+lb\s+yes\s+yes\s+yes\s+yes/);
    expect(deploy.deployStderr).toContain('PLAY ');
    expect(deploy.deployStdout).toMatch(/(\d+)\/\1 up/);
    expect(deploy.upSeconds + deploy.deploySeconds).toBeLessThanOrEqual(300);
  });

  it('a second `lab up` on the running lab is a no-op', async () => {
    const second = await chatops('lab', 'up');
    expect(second.code, second.stderr).toBe(0);
    expect((await chatops('lab', 'status')).code).toBe(0);
  });

  it('reports the failing host and task when a playbook fails', async () => {
    const r = await chatops('deploy', '--playbook', path.join(import.meta.dirname, 'fixtures/fails-on-app2.yml'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deploy failed on host app2, task "Refuse to continue on app2"');
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
    process.stdout.write(`rerun of site.yml: changed=${totalChanged(second)} in ${second.seconds.toFixed(1)} s\n`);
    expect(second.exitCode, JSON.stringify(second.failures)).toBe(0);
    expect(second.changedTasks).toEqual([]);
    expect(totalChanged(second)).toBe(0);
  });

  it('runs site.yml in check mode on the converged lab without a failure or a change', async () => {
    const check = await runDeploy({ inventoryDir: LAB_INVENTORY, check: true }, () => undefined);
    expect(check.exitCode, JSON.stringify(check.failures)).toBe(0);
    expect(check.failures).toEqual([]);
    expect(check.changedTasks).toEqual([]);
    expect(Object.keys(check.recap).sort()).toEqual(['app1', 'app2', 'lb1', 'lb2', 'log1', 'mon1', 'mon2']);
  });
});
