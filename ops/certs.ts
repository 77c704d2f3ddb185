// `npx chatops certs`: the private CA and one leaf per service (see certs/ and
// docs/architecture.md, "Certificates").
import path from 'node:path';
import { generateCertificates, type GenerateReport } from '../certs/generate.ts';
import { planCertificates, validateDomain } from '../certs/plan.ts';
import { parseFlags, positiveInt, UsageError } from '../app/src/cli/flags.ts';
import { commonVar, readInventory } from './inventory.ts';
import { log, out, table } from './log.ts';
import { DEFAULT_CERTS_DIR, DEFAULT_DOMAIN, LAB_INVENTORY } from './paths.ts';
import { LAB_CONTROLLER_IP } from './services.ts';

export interface CertsOptions {
  outDir: string;
  inventoryDir: string;
  domain?: string;
  renewDays: number;
}

export async function ensureCertificates(opts: CertsOptions): Promise<GenerateReport> {
  const inventory = await readInventory(opts.inventoryDir);
  const fromInventory = commonVar(inventory, 'chatops_domain');
  const domain = opts.domain ?? (typeof fromInventory === 'string' ? fromInventory : DEFAULT_DOMAIN);
  const problem = validateDomain(domain);
  if (problem) throw new UsageError(opts.domain ? problem : problem.replace('--domain', `${opts.inventoryDir}: chatops_domain`));
  const lab = inventory.hosts.some((h) => h.address.startsWith(LAB_CONTROLLER_IP.replace(/\.1$/, '.')));
  const leaves = planCertificates(inventory.hosts, domain, lab);
  return generateCertificates({ outDir: opts.outDir, domain, leaves, renewDays: opts.renewDays });
}

export function formatReport(report: GenerateReport): string {
  const rows = [report.ca, ...report.leaves].map((c) => [c.name, c.outcome, c.notAfter.toISOString().slice(0, 10), c.reason]);
  return `${table(['certificate', 'outcome', 'expires', 'reason'], rows)}\nCA fingerprint (SHA-256): ${report.ca.fingerprint}`;
}

export async function certsCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, {
    out: { type: 'string' },
    domain: { type: 'string' },
    inventory: { type: 'string' },
    'renew-days': { type: 'string' },
  });
  const outDir = path.resolve(values.out ?? DEFAULT_CERTS_DIR);
  const renewDays = positiveInt('--renew-days', values['renew-days'], 30);
  if (renewDays >= 365) throw new UsageError('--renew-days: must be below 365, the lifetime of a leaf certificate');
  log(`certs: writing to ${outDir}`);
  const report = await ensureCertificates({
    outDir,
    inventoryDir: path.resolve(values.inventory ?? LAB_INVENTORY),
    ...(values.domain !== undefined ? { domain: values.domain } : {}),
    renewDays,
  });
  out(formatReport(report));
  return 0;
}
