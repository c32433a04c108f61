/**
 * Memory shared with the kernel through `mmap` (a packet socket's TPACKET ring), read in place
 * through an ArrayBuffer view.
 *
 * The view cannot be detached (V8 refuses to detach external memory), so unmapping while a
 * view is reachable would turn a later read into a segfault. {@link MappedRegion.release}
 * therefore swaps the shared pages for an anonymous read-only mapping at the same address
 * (`MAP_FIXED`): the kernel's ring is freed at once, stale views read zeros, and the address
 * range itself is unmapped only once the garbage collector has dropped every view.
 */
import { systemError } from '../errors.js';
import { C, sys } from './index.js';

const unmapWhenUnreachable = new FinalizationRegistry<{ address: bigint; length: number }>(({ address, length }) => {
  sys().munmap(address, length);
});

/** A shared mapping of a file descriptor's memory (a socket ring), viewed without copies. */
export class MappedRegion {
  private released = false;

  private constructor(
    /** The mapping's address. */
    readonly address: bigint,
    /** Its length in bytes. */
    readonly length: number,
    /** The mapped bytes, in place (not detachable; see the module comment). */
    readonly bytes: ArrayBuffer,
  ) {}

  /**
   * `mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0)`.
   * @throws {@link SocketError} from mmap (`ENOMEM`, `EINVAL` when the fd has nothing to map).
   */
  static mapShared(fd: number, length: number): MappedRegion {
    const s = sys();
    const address = s.mmap(null, length, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED, fd, 0);
    if (address === -1n) throw systemError('mmap', s.errno());
    const bytes = s.memoryView(address, length);
    const region = new MappedRegion(address, length, bytes);
    unmapWhenUnreachable.register(bytes, { address, length });
    return region;
  }

  /** Whether {@link MappedRegion.release} was called. */
  get isReleased(): boolean {
    return this.released;
  }

  /**
   * Gives the shared pages back (the kernel frees the ring once the socket is closed too); views
   * read zeros from then on, and the address range is unmapped after they are collected.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    const s = sys();
    const r = s.mmap(this.address, this.length, C.PROT_READ, C.MAP_PRIVATE | C.MAP_ANONYMOUS | C.MAP_FIXED, -1, 0);
    // Should the swap fail, leaving the shared mapping in place is the safe choice: it is freed
    // with the range, when the views are gone.
    void r;
  }
}
