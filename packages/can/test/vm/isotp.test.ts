// CAN_ISOTP on the guest kernel (6.1): rxsock to rxsock on vcan0, on this file's own vcan (vtp0) and across the
// vxcan pair, can-utils' isotpsend/isotprecv both ways, and the frames on the wire read by a CAN_RAW socket
// of this process. Judged on content and counts, never on time. No extra node process.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { canFrame, openCanIsotp, openCanRaw, IsotpFlag, type CanFdFrame, type CanIsotpOptions, type CanIsotpSocket, type ClassicCanFrame, type ReceivedCanFrame } from '@rxsock/can';
import { addVcan, deleteLink, receiverCount, requireCanKernel, runOk, start, waitForReceiver, withVcan } from './support/index.js';

/** This file's own bus (FD-capable), so that frame counts see no other test's traffic. */
const IF = 'vtp0';

beforeAll(async () => {
  requireCanKernel();
  await deleteLink(IF);
  await addVcan(IF);
  await runOk('ip', ['link', 'set', IF, 'mtu', '72']);
});
afterAll(async () => {
  await deleteLink(IF);
});

const open: { close(): void }[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function isotp(options: CanIsotpOptions): Promise<CanIsotpSocket> {
  const s = await openCanIsotp(options);
  open.push(s);
  return s;
}

/** `n` bytes that differ from message to message (`seed`). */
function pattern(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 31 + (i >> 8)) & 0xff;
  return b;
}

const bytes = (b: Uint8Array): number[] => [...b];
const hex = (b: Uint8Array): string => bytes(b).map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** The next `n` messages of a socket (subscribed now: later messages wait in the kernel anyway). */
function nextMessages(s: CanIsotpSocket, n: number): Promise<Uint8Array[]> {
  return firstValueFrom(s.messages$.pipe(take(n), toArray()));
}

/** Id of the marker frame that tells a capture it has read everything sent before it. */
const MARK = 0x7ff;

type Frame = ReceivedCanFrame<ClassicCanFrame | CanFdFrame>;

/** Every frame on {@link IF}, read by a CAN_RAW socket; `frames()` waits until all sent so far were read. */
function capture(): { frames(): Promise<Frame[]> } {
  // A 66000-byte FD message is over 1000 frames in one burst: room for all (SO_RCVBUFFORCE, root).
  const raw = openCanRaw({ interface: IF, fdFrames: true, recvOwnMessages: true, receiveBufferSize: 8 << 20, forceReceiveBuffer: true });
  const seen: Frame[] = [];
  let wake: (() => void) | undefined;
  const subscription = raw.frames$.subscribe((f) => {
    seen.push(f as Frame);
    wake?.();
  });
  open.push({
    close() {
      subscription.unsubscribe();
      raw.close();
    },
  });
  return {
    async frames() {
      // vcan keeps order: once our own marker is back, every frame sent before it was read.
      const before = seen.length;
      await raw.send(canFrame({ id: MARK, data: [] }));
      while (!seen.slice(before).some((f) => f.id === MARK)) await new Promise<void>((r) => (wake = r));
      return seen.filter((f) => f.id !== MARK);
    },
  };
}

const ofId = (frames: Frame[], id: number): Frame[] => frames.filter((f) => f.id === id);
/** Flow control frames: PCI type 3 in the high nibble of the first byte (after an address byte when there is one). */
const flowControls = (frames: Frame[], id: number, at = 0): Frame[] => ofId(frames, id).filter((f) => f.data[at]! >> 4 === 3);

describe('ISO-TP between rxsock sockets', () => {
  it('carries messages of 1..8200 bytes both ways on vcan0, single and segmented, and counts them; 66001 is too long', async () => {
    const a = await isotp({ interface: 'vcan0', txId: 0x700, rxId: 0x708 });
    const b = await isotp({ interface: 'vcan0', txId: 0x708, rxId: 0x700 });
    // Linux 6.1 takes more than 4095 bytes on classic CAN too: the first frame then carries a 32-bit length.
    const sizes = [1, 7, 8, 62, 4095, 4096, 8200];
    const atB = nextMessages(b, sizes.length);
    for (const [i, n] of sizes.entries()) await a.send(pattern(n, i));
    expect((await atB).map(hex)).toEqual(sizes.map((n, i) => hex(pattern(n, i))));
    // Replies, consumed with for await (one message of credit per iteration).
    await Promise.all([b.send(pattern(300, 9)), b.send([0x7f, 0x22, 0x31])]);
    const replies: Uint8Array[] = [];
    for await (const m of a.messages()) if (replies.push(m) === 2) break;
    expect(replies.map(hex)).toEqual([hex(pattern(300, 9)), '7f 22 31']);
    expect(a.counters).toEqual({ sent: sizes.length, sendFailed: 0, receiveFailed: 0 });
    expect(b.counters).toEqual({ sent: 2, sendFailed: 0, receiveFailed: 0 });
    await expect(a.send(pattern(66001))).rejects.toMatchObject({ code: 'EMSGSIZE', syscall: 'sendmsg', message: expect.stringMatching(/66001 bytes.*1\.\.66000/) });
    await expect(a.send([])).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('carries a 4095-byte message across the vxcan0<->vxcan1 pair, and the answer back', async () => {
    const a = await isotp({ interface: 'vxcan0', txId: 0x710, rxId: 0x718 });
    const b = await isotp({ interface: 'vxcan1', txId: 0x718, rxId: 0x710 });
    const atB = nextMessages(b, 1);
    await a.send(pattern(4095, 1));
    expect(hex((await atB)[0]!)).toBe(hex(pattern(4095, 1)));
    const atA = nextMessages(a, 1);
    await b.send(pattern(100, 2));
    expect(hex((await atA)[0]!)).toBe(hex(pattern(100, 2)));
  });

  it('uses 29-bit ids with mixed addressing: an address byte ahead of every frame, different each way', async () => {
    const wire = capture();
    const a = await isotp({ interface: IF, txId: 0x18da10f1, rxId: 0x18daf110, extendedAddress: 0xf1, rxExtendedAddress: 0x10 });
    const b = await isotp({ interface: IF, txId: 0x18daf110, rxId: 0x18da10f1, extendedAddress: 0x10, rxExtendedAddress: 0xf1 });
    // Same ids, wrong address byte: must not take A's message.
    const stranger = await isotp({ interface: IF, txId: 0x18daf110, rxId: 0x18da10f1, extendedAddress: 0x10, rxExtendedAddress: 0x99, listenOnly: true });
    const atB = nextMessages(b, 1);
    const strangerGot: Uint8Array[] = [];
    stranger.messages$.subscribe((m) => strangerGot.push(m));
    await a.send(pattern(50, 3));
    expect(hex((await atB)[0]!)).toBe(hex(pattern(50, 3)));
    const atA = nextMessages(a, 1);
    await b.send(pattern(30, 4));
    expect(hex((await atA)[0]!)).toBe(hex(pattern(30, 4)));
    const frames = await wire.frames();
    const fromA = ofId(frames, 0x18da10f1);
    const fromB = ofId(frames, 0x18daf110);
    // 50 bytes with a 1-byte address: first frame 5 bytes, then 6 per consecutive frame: 1 + 8 frames.
    expect(fromA.length).toBe(1 + 8 + 1); // and one flow control for B's reply
    expect(fromA.every((f) => f.extended && f.data[0] === 0xf1)).toBe(true);
    expect(fromB.every((f) => f.extended && f.data[0] === 0x10)).toBe(true);
    expect(flowControls(frames, 0x18daf110, 1)).toHaveLength(1);
    expect(strangerGot).toEqual([]);
  });

  it('pads sent frames and checks received padding; a badly padded message is a receive error, not the end', async () => {
    const wire = capture();
    const a = await isotp({ interface: IF, txId: 0x720, rxId: 0x728, txPadding: 0xaa });
    const b = await isotp({ interface: IF, txId: 0x728, rxId: 0x720, rxPadding: 0xaa, checkPadding: 'all' });
    const atB = nextMessages(b, 2);
    // 17 bytes: 6 in the first frame, 7 + 4 in two consecutive frames, the last one padded.
    await a.send(pattern(17, 5));
    const fromA = ofId(await wire.frames(), 0x720);
    expect(fromA.map((f) => f.len)).toEqual([8, 8, 8]);
    expect(bytes(fromA[2]!.data).slice(5)).toEqual([0xaa, 0xaa, 0xaa]);
    await a.send([1, 2, 3]);
    const sf = ofId(await wire.frames(), 0x720).at(-1)!;
    expect(bytes(sf.data)).toEqual([0x03, 1, 2, 3, 0xaa, 0xaa, 0xaa, 0xaa]);
    expect((await atB).map(hex)).toEqual([hex(pattern(17, 5)), '01 02 03']);

    // A receiver that wants 0x55 padding drops A's message (EBADMSG) and goes on receiving.
    const strict = await isotp({ interface: IF, txId: 0x738, rxId: 0x730, rxPadding: 0x55, checkPadding: 'data' });
    const wrong = await isotp({ interface: IF, txId: 0x730, rxId: 0x738, txPadding: 0xaa });
    const right = await isotp({ interface: IF, txId: 0x730, rxId: 0x739, txPadding: 0x55 });
    const error = firstValueFrom(strict.receiveErrors$);
    const atStrict = nextMessages(strict, 1);
    await wrong.send([9, 9]);
    expect(await error).toMatchObject({ code: 'EBADMSG', errno: 74, syscall: 'recvmsg' });
    await right.send([7, 7]);
    expect((await atStrict).map(hex)).toEqual(['07 07']);
    expect(strict.counters.receiveFailed).toBe(1);
  });

  it('uses a CAN FD link layer: 64-byte frames with BRS, up to 66000-byte messages; FD on a classic interface is refused', async () => {
    const wire = capture();
    const a = await isotp({ interface: IF, txId: 0x740, rxId: 0x748, fd: { dataLength: 64, brs: true } });
    const b = await isotp({ interface: IF, txId: 0x748, rxId: 0x740, fd: true });
    const atB = nextMessages(b, 2);
    await a.send(pattern(66000, 6));
    await a.send(pattern(40, 7));
    expect((await atB).map(hex)).toEqual([hex(pattern(66000, 6)), hex(pattern(40, 7))]);
    const fromA = ofId(await wire.frames(), 0x740);
    expect(fromA.every((f) => f.kind === 'fd' && f.brs)).toBe(true);
    // 66000 bytes: a 64-byte first frame (6 header bytes: the 32-bit length escape), 63 per
    // consecutive frame; then the 40 bytes in one single frame.
    expect(fromA[0]!.len).toBe(64);
    expect(fromA.length).toBe(1 + Math.ceil((66000 - 58) / 63) + 1);
    // A classic interface (vcan starts at mtu 72: set 16): the 6.1 module would bind, then fail every send.
    await withVcan('vtp1', async (classic) => {
      await runOk('ip', ['link', 'set', classic, 'down']);
      await runOk('ip', ['link', 'set', classic, 'mtu', '16']);
      await runOk('ip', ['link', 'set', classic, 'up']);
      await expect(openCanIsotp({ interface: classic, txId: 0x740, rxId: 0x748, fd: true })).rejects.toMatchObject({ code: 'EINVAL', syscall: 'bind', message: expect.stringMatching(/option fd: interface vtp1 .*mtu 16.*mtu 72/) });
    });
  });

  it('listens without sending flow control (listen mode), beside the real receiver', async () => {
    const wire = capture();
    const a = await isotp({ interface: IF, txId: 0x750, rxId: 0x758 });
    const b = await isotp({ interface: IF, txId: 0x758, rxId: 0x750 });
    const listener = await isotp({ interface: IF, txId: 0x758, rxId: 0x750, listenOnly: true });
    const atB = nextMessages(b, 1);
    const heard = nextMessages(listener, 1);
    await a.send(pattern(100, 8));
    expect(hex((await atB)[0]!)).toBe(hex(pattern(100, 8)));
    expect(hex((await heard)[0]!)).toBe(hex(pattern(100, 8)));
    // One flow control on the bus: B's. The listener would have sent a second.
    expect(flowControls(await wire.frames(), 0x758)).toHaveLength(1);
  });

  it('fails a message nobody answers with ECOMM, for that message only: the socket goes on', async () => {
    const a = await isotp({ interface: 'vcan0', txId: 0x760, rxId: 0x768 });
    // A reader runs meanwhile: the socket's pending error reaches it first, and still belongs to the send.
    const atA = nextMessages(a, 1);
    await expect(a.send(pattern(100, 9))).rejects.toMatchObject({ name: 'SocketError', code: 'ECOMM', errno: 70, syscall: 'sendmsg', message: expect.stringMatching(/100 bytes.*no flow control/) });
    const b = await isotp({ interface: 'vcan0', txId: 0x768, rxId: 0x760 });
    const atB = nextMessages(b, 1);
    await a.send(pattern(100, 10));
    expect(hex((await atB)[0]!)).toBe(hex(pattern(100, 10)));
    await b.send([0x50, 0x01]);
    expect((await atA).map(hex)).toEqual(['50 01']);
    expect(a.counters).toEqual({ sent: 1, sendFailed: 1, receiveFailed: 0 });

    // No reader this time, and two queued sends: each fails on its own, then the next one works.
    const c = await isotp({ interface: 'vcan0', txId: 0x770, rxId: 0x778 });
    const results = await Promise.allSettled([c.send(pattern(20, 1)), c.send(pattern(20, 2))]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(['ECOMM', 'ECOMM']);
    const d = await isotp({ interface: 'vcan0', txId: 0x778, rxId: 0x770 });
    const atD = nextMessages(d, 1);
    await c.send(pattern(20, 3));
    expect(hex((await atD)[0]!)).toBe(hex(pattern(20, 3)));
    expect(c.counters).toEqual({ sent: 1, sendFailed: 2, receiveFailed: 0 });
  });

  it('fails the send under way and the queued one with ERR_SOCKET_CLOSED when the socket closes', async () => {
    const wire = capture();
    const s = await isotp({ interface: IF, txId: 0x7a0, rxId: 0x7a8 });
    const pending = Promise.allSettled([s.send(pattern(50, 1)), s.send(pattern(50, 2))]);
    // Its first frame on the wire: the first transfer is in the kernel, waiting for flow control.
    let sent = 0;
    while (sent === 0) sent = ofId(await wire.frames(), 0x7a0).length;
    s.close();
    const results = await pending;
    expect(results.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(['ERR_SOCKET_CLOSED', 'ERR_SOCKET_CLOSED']);
    // The queued message never reached the wire.
    expect(ofId(await wire.frames(), 0x7a0)).toHaveLength(1);
  });

  it("waits through a receiver's wait frames (FC.WT), and fails a message the receiver calls an overflow with EMSGSIZE", async () => {
    const a = await isotp({ interface: IF, txId: 0x780, rxId: 0x788 });
    // The receiver is played by a CAN_RAW socket: it answers each first frame with its own flow controls.
    const peer = openCanRaw({ interface: IF, filters: [{ id: 0x780, mask: 0x7ff }] });
    const got: number[] = [];
    const answers = [[[0x31, 0, 0], [0x31, 0, 0], [0x30, 0, 0]], [[0x32, 0, 0]]];
    const subscription = peer.frames$.subscribe((f) => {
      const pci = (f as Frame).data[0]! >> 4;
      got.push(pci);
      if (pci !== 1) return;
      const replies = answers.shift() ?? [];
      void (async () => {
        for (const data of replies) await peer.send(canFrame({ id: 0x788, data }));
      })();
    });
    open.push({
      close() {
        subscription.unsubscribe();
        peer.close();
      },
    });
    await a.send(pattern(20, 14));
    await expect(a.send(pattern(20, 15))).rejects.toMatchObject({ code: 'EMSGSIZE', errno: 90, syscall: 'sendmsg', message: expect.stringMatching(/OVERFLOW/) });
    expect(a.counters).toEqual({ sent: 1, sendFailed: 1, receiveFailed: 0 });
    // The first message: its first frame and, after two waits and a clear-to-send, 2 consecutive frames; the second: a first frame only.
    expect(got).toEqual([1, 2, 2, 1]);
  });

  it('reports a message with a wrong sequence number on receiveErrors$ (EILSEQ) and goes on receiving', async () => {
    const b = await isotp({ interface: IF, txId: 0x798, rxId: 0x790 });
    // The sender is played by a CAN_RAW socket: a first frame of 20 bytes, then consecutive frame 2 where 1 belongs.
    const peer = openCanRaw({ interface: IF });
    open.push(peer);
    const error = firstValueFrom(b.receiveErrors$);
    const messages = nextMessages(b, 1);
    await peer.send(canFrame({ id: 0x790, data: [0x10, 20, 1, 2, 3, 4, 5, 6] }));
    await peer.send(canFrame({ id: 0x790, data: [0x22, 7, 8, 9, 10, 11, 12, 13] }));
    expect(await error).toMatchObject({ code: 'EILSEQ', errno: 84, syscall: 'recvmsg', message: expect.stringMatching(/sequence number/) });
    await peer.send(canFrame({ id: 0x790, data: [0x02, 0xab, 0xcd] }));
    expect((await messages).map(hex)).toEqual(['ab cd']);
    expect(b.counters.receiveFailed).toBe(1);
  });

  it('hands every option to the kernel (read back with getsockopt)', async () => {
    const s = await isotp({
      interface: IF, txId: 0x123, rxId: 0x1abcdef, extendedAddress: 0x11, rxExtendedAddress: 0x22, txPadding: 0x33, rxPadding: 0x44, checkPadding: 'length',
      halfDuplex: true, frameTxTimeNs: 0, flowControl: { blockSize: 5, separationTimeUs: 300, maxWaitFrames: 3 }, txSeparationTimeNs: 700_000, rxSeparationTimeNs: 900_000,
      fd: { dataLength: 32 },
    });
    const k = s.kernelOptions();
    expect(k.options).toEqual({
      flags: IsotpFlag.EXTEND_ADDR | IsotpFlag.RX_EXT_ADDR | IsotpFlag.TX_PADDING | IsotpFlag.RX_PADDING | IsotpFlag.CHK_PAD_LEN | IsotpFlag.HALF_DUPLEX | IsotpFlag.FORCE_TXSTMIN | IsotpFlag.FORCE_RXSTMIN,
      frameTxTime: 0xffffffff, extAddress: 0x11, txPadContent: 0x33, rxPadContent: 0x44, rxExtAddress: 0x22,
    });
    expect(k.flowControl).toEqual({ bs: 5, stmin: 0xf3, wftmax: 3 });
    expect(k.linkLayer).toEqual({ mtu: 72, txDl: 32, txFlags: 0 });
    expect([k.txStMinNs, k.rxStMinNs]).toEqual([700_000, 900_000]);
    expect([s.txId, s.rxId]).toEqual([0x123, 0x81abcdef]);
    await expect(openCanIsotp({ interface: 'nosuch0', txId: 1, rxId: 2 })).rejects.toMatchObject({ code: 'ENODEV' });
  });
});

describe('ISO-TP interop with can-utils', () => {
  it('receives what isotpsend sends, answering with its own flow control (block size 2, STmin 1 ms)', async () => {
    const wire = capture();
    const b = await isotp({ interface: IF, txId: 0x7e8, rxId: 0x7e0, flowControl: { blockSize: 2, separationTimeUs: 1000 } });
    const atB = nextMessages(b, 1);
    const message = pattern(300, 11);
    await runOk('isotpsend', ['-s', '7E0', '-d', '7E8', IF], { input: `${hex(message)}\n` });
    expect(hex((await atB)[0]!)).toBe(hex(message));
    // 300 bytes: 1 first frame + 42 consecutive frames, a flow control before every 2: 21.
    const fcs = flowControls(await wire.frames(), 0x7e8);
    expect(fcs).toHaveLength(21);
    expect(bytes(fcs[0]!.data)).toEqual([0x30, 0x02, 0x01]);
  });

  it('receives isotpsend with 29-bit ids and mixed addressing (-x)', async () => {
    const b = await isotp({ interface: IF, txId: 0x18daf110, rxId: 0x18da10f1, extendedAddress: 0x10, rxExtendedAddress: 0xf1 });
    const atB = nextMessages(b, 1);
    const message = pattern(40, 12);
    await runOk('isotpsend', ['-s', '18DA10F1', '-d', '18DAF110', '-x', 'F1:10', IF], { input: `${hex(message)}\n` });
    expect(hex((await atB)[0]!)).toBe(hex(message));
  });

  it('sends to isotprecv, honouring its flow control (block size 3)', async () => {
    const wire = capture();
    const a = await isotp({ interface: IF, txId: 0x7e0, rxId: 0x7e8 });
    const baseline = receiverCount(IF);
    const recv = start('isotprecv', ['-s', '7E8', '-d', '7E0', '-b', '3', IF]);
    await waitForReceiver(IF, baseline);
    const message = pattern(200, 13);
    await a.send(message);
    const r = await recv.done;
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split(/\s+/).map((x) => Number.parseInt(x, 16))).toEqual(bytes(message));
    // 200 bytes: 1 + 28 consecutive frames, a flow control before every 3: 10.
    const fcs = flowControls(await wire.frames(), 0x7e8);
    expect(fcs).toHaveLength(10);
    expect(bytes(fcs[0]!.data)).toEqual([0x30, 0x03, 0x00]);
  });
});
