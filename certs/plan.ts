// Which certificates the appliance needs and what names each must carry. Pure: the inventory
// and domain go in, leaf specifications come out (docs/architecture.md, "Certificates").
import { frontServices, LAB_CONTROLLER_IP, SERVICES } from '../ops/services.ts';
import { validateDomain } from '../app/src/core/domain.ts';

export interface PlannedHost {
  name: string;
  address: string;
  groups: string[];
}

export interface LeafSpec {
  name: string;
  dns: string[];
  ips: string[];
}

interface ServiceCert {
  name: string;
  group: string;
  subdomains: string[];
}

/** The names HAProxy answers on, each `<name>.<domain>` (ops/services.ts). */
export const FRONT_SUBDOMAINS = frontServices().map((s) => s.subdomain);

/** One leaf per service; HAProxy's carries every front sub-domain. */
export const SERVICE_CERTS: ServiceCert[] = SERVICES.map((s) => ({
  name: s.name,
  group: s.group,
  subdomains: s.name === 'haproxy' ? FRONT_SUBDOMAINS : s.subdomain ? [s.subdomain] : [],
}));

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:]+:[0-9a-f:]*$/i;
const isIp = (s: string): boolean => IPV4.test(s) || IPV6.test(s);

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

export function planCertificates(hosts: PlannedHost[], domain: string, withSandbox: boolean): LeafSpec[] {
  const leaves = SERVICE_CERTS.map((svc) => {
    const members = svc.group === 'all' ? hosts : hosts.filter((h) => h.groups.includes(svc.group));
    const dns = ['localhost', ...svc.subdomains.map((s) => `${s}.${domain}`)];
    if (svc.name === 'haproxy') dns.push(domain);
    const ips = ['127.0.0.1'];
    for (const h of members) {
      dns.push(h.name, `${h.name}.${domain}`);
      if (h.address !== h.name) (isIp(h.address) ? ips : dns).push(h.address);
    }
    return { name: svc.name, dns: sorted(dns), ips: sorted(ips) };
  });
  if (withSandbox) {
    leaves.push({ name: 'sandbox', dns: sorted(['localhost', 'controller', `sandbox.${domain}`]), ips: sorted(['127.0.0.1', LAB_CONTROLLER_IP]) });
  }
  return leaves;
}

/** The subjectAltName value openssl takes, in a stable order. */
export function subjectAltName(spec: LeafSpec): string {
  return [...spec.dns.map((d) => `DNS:${d}`), ...spec.ips.map((i) => `IP:${i}`)].join(',');
}

export { validateDomain };
