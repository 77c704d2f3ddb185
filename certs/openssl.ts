// The openssl CLI, with keys only ever in files (0600): argv carries paths, never key material.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';

const openssl = $({ quiet: true });
const probe = $({ quiet: true, nothrow: true });

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatops-certs-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function generateKey(keyPath: string): Promise<void> {
  // Create the file 0600 first: openssl truncates and keeps the mode, so the key is never readable by others.
  writeFileSync(keyPath, '', { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  await openssl`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${keyPath}`;
  chmodSync(keyPath, 0o600);
}

const serial = (): string =>
  `0x${randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '1')}`;

export async function createCa(keyPath: string, certPath: string, commonName: string, days: number): Promise<void> {
  await generateKey(keyPath);
  await openssl`openssl req -x509 -new -key ${keyPath} -sha256 -days ${days} -set_serial ${serial()} -subj ${`/CN=${commonName}`} -addext ${'basicConstraints=critical,CA:TRUE,pathlen:0'} -addext ${'keyUsage=critical,keyCertSign,cRLSign'} -addext ${'subjectKeyIdentifier=hash'} -out ${certPath}`;
}

export async function issueLeaf(opts: {
  keyPath: string;
  certPath: string;
  caKey: string;
  caCert: string;
  commonName: string;
  subjectAltName: string;
  days: number;
}): Promise<void> {
  await generateKey(opts.keyPath);
  await withTempDir(async (dir) => {
    const csr = path.join(dir, 'leaf.csr');
    const ext = path.join(dir, 'leaf.ext');
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=${opts.subjectAltName}`,
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid,issuer',
        '',
      ].join('\n'),
    );
    await openssl`openssl req -new -key ${opts.keyPath} -subj ${`/CN=${opts.commonName}`} -out ${csr}`;
    await openssl`openssl x509 -req -in ${csr} -CA ${opts.caCert} -CAkey ${opts.caKey} -set_serial ${serial()} -days ${opts.days} -sha256 -extfile ${ext} -out ${opts.certPath}`;
  });
  chmodSync(opts.certPath, 0o644);
}

/** True when the certificate is still valid `seconds` from now. */
export async function validFor(certPath: string, seconds: number): Promise<boolean> {
  return (await probe`openssl x509 -in ${certPath} -noout -checkend ${seconds}`).exitCode === 0;
}

export async function verifiedBy(certPath: string, caCert: string): Promise<boolean> {
  return (await probe`openssl verify -CAfile ${caCert} ${certPath}`).exitCode === 0;
}

/** The SANs as openssl would take them (`DNS:a,IP:1.2.3.4`), sorted like subjectAltName(). */
export async function readSubjectAltName(certPath: string): Promise<string | undefined> {
  const r = await probe`openssl x509 -in ${certPath} -noout -ext subjectAltName`;
  if (r.exitCode !== 0) return undefined;
  const body = r.stdout.split('\n').slice(1).join(' ').trim();
  if (!body) return undefined;
  const entries = body.split(/,\s*/).map((e) => e.trim().replace(/^IP Address:/, 'IP:'));
  const dns = entries.filter((e) => e.startsWith('DNS:')).sort();
  const ips = entries.filter((e) => e.startsWith('IP:')).sort();
  return [...dns, ...ips].join(',');
}

export async function keyMatchesCert(keyPath: string, certPath: string): Promise<boolean> {
  const fromKey = await probe`openssl pkey -in ${keyPath} -pubout`;
  const fromCert = await probe`openssl x509 -in ${certPath} -noout -pubkey`;
  return fromKey.exitCode === 0 && fromCert.exitCode === 0 && fromKey.stdout.trim() === fromCert.stdout.trim();
}

export async function notAfter(certPath: string): Promise<Date> {
  const r = await openssl`openssl x509 -in ${certPath} -noout -enddate`;
  return new Date(r.stdout.trim().replace(/^notAfter=/, ''));
}

export async function fingerprint(certPath: string): Promise<string> {
  const r = await openssl`openssl x509 -in ${certPath} -noout -fingerprint -sha256`;
  return r.stdout.trim().replace(/^.*=/, '');
}
