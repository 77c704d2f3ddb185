import { describe, expect, it } from 'vitest';
import { planCertificates, subjectAltName, validateDomain, type PlannedHost } from '../../certs/plan.ts';

const hosts: PlannedHost[] = [
  { name: 'lb1', address: '10.77.0.11', groups: ['lb'] },
  { name: 'app1', address: '10.77.0.21', groups: ['app'] },
  { name: 'app2', address: 'app2.example.org', groups: ['app'] },
  { name: 'mon1', address: '10.77.0.31', groups: ['logging', 'monitoring'] },
];

describe('planCertificates', () => {
  const leaves = planCertificates(hosts, 'lab.chatops.test', true);
  const leaf = (name: string) => leaves.find((l) => l.name === name);

  it('gives haproxy every front sub-domain, the bare domain and only the balancer hosts', () => {
    expect(leaf('haproxy')).toEqual({
      name: 'haproxy',
      dns: [
        'alertmanager.lab.chatops.test',
        'chatops.lab.chatops.test',
        'grafana.lab.chatops.test',
        'kibana.lab.chatops.test',
        'lab.chatops.test',
        'lb1',
        'lb1.lab.chatops.test',
        'localhost',
        'prometheus.lab.chatops.test',
      ],
      ips: ['10.77.0.11', '127.0.0.1'],
    });
  });

  it('names app hosts by inventory name, domain name and address (a DNS address stays DNS)', () => {
    expect(leaf('chatops')).toEqual({
      name: 'chatops',
      dns: ['app1', 'app1.lab.chatops.test', 'app2', 'app2.example.org', 'app2.lab.chatops.test', 'chatops.lab.chatops.test', 'localhost'],
      ips: ['10.77.0.21', '127.0.0.1'],
    });
  });

  it('puts every host in the exporters certificates and none of the sub-domains', () => {
    const node = leaf('node_exporter');
    expect(node?.dns).toEqual(expect.arrayContaining(['lb1', 'app1', 'app2', 'mon1']));
    expect(node?.dns.some((d) => d.startsWith('chatops.'))).toBe(false);
  });

  it('adds the sandbox certificate for the lab controller only when asked', () => {
    expect(leaf('sandbox')?.ips).toEqual(['10.77.0.1', '127.0.0.1']);
    expect(planCertificates(hosts, 'lab.chatops.test', false).some((l) => l.name === 'sandbox')).toBe(false);
  });

  it('renders SANs in the order openssl reads them back', () => {
    expect(subjectAltName({ name: 'x', dns: ['a', 'b'], ips: ['1.2.3.4'] })).toBe('DNS:a,DNS:b,IP:1.2.3.4');
  });
});

describe('validateDomain', () => {
  it('accepts a lower-case DNS domain', () => {
    expect(validateDomain('chatops.example.org')).toBeUndefined();
  });
  it('names the flag and the fix for anything else', () => {
    expect(validateDomain('Bad_Domain')).toMatch(/^--domain: "Bad_Domain" is not a DNS domain; use lower-case labels/);
    expect(validateDomain('localhost')).toBeDefined();
  });
});
