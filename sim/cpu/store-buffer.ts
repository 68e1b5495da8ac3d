// The x86-TSO store buffer, which makes book §6.3.2's memory barriers observable: Intel SDM vol.
// 3A §8.2.2-§8.2.3 (stores are not reordered with stores, but a load may pass an older store to
// another address) in the operational form of Owens, Sarkar and Sewell's x86-TSO model.
//
// Optional, per CPU, off by default (cpu.storeBuffer === null). With a buffer, a data store goes
// into a FIFO of (physical address, size, value) entries instead of memory, and the CPU's own
// loads read the newest buffered store that covers them (forwarding); everyone else (the other
// CPUs, the host's TypeScript reading PhysMemory) sees a store once it drains. The oldest entry
// drains at points a generator seeded by the caller picks (tick, between instructions), or when
// a store finds the buffer full; the whole buffer drains at a fence — MFENCE, a LOCKed
// instruction, XCHG with memory, a serialising instruction, I/O, INT n (table.ts `fence`) — on
// every exception or interrupt the CPU delivers and on every exit to the host (run.ts). Running
// out of fuel is not an exit: the vCPU is still running as far as it can tell.
//
// Exact corners: a load that a buffered store covers only in part drains the buffer first, then
// reads memory (as a real store-to-load forward fails and waits); a store or load outside plain
// RAM (MMIO, ROM, unbacked: uncached memory, strongly ordered, SDM §11.3) drains it and goes
// straight through, and so does a store to a frame holding decoded instructions. Page walks and
// instruction fetch read memory, not the buffer. Stores that cross a page are buffered byte by
// byte (x86 does not make them atomic). Nothing here allocates after construction.

import { PageKind, type PhysMemory } from '../memory/memory.ts';
import { Prng } from '../prng.ts';
import type { Cpu } from './cpu.ts';
import { flushTlb } from './paging.ts';

export interface StoreBufferConfig {
  /** Seeds the buffer's own generator: the same seed drains at the same points. */
  seed: number;
  /** Entries the buffer holds (default 16); a store into a full buffer drains the oldest. */
  capacity?: number;
  /** Between instructions the oldest entry drains with probability 1/drainOdds (default 8). */
  drainOdds?: number;
}

const DEFAULT_CAPACITY = 16;
const DEFAULT_DRAIN_ODDS = 8;

export class StoreBuffer {
  private readonly mem: PhysMemory;
  private readonly prng: Prng;
  private readonly drainOdds: number;
  private readonly capacity: number;
  // The ring of entries, oldest at `head`.
  private readonly address: Uint32Array;
  private readonly size: Uint8Array;
  private readonly value: Int32Array;
  private head = 0;
  /** Stores buffered and not yet visible to anyone but this CPU. */
  count = 0;

  constructor(mem: PhysMemory, config: StoreBufferConfig) {
    const capacity = config.capacity ?? DEFAULT_CAPACITY;
    const odds = config.drainOdds ?? DEFAULT_DRAIN_ODDS;
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError(`StoreBuffer: capacity ${capacity} must be a positive integer`);
    }
    if (!(Number.isInteger(odds) && odds >= 1)) {
      throw new RangeError(`StoreBuffer: drainOdds ${odds} must be a positive integer`);
    }
    this.mem = mem;
    this.prng = new Prng(config.seed);
    this.drainOdds = odds;
    this.capacity = capacity;
    this.address = new Uint32Array(capacity);
    this.size = new Uint8Array(capacity);
    this.value = new Int32Array(capacity);
  }

  /** A store of `size` bytes (1, 2 or 4, within one frame) at physical address `phys`. */
  store(phys: number, size: number, value: number): void {
    if (!this.buffers(phys)) {
      this.drain();
      writeMemory(this.mem, phys, size, value);
      return;
    }
    if (this.count === this.capacity) this.drainOldest();
    const i = (this.head + this.count) % this.capacity;
    this.address[i] = phys;
    this.size[i] = size;
    this.value[i] = value;
    this.count++;
  }

  /** A load of `size` bytes (within one frame) at `phys`, as this CPU sees it; unsigned. */
  load(phys: number, size: number): number {
    if (this.count !== 0) {
      if (!this.buffers(phys)) {
        this.drain();
      } else {
        const i = this.newestCovering(phys, size);
        if (i >= 0) {
          const bits = this.value[i]! >>> ((phys - this.address[i]!) * 8);
          return size === 4 ? bits >>> 0 : bits & ((1 << (size * 8)) - 1);
        }
      }
    }
    return readMemory(this.mem, phys, size);
  }

  /**
   * The newest entry overlapping [phys, phys+size) when it covers all of it, else -1; when it
   * covers only part, the buffer drains first, so that memory then holds the whole answer.
   */
  private newestCovering(phys: number, size: number): number {
    for (let k = this.count - 1; k >= 0; k--) {
      const i = (this.head + k) % this.capacity;
      const at = this.address[i]!;
      const end = at + this.size[i]!;
      if (at >= phys + size || phys >= end) continue;
      if (at <= phys && phys + size <= end) return i;
      this.drain();
      return -1;
    }
    return -1;
  }

  /** Between instructions: drains the oldest entry when the generator says so. */
  tick(): void {
    if (this.count !== 0 && this.prng.below(this.drainOdds) === 0) this.drainOldest();
  }

  /** Makes every buffered store visible, oldest first. */
  drain(): void {
    while (this.count !== 0) this.drainOldest();
  }

  private drainOldest(): void {
    const i = this.head;
    writeMemory(this.mem, this.address[i]!, this.size[i]!, this.value[i]!);
    this.head = (i + 1) % this.capacity;
    this.count--;
  }

  /** Whether stores to `phys`'s frame are buffered: plain RAM that holds no decoded code. */
  private buffers(phys: number): boolean {
    const frame = phys >>> 12;
    return this.mem.kindOf(frame) === PageKind.Ram && this.mem.code[frame] !== 1;
  }
}

function writeMemory(mem: PhysMemory, phys: number, size: number, value: number): void {
  if (size === 1) mem.write8(phys, value);
  else if (size === 2) mem.write16(phys, value);
  else mem.write32(phys, value);
}

function readMemory(mem: PhysMemory, phys: number, size: number): number {
  if (size === 1) return mem.read8(phys);
  return size === 2 ? mem.read16(phys) : mem.read32(phys);
}

/**
 * Gives `cpu` a store buffer, or with null takes its buffer away after draining it. The TLB is
 * flushed either way: with a buffer, no data access may go straight to RAM (paging.ts).
 */
export function setStoreBuffer(cpu: Cpu, config: StoreBufferConfig | null): void {
  cpu.storeBuffer?.drain();
  cpu.storeBuffer = config === null ? null : new StoreBuffer(cpu.mem, config);
  flushTlb(cpu, false);
}
