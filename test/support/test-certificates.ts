// A throwaway CA and a leaf certificate for 127.0.0.1/localhost, made with the openssl CLI,
// for tests that need TLS on a local listener. Keys are written 0600 into a fresh temp folder.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
  remove(): Promise<void>;
}

export async function createTestCertificates(hosts: string[] = ['127.0.0.1', 'localhost']): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'chatops-test-tls-'));
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  const sans = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=chatops test CA']);
  await run('openssl', ['req', ...ec, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${hosts[0] ?? 'localhost'}`]);
  await writeFile(ext, `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext]);
  await chmod(caKey, 0o600);
  await chmod(keyFile, 0o600);
  return {
    dir,
    caFile,
    certFile,
    keyFile,
    ca: await readFile(caFile, 'utf8'),
    cert: await readFile(certFile, 'utf8'),
    key: await readFile(keyFile, 'utf8'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
