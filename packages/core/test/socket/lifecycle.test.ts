import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeSync, openSync } from 'node:fs';
import { C, Socket } from '../../src/index.js';

const distIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Runs an ES module snippet in a fresh node process against the built package. */
function runNode(code: string, args: string[] = [], timeout = 15_000, env: Record<string, string> = {}) {
  const script = `import { C, Socket, traceSocketOrigins } from ${JSON.stringify(distIndex)};\n${code}`;
  return spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { encoding: 'utf8', timeout, env: { ...process.env, ...env } });
}

describe('socket lifecycle', () => {
  it('dup gives an independent fd on the same socket', async () => {
    const [a, b] = Socket.pair();
    const d = a.dup();
    expect(d.fileno()).not.toBe(a.fileno());
    a.close();
    await d.send(Buffer.from('via dup'));
    expect((await b.recv(10)).toString()).toBe('via dup');
    d.close();
    b.close();
  });

  it('detach hands over the fd without closing it; fromFd adopts it and asks the kernel its kind', async () => {
    const s = Socket.create(C.AF_INET6, C.SOCK_DGRAM);
    s.bind(['::1', 0]);
    const addr = s.getsockname();
    const fd = s.detach();
    expect(s.closed).toBe(true);
    const adopted = Socket.fromFd(fd);
    expect([adopted.family, adopted.type, adopted.protocol]).toEqual([C.AF_INET6, C.SOCK_DGRAM, C.IPPROTO_UDP]);
    expect(adopted.getsockname()).toEqual(addr);
    const copy = Socket.fromFd(fd, { dup: true });
    expect(copy.fileno()).not.toBe(fd);
    copy.close();
    adopted.close();
  });

  it('fromFd on something that is not a socket is a typed ENOTSOCK', () => {
    const fd = openSync(fileURLToPath(import.meta.url), 'r');
    expect(() => Socket.fromFd(fd, { dup: true })).toThrow(expect.objectContaining({ code: 'ENOTSOCK', syscall: 'getsockopt' }));
    expect(() => Socket.fromFd(fd)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }));
    closeSync(fd); // fromFd failing must not have closed (or leaked) anything of ours
  });

  it('sockets are close-on-exec unless made inheritable', () => {
    const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
    expect(s.inheritable).toBe(false);
    s.inheritable = true;
    expect(s.inheritable).toBe(true);
    const out = execFileSync('sh', ['-c', `test -e /proc/self/fd/${s.fileno()} && echo inherited || echo closed`], { encoding: 'utf8' });
    expect(out.trim()).toBe('inherited');
    s.inheritable = false;
    const out2 = execFileSync('sh', ['-c', `test -e /proc/self/fd/${s.fileno()} && echo inherited || echo closed`], { encoding: 'utf8' });
    expect(out2.trim()).toBe('closed');
    s.close();
  });

  it('await using closes the socket', async () => {
    const { readlinkSync } = await import('node:fs');
    const target = (fd: number) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return null;
      }
    };
    let fd = -1;
    let inode: string | null = null;
    {
      await using s = Socket.create(C.AF_INET, C.SOCK_STREAM);
      fd = s.fileno();
      inode = target(fd);
      expect(inode).toMatch(/^socket:/);
    }
    expect(target(fd)).not.toBe(inode);
  });

  // A socket made in makeLeak() and an accepted one, both dropped while open.
  const leakScript = (setup: string) => `
      ${setup}
      import { readlinkSync } from 'node:fs';
      const target = (fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch { return null; } };
      let fd, inode;
      function makeLeak() { const s = Socket.create(C.AF_INET, C.SOCK_STREAM); fd = s.fileno(); inode = target(fd); }
      makeLeak();
      process.on('warning', (w) => { console.log('WARNING', w.code, w.message.includes('(fd ' + fd + ')'), w.message.includes('makeLeak'), w.message.includes('by accept() on a listener (127.0.0.1:'), w.message.includes('RXSOCK_SOCKET_ORIGINS=1')); });
      // an accepted socket leaked too: its warning names the accepting listener
      const listener = Socket.create(C.AF_INET, C.SOCK_STREAM); listener.bind(['127.0.0.1', 0]); listener.listen();
      const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
      await Promise.all([listener.accept().then(() => {}), client.connect(listener.getsockname())]);
      for (let i = 0; i < 20; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
      console.log('OPEN', inode.startsWith('socket:') && target(fd) === inode);
      `;

  it('a socket garbage-collected while open is closed, with a warning that says how to learn where it was created', () => {
    const r = runNode(leakScript(''), ['--expose-gc']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toContain('WARNING RXSOCK_SOCKET_LEAK true false false true');
    expect(r.stdout).toMatch(/WARNING RXSOCK_SOCKET_LEAK false false true (true|false)/);
    expect(r.stdout).toContain('OPEN false');
  });

  it('with origins traced (RXSOCK_SOCKET_ORIGINS=1 or traceSocketOrigins()) the warning names where the socket was created', () => {
    for (const [setup, env] of [['', { RXSOCK_SOCKET_ORIGINS: '1' }], ['traceSocketOrigins();', {}]] as const) {
      const r = runNode(leakScript(setup), ['--expose-gc'], 15_000, env);
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.stdout).toContain('WARNING RXSOCK_SOCKET_LEAK true true false false');
      expect(r.stdout).toContain('WARNING RXSOCK_SOCKET_LEAK false false true false');
      expect(r.stdout).toContain('OPEN false');
    }
  });

  it('the process exits by itself once nothing waits on a referenced socket', () => {
    const t0 = Date.now();
    const r = runNode(`
      const [a, b] = Socket.pair();
      const got = a.recv(10);
      setTimeout(() => b.send(Buffer.from('bye')), 200);
      console.log('GOT', (await got).toString());
      // a and b stay open but idle: nothing keeps the loop alive
    `);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('GOT bye');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a pending recv keeps the process alive; unref() lets it exit', () => {
    const alive = runNode(`
      const [a, b] = Socket.pair();
      a.recv(10).then((d) => console.log('never', d));
      setTimeout(() => { console.log('STILL ALIVE'); process.exit(0); }, 500).unref();
    `);
    expect(alive.stdout).toContain('STILL ALIVE');
    const exits = runNode(`
      const [a, b] = Socket.pair();
      a.unref();
      a.recv(10).then((d) => console.log('never', d));
      setTimeout(() => { console.log('STILL ALIVE'); process.exit(0); }, 500).unref();
    `);
    expect(exits.status).toBe(0);
    expect(exits.stdout).not.toContain('STILL ALIVE');
  });
});
