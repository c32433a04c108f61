// A throwaway certificate for the TLS benchmarks, made with the openssl command line (Debian
// package openssl): an EC P-256 self-signed certificate for localhost in a temp folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeCert() {
  const dir = mkdtempSync(join(tmpdir(), 'rxsock-bench-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  return { dir, key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
