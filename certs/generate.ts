// Makes the private CA and every leaf idempotently: a certificate is kept while it is signed by
// the current CA, carries exactly the wanted names and is not within `renewDays` of expiry.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { subjectAltName, type LeafSpec } from './plan.ts';
import { createCa, fingerprint, issueLeaf, keyMatchesCert, notAfter, readSubjectAltName, validFor, verifiedBy } from './openssl.ts';

export const CA_DAYS = 3650;
export const LEAF_DAYS = 365;
const DAY = 86_400;

export type Outcome = 'kept' | 'issued' | 'renewed' | 'reissued';

export interface CertResult {
  name: string;
  outcome: Outcome;
  /** why a certificate was (re)made; empty when kept */
  reason: string;
  notAfter: Date;
}

export interface GenerateOptions {
  outDir: string;
  domain: string;
  leaves: LeafSpec[];
  renewDays: number;
}

export interface GenerateReport {
  ca: CertResult & { fingerprint: string };
  leaves: CertResult[];
}

async function caState(key: string, cert: string, renewDays: number): Promise<[Outcome, string]> {
  if (!existsSync(key) || !existsSync(cert)) return ['issued', 'missing'];
  if (!(await keyMatchesCert(key, cert))) return ['reissued', 'ca.key does not match ca.crt'];
  if (!(await validFor(cert, renewDays * DAY))) return ['renewed', `expires within ${renewDays} days`];
  return ['kept', ''];
}

async function leafState(spec: LeafSpec, key: string, cert: string, caCert: string, renewDays: number): Promise<[Outcome, string]> {
  if (!existsSync(key) || !existsSync(cert)) return ['issued', 'missing'];
  if (!(await verifiedBy(cert, caCert))) return ['reissued', 'not signed by the current CA'];
  if (!(await keyMatchesCert(key, cert))) return ['reissued', 'key does not match certificate'];
  if ((await readSubjectAltName(cert)) !== subjectAltName(spec)) return ['reissued', 'names changed'];
  if (!(await validFor(cert, renewDays * DAY))) return ['renewed', `expires within ${renewDays} days`];
  return ['kept', ''];
}

export async function generateCertificates(opts: GenerateOptions): Promise<GenerateReport> {
  mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.outDir, 0o700);
  const caKey = path.join(opts.outDir, 'ca.key');
  const caCert = path.join(opts.outDir, 'ca.crt');
  const [caOutcome, caReason] = await caState(caKey, caCert, opts.renewDays);
  if (caOutcome !== 'kept') await createCa(caKey, caCert, `ChatOps private CA (${opts.domain})`, CA_DAYS);
  chmodSync(caKey, 0o600);
  // Leaves are independent of each other: check and issue them side by side.
  const leaves = await Promise.all(
    opts.leaves.map(async (spec): Promise<CertResult> => {
      const key = path.join(opts.outDir, `${spec.name}.key`);
      const cert = path.join(opts.outDir, `${spec.name}.crt`);
      const [outcome, reason] = await leafState(spec, key, cert, caCert, opts.renewDays);
      if (outcome !== 'kept') {
        await issueLeaf({ keyPath: key, certPath: cert, caKey, caCert, commonName: spec.name, subjectAltName: subjectAltName(spec), days: LEAF_DAYS });
      }
      chmodSync(key, 0o600);
      return { name: spec.name, outcome, reason, notAfter: await notAfter(cert) };
    }),
  );
  return {
    ca: { name: 'ca', outcome: caOutcome, reason: caReason, notAfter: await notAfter(caCert), fingerprint: await fingerprint(caCert) },
    leaves,
  };
}
