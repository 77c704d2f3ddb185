// `npx chatops lab deploy`: certificates, site.yml on the lab inventory, then the URLs and
// what answers.
import { ensureCertificates } from '../certs.ts';
import { reportDeploy, runDeploy, type DeployResult } from '../deploy.ts';
import { UsageError } from '../../app/src/cli/flags.ts';
import { log, out } from '../log.ts';
import { DEFAULT_CERTS_DIR, DEFAULT_DOMAIN, LAB_INVENTORY } from '../paths.ts';
import { formatStatus, waitForGreen, type ProbeResult } from '../status.ts';
import { hostRunning } from './machines.ts';
import { withLabLock } from './lock.ts';
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

export async function labDeploy(): Promise<number> {
  const { deploy, status } = await deployLab();
  const code = reportDeploy(deploy);
  if (code !== 0) return code;
  const domain = DEFAULT_DOMAIN;
  out(`\nThe lab answers on lb1 (10.77.0.11); resolve the names to it, e.g.
  curl --cacert certs/generated/ca.crt --resolve chatops.${domain}:443:10.77.0.11 https://chatops.${domain}/ready
  https://chatops.${domain}/   https://prometheus.${domain}/   https://alertmanager.${domain}/
Sandbox: GitHub https://10.77.0.1:9443, Slack https://10.77.0.1:9444
`);
  out(formatStatus(status));
  return status.every((r) => r.up) ? 0 : 3;
}
