// Your working copy for chapter 03, generated from solutions/xen/heap.ts by npx xenlab stage.
// Xen's page allocator, reduced to what a single-node 32-bit machine needs: book §2.1;
// Xen xen/common/page_alloc.c (alloc_domheap_pages / alloc_xenheap_pages).

import { PAGE_SIZE, type PhysMemory, type Prng } from '../../../../sim/host.ts';

/** Who a machine frame belongs to: Xen itself, a domain (its id), or nobody. */
export const OWNER_FREE = -1;
export const OWNER_XEN = -2;

/**
 * The machine's frames and their owners. Frames are handed out lowest first; a domain's frames
 * may be shuffled with a seeded Prng so that guests cannot mistake a pfn for an mfn.
 */
export class Heap {
  readonly mem: PhysMemory;
  /** Owner of each machine frame: OWNER_FREE, OWNER_XEN or a domain id. */
  readonly owner: Int32Array;
  private freeCount: number;

  constructor(mem: PhysMemory) {
    this.mem = mem;
    this.owner = new Int32Array(mem.frames).fill(OWNER_FREE);
    this.freeCount = mem.frames;
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
    }
    this.freeCount += mfns.length;
  }
}
