// `npx chatops lab deploy`: certificates, site.yml on the lab inventory, then the URLs and
// what answers.
import { ensureCertificates } from '../certs.ts';
import { reportDeploy, runDeploy, type DeployResult } from '../deploy.ts';
import { timeSummary } from '../playbook.ts';
import { UsageError } from '../../app/src/cli/flags.ts';
import { log, out } from '../log.ts';
import { DEFAULT_CERTS_DIR, DEFAULT_DOMAIN, LAB_INVENTORY } from '../paths.ts';
import { hostsInGroup, readInventory } from '../inventory.ts';
import { formatStatus, routedServices, waitForGreen, type ProbeResult } from '../status.ts';
import { hostRunning } from './machines.ts';
import { withLabLock } from './lock.ts';
import { sandboxUrls } from './sandbox.ts';
import { labHosts } from './topology.ts';

export interface LabDeployResult {
  deploy: DeployResult;
  status: ProbeResult[];
}

export async function deployLab(print: (line: string) => void = log): Promise<LabDeployResult> {
  return withLabLock('lab deploy', () => deployAndProbe(print));
}

async function deployAndProbe(print: (line: string) => void): Promise<LabDeployResult> {
  const hosts = await labHosts(LAB_INVENTORY);
  const down = hosts.filter((h) => !hostRunning(h.name)).map((h) => h.name);
  if (down.length) throw new UsageError(`lab deploy: ${down.join(', ')} not running; run \`npx chatops lab up\` first`);
  await ensureCertificates({ outDir: DEFAULT_CERTS_DIR, inventoryDir: LAB_INVENTORY, renewDays: 30 });
  const deploy = await runDeploy({ inventoryDir: LAB_INVENTORY }, print);
  // Services confirm they run before their role ends; a short wait covers late listeners.
  const status = deploy.exitCode === 0 ? await waitForGreen(LAB_INVENTORY, 60_000) : [];
  return { deploy, status };
}

/** Where the lab answers: the balancer's address, the routed names, the sandbox. */
async function labSummary(): Promise<string> {
  const domain = DEFAULT_DOMAIN;
  const inventory = await readInventory(LAB_INVENTORY);
  const lb = hostsInGroup(inventory, 'lb')[0];
  const address = lb?.address ?? '(no lb host)';
  const urls = routedServices(inventory)
    .map((s) => `https://${s.subdomain}.${domain}/`)
    .join('   ');
  const sandbox = sandboxUrls();
  return `\nThe lab answers on ${lb?.name ?? 'lb'} (${address}); resolve the names to it, e.g.
  curl --cacert certs/generated/ca.crt --resolve chatops.${domain}:443:${address} https://chatops.${domain}/ready
  ${urls}
Sandbox: GitHub ${sandbox.github}, Slack ${sandbox.slack}
`;
}

export async function labDeploy(): Promise<number> {
  const { deploy, status } = await deployLab();
  const code = reportDeploy(deploy);
  if (code !== 0) return code;
  for (const line of timeSummary(deploy.taskSeconds)) log(`deploy: ${line}`);
  out(await labSummary());
  out(formatStatus(status));
  return status.every((r) => r.up) ? 0 : 3;
}
