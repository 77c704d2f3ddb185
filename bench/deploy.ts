// Wall time of the lab from nothing to all green (target <= 5 min) and of a rerun (target
// <= 60 s with changed=0). Prints a Markdown table. Run as root:
//   npx tsx bench/deploy.ts [--cold] [--keep]
// --cold also deletes the cached Debian base so debootstrap is measured; --keep leaves the lab up.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runDeploy, totalChanged } from '../ops/deploy.ts';
import { timeSummary } from '../ops/playbook.ts';
import { mountedHostCount, labDown, labUp } from '../ops/lab/lab.ts';
import { deployLab } from '../ops/lab/deploy.ts';
import { BASE_DIR } from '../ops/lab/topology.ts';
import { LAB_INVENTORY } from '../ops/paths.ts';
import { waitForGreen } from '../ops/status.ts';

const { values } = parseArgs({ options: { cold: { type: 'boolean' }, keep: { type: 'boolean' } } });
const seconds = (from: number): number => (Date.now() - from) / 1000;
const quiet = (): void => undefined;

await labDown();
if (values.cold) {
  if (mountedHostCount() > 0) throw new Error('hosts still mounted on the base');
  rmSync(BASE_DIR, { recursive: true, force: true });
}
const start = Date.now();
const up = await labUp();
const deployStart = Date.now();
const first = await deployLab(quiet);
if (first.deploy.exitCode !== 0) {
  console.error(JSON.stringify(first.deploy.failures, null, 2));
  if (!values.keep) await labDown();
  process.exit(1);
}
const firstDeploy = seconds(deployStart);
const probes = first.status.length ? first.status : await waitForGreen(LAB_INVENTORY, 120_000);
const green = { up: probes.filter((r) => r.up).length, total: probes.length };
const total = seconds(start);

const rerunStart = Date.now();
const rerun = await runDeploy({ inventoryDir: LAB_INVENTORY }, quiet);
const rerunSeconds = seconds(rerunStart);

let downSeconds = NaN;
if (!values.keep) {
  const downStart = Date.now();
  await labDown();
  downSeconds = seconds(downStart);
}

const rows: [string, string, string, string][] = [
  [`lab up (${up.hosts.length} hosts${values.cold ? ', base built by debootstrap' : ', base cached'})`, up.seconds.toFixed(1), '', ''],
  ['first deploy (certs + site.yml)', firstDeploy.toFixed(1), `changed=${totalChanged(first.deploy)}`, ''],
  ['from nothing to all green', total.toFixed(1), `${green.up}/${green.total} probes up`, total <= 300 ? 'yes (<= 300 s)' : 'NO (> 300 s)'],
  [
    'rerun of site.yml',
    rerunSeconds.toFixed(1),
    `changed=${totalChanged(rerun)}, exit ${rerun.exitCode}`,
    rerunSeconds <= 60 && totalChanged(rerun) === 0 ? 'yes (<= 60 s, changed=0)' : 'NO',
  ],
  ['lab down', Number.isNaN(downSeconds) ? 'kept up' : downSeconds.toFixed(1), '', ''],
];
console.log('| step | wall time (s) | result | target met |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\nfirst deploy: ${timeSummary(first.deploy.taskSeconds).join('\nfirst deploy: ')}`);
console.log(`rerun: ${timeSummary(rerun.taskSeconds, 8).join('\nrerun: ')}`);
if (rerun.changedTasks.length) console.log(`\nchanged on rerun: ${rerun.changedTasks.map((t) => `${t.host}: ${t.task}`).join('; ')}`);
