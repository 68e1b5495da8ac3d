// Your working copy for chapter 10, generated from solutions/xen/heap.ts by npx xenlab stage.
// Xen's page allocator, reduced to what a single-node 32-bit machine needs: book §2.1;
// Xen xen/common/page_alloc.c (alloc_domheap_pages / alloc_xenheap_pages).

import { PAGE_SIZE, type PhysMemory, type Prng } from '../../../../sim/host.ts';
import { _PAGE_ACCESSED, _PAGE_PRESENT, _PAGE_USER, MACH2PHYS_VIRT_START } from './abi.ts';

/** Who a machine frame belongs to: Xen itself, a domain (its id), or nobody. */
export const OWNER_FREE = -1;
export const OWNER_XEN = -2;
/** How guests see the M2P: present, read-only (book §5.2). */
const M2P_PTE_FLAGS = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_USER;
/** The slot-3 L2 slot of MACH2PHYS_VIRT_START (0xF5800000). */
const M2P_L2_SLOT = ((MACH2PHYS_VIRT_START - 0xc0000000) / 0x200000) | 0;

/**
 * The machine's frames and their owners. Frames are handed out lowest first; a domain's frames
 * may be shuffled with a seeded Prng so that guests cannot mistake a pfn for an mfn.
 */
export class Heap {
  readonly mem: PhysMemory;
  /** Owner of each machine frame: OWNER_FREE, OWNER_XEN or a domain id. */
  readonly owner: Int32Array;
  private freeCount: number;
  /**
   * The rest of Xen's struct page_info, per machine frame (book §5.2): the PGT_* type, its type
   * count, the general reference count, and whether the frame is pinned. mm.ts keeps them.
   */
  readonly type: Uint8Array;
  readonly typeCount: Int32Array;
  readonly count: Int32Array;
  readonly pinned: Uint8Array;
  /**
   * The domain gave the frame back while something still referenced it (Xen: PGC_allocated
   * clear): it is freed when its last general reference goes (mm.ts, putPage).
   */
  readonly unallocated: Uint8Array;
  /** The machine-to-phys table (M2P) lives in these Xen frames; m2pL1Mfn maps them read-only. */
  readonly m2pMfns: number[];
  readonly m2pL1Mfn: number;
  /** Xen's entries for the slots from 428 of every slot-3 L2: the M2P, Xen's area. */
  readonly xenL2Slots = new Map<number, number>();
  /** A frame stopped being writable: the domain's TLBs must be flushed before it runs. */
  deferredTlbFlush = false;

  constructor(mem: PhysMemory) {
    this.mem = mem;
    this.owner = new Int32Array(mem.frames).fill(OWNER_FREE);
    this.freeCount = mem.frames;
    this.type = new Uint8Array(mem.frames);
    this.typeCount = new Int32Array(mem.frames);
    this.count = new Int32Array(mem.frames);
    this.pinned = new Uint8Array(mem.frames);
    this.unallocated = new Uint8Array(mem.frames);
    // The M2P takes the highest frames, 4 bytes per frame, all entries invalid (~0) at first.
    const m2pFrames = Math.ceil((mem.frames * 4) / PAGE_SIZE);
    this.m2pMfns = [];
    for (let i = 0; i <= m2pFrames; i++) {
      const mfn = mem.frames - 1 - i;
      this.owner[mfn] = OWNER_XEN;
      if (i < m2pFrames) this.m2pMfns.unshift(mfn);
    }
    this.m2pL1Mfn = mem.frames - 1 - m2pFrames;
    this.freeCount -= m2pFrames + 1;
    for (const mfn of this.m2pMfns) mem.fill(mfn * PAGE_SIZE, PAGE_SIZE, 0xff);
    mem.fill(this.m2pL1Mfn * PAGE_SIZE, PAGE_SIZE, 0);
    this.m2pMfns.forEach((mfn, i) => {
      mem.write32(this.m2pL1Mfn * PAGE_SIZE + i * 8, mfn * PAGE_SIZE + M2P_PTE_FLAGS);
    });
    this.xenL2Slots.set(M2P_L2_SLOT, this.m2pL1Mfn * PAGE_SIZE + M2P_PTE_FLAGS);
  }

  get free(): number {
    return this.freeCount;
  }

  /** Allocates `count` zeroed frames for `owner`, or returns null if there are not enough. */
  alloc(count: number, owner: number, shuffle: Prng | null = null): number[] | null {
    if (count > this.freeCount) return null;
    const mfns: number[] = [];
    for (let mfn = 0; mfn < this.owner.length && mfns.length < count; mfn++) {
      if (this.owner[mfn] === OWNER_FREE) mfns.push(mfn);
    }
    if (shuffle !== null) {
      for (let i = mfns.length - 1; i > 0; i--) {
        const j = shuffle.below(i + 1);
        [mfns[i], mfns[j]] = [mfns[j]!, mfns[i]!];
      }
    }
    for (const mfn of mfns) {
      this.owner[mfn] = owner;
      this.mem.fill(mfn * PAGE_SIZE, PAGE_SIZE, 0);
    }
    this.freeCount -= count;
    return mfns;
  }

  /** Allocates one zeroed frame for Xen; running out at boot is a Xen bug. */
  allocXen(): number {
    const mfns = this.alloc(1, OWNER_XEN);
    if (mfns === null) throw new Error('Heap.allocXen: out of memory');
    return mfns[0]!;
  }

  /** Returns frames to the free pool. */
  release(mfns: readonly number[]): void {
    for (const mfn of mfns) {
      if (this.owner[mfn] === OWNER_FREE) throw new Error(`Heap.release: mfn ${mfn} is free`);
      this.owner[mfn] = OWNER_FREE;
      // A dying domain's references all go with it (Xen's domain_relinquish_resources).
      this.type[mfn] = 0;
      this.typeCount[mfn] = 0;
      this.count[mfn] = 0;
      this.pinned[mfn] = 0;
      this.unallocated[mfn] = 0;
    }
    this.freeCount += mfns.length;
  }
}
