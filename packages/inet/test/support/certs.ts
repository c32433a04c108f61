/**
 * Certificates made at test time with the `openssl` command line (Debian package `openssl`): a
 * throwaway CA, a server certificate for `localhost`/127.0.0.1/::1 signed by it, and a client
 * certificate for mutual TLS. Nothing is kept between runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  remove(): void;
}

function openssl(dir: string, ...args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const e = error as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the openssl command is missing: install the Debian package openssl');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? String(error)}`);
  }
}

/** Makes a CA, a server certificate (EC P-256) and a client certificate in a fresh temp folder. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'rxsock-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=rxsock test CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n');
  openssl(dir, 'req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(dir, 'req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=rxsock test client');
  openssl(dir, 'x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2', '-extfile', 'client.ext');
  const p = (f: string) => join(dir, f);
  return {
    dir,
    caPath: p('ca.pem'),
    certPath: p('server.pem'),
    keyPath: p('server.key'),
    clientCertPath: p('client.pem'),
    clientKeyPath: p('client.key'),
    ca: readFileSync(p('ca.pem')),
    cert: readFileSync(p('server.pem')),
    key: readFileSync(p('server.key')),
    clientCert: readFileSync(p('client.pem')),
    clientKey: readFileSync(p('client.key')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
