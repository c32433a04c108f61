// The peers the file interop tests compare with: tcpdump, tshark/dumpcap and scapy (Debian's
// python3-scapy under /usr/bin/python3). A missing one fails the test and names its package.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES: Record<string, string> = { tcpdump: 'tcpdump', tshark: 'tshark', dumpcap: 'wireshark-common', capinfos: 'wireshark-common', '/usr/bin/python3': 'python3-scapy' };

/** Throws (failing the test) with the Debian package to install when a tool is missing. */
export function need(tool: string): void {
  const found = tool.startsWith('/') ? existsSync(tool) : ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(`${d}/${tool}`));
  if (!found) throw new Error(`${tool} is not installed: apt-get install ${PACKAGES[tool] ?? tool}`);
}

/** Runs a tool and returns its stdout. */
export function run(tool: string, args: string[], input?: string): string {
  need(tool);
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input, timeout: 60_000 });
}

/** Runs a Python script under Debian's python3 (where scapy lives). */
export function python(script: string, args: string[] = []): string {
  return run('/usr/bin/python3', ['-c', script, ...args]);
}

/**
 * Starts a capture tool and resolves once it says it is listening (tcpdump: "listening on",
 * dumpcap: "Capturing on"); `done` resolves with its exit code.
 */
export function startCapture(tool: string, args: string[], ready: RegExp): Promise<{ done: Promise<{ code: number | null; stderr: string }> }> {
  need(tool);
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let started = false;
    const done = new Promise<{ code: number | null; stderr: string }>((res) => child.on('exit', (code) => res({ code, stderr })));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${tool} did not start: ${stderr}`));
    }, 20_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!started && ready.test(stderr)) {
        started = true;
        clearTimeout(timer);
        resolve({ done });
      }
    });
    child.on('error', reject);
  });
}
