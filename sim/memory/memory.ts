// Machine memory: RAM as 4 KiB frames in one ArrayBuffer, and a kind for every frame
// (RAM, ROM, MMIO, unbacked). Physical addresses are 32-bit (PAE's 36 bits are cut to what
// the machine has: frames above `frames` are unbacked).

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/** What a physical frame is. Only RAM and ROM are backed by the `ram` buffer. */
export enum PageKind {
  /** Ordinary RAM: reads and writes go to `ram`. */
  Ram = 0,
  /** Read-only: reads from `ram`, writes are dropped. */
  Rom = 1,
  /** Device registers: reads and writes go to the frame's MmioHandler. */
  Mmio = 2,
  /** Nothing there: reads return all ones, writes are dropped. */
  Unbacked = 3,
}

/** A device mapped into physical memory. Offsets are from the start of its first frame. */
export interface MmioHandler {
  read(physAddr: number, size: 1 | 2 | 4): number;
  write(physAddr: number, size: 1 | 2 | 4, value: number): void;
}

/**
 * Physical memory of the machine. RAM frames 0 … frames-1 live in one ArrayBuffer; every frame
 * has a kind. The CPU's fast path reads `ram` directly for frames whose kind is Ram; everything
 * else goes through read/write here, which honour the frame's kind.
 */
export class PhysMemory {
  /** Number of 4 KiB frames backed by `ram`. */
  readonly frames: number;
  readonly buffer: ArrayBuffer;
  readonly ram: Uint8Array;
  /** PageKind of each backed frame; frames at or above `frames` are Unbacked. */
  readonly kinds: Uint8Array;
  private readonly mmio = new Map<number, MmioHandler>();
  /**
   * Frames some CPU holds decoded instructions for (sim/cpu/blocks.ts): 1 = a write must drop
   * them. Every write that does not go through this class's methods must be to a frame whose
   * bit is clear — CPUs keep write access to such frames out of their TLBs for that reason.
   */
  readonly code: Uint8Array;
  /** Bumped each time a frame's decoded instructions are dropped: a block is valid while the
   * generation it was decoded in is current. */
  readonly codeGen: Uint32Array;
  /** Called when a frame becomes code, so each CPU can drop direct write access to it. */
  private readonly codeListeners: ((frame: number) => void)[] = [];

  constructor(bytes: number) {
    if (bytes <= 0 || bytes % PAGE_SIZE !== 0 || bytes > 0x1_0000_0000) {
      throw new RangeError(`PhysMemory: size ${bytes} must be a positive multiple of 4 KiB`);
    }
    this.frames = bytes >>> PAGE_SHIFT;
    this.buffer = new ArrayBuffer(bytes);
    this.ram = new Uint8Array(this.buffer);
    this.kinds = new Uint8Array(this.frames);
    this.code = new Uint8Array(this.frames);
    this.codeGen = new Uint32Array(this.frames);
  }

  /** Registers a CPU's hook for frames that become code (see `code`). */
  onCode(listener: (frame: number) => void): void {
    this.codeListeners.push(listener);
  }

  /** Marks a RAM frame as holding decoded instructions. */
  markCode(frame: number): void {
    if (this.code[frame] === 1) return;
    this.code[frame] = 1;
    for (const listener of this.codeListeners) listener(frame);
  }

  /** A write reached `frame`: drops what CPUs decoded from it. */
  private wrote(frame: number): void {
    this.code[frame] = 0;
    this.codeGen[frame] = (this.codeGen[frame]! + 1) >>> 0;
  }

  kindOf(frame: number): PageKind {
    return frame < this.frames ? (this.kinds[frame] as PageKind) : PageKind.Unbacked;
  }

  /** Marks frames [first, first+count) as `kind` (RAM, ROM or Unbacked). */
  setKind(first: number, count: number, kind: PageKind.Ram | PageKind.Rom | PageKind.Unbacked) {
    for (let f = first; f < first + count; f++) {
      if (f >= this.frames) throw new RangeError(`PhysMemory.setKind: frame ${f} is not backed`);
      this.kinds[f] = kind;
      this.mmio.delete(f);
    }
  }

  /** Maps a device over frames [first, first+count). */
  mapMmio(first: number, count: number, handler: MmioHandler): void {
    for (let f = first; f < first + count; f++) {
      if (f >= this.frames) throw new RangeError(`PhysMemory.mapMmio: frame ${f} is not backed`);
      this.kinds[f] = PageKind.Mmio;
      this.mmio.set(f, handler);
    }
  }

  read8(addr: number): number {
    addr >>>= 0;
    const frame = addr >>> PAGE_SHIFT;
    switch (this.kindOf(frame)) {
      case PageKind.Ram:
      case PageKind.Rom:
        return this.ram[addr]!;
      case PageKind.Mmio:
        return this.mmio.get(frame)!.read(addr, 1) & 0xff;
      default:
        return 0xff;
    }
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    const frame = addr >>> PAGE_SHIFT;
    switch (this.kindOf(frame)) {
      case PageKind.Ram:
        this.ram[addr] = value;
        if (this.code[frame] === 1) this.wrote(frame);
        return;
      case PageKind.Mmio:
        this.mmio.get(frame)!.write(addr, 1, value & 0xff);
        return;
      default:
        return;
    }
  }

  /** Little-endian 16-bit read; may cross a frame boundary. */
  read16(addr: number): number {
    const frame = addr >>> PAGE_SHIFT;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 2 && this.kindOf(frame) === PageKind.Mmio) {
      return this.mmio.get(frame)!.read(addr >>> 0, 2) & 0xffff;
    }
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  /** Little-endian 32-bit read, returned unsigned; may cross a frame boundary. */
  read32(addr: number): number {
    const frame = addr >>> PAGE_SHIFT;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 4 && this.kindOf(frame) === PageKind.Mmio) {
      return this.mmio.get(frame)!.read(addr >>> 0, 4) >>> 0;
    }
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) >>> 0;
  }

  write16(addr: number, value: number): void {
    const frame = addr >>> PAGE_SHIFT;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 2 && this.kindOf(frame) === PageKind.Mmio) {
      this.mmio.get(frame)!.write(addr >>> 0, 2, value & 0xffff);
      return;
    }
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
  }

  write32(addr: number, value: number): void {
    const frame = addr >>> PAGE_SHIFT;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 4 && this.kindOf(frame) === PageKind.Mmio) {
      this.mmio.get(frame)!.write(addr >>> 0, 4, value >>> 0);
      return;
    }
    this.write16(addr, value & 0xffff);
    this.write16(addr + 2, (value >>> 16) & 0xffff);
  }

  /**
   * Fills ROM: copies `bytes` to `addr` (frame-aligned) and marks the frames it covers Rom.
   * The CPU cannot write them afterwards; the TLB must be flushed if a CPU already ran.
   */
  loadRom(addr: number, bytes: Uint8Array): void {
    if (addr & PAGE_MASK) throw new RangeError(`PhysMemory.loadRom: ${addr} is not frame-aligned`);
    const frames = Math.ceil(bytes.length / PAGE_SIZE);
    this.setKind(addr >>> PAGE_SHIFT, frames, PageKind.Rom);
    this.ram.set(bytes, addr);
    for (let f = addr >>> PAGE_SHIFT; f < (addr >>> PAGE_SHIFT) + frames; f++) this.wrote(f);
  }

  /** Copies bytes into memory, honouring page kinds (used by loaders and the host). */
  writeBytes(addr: number, bytes: Uint8Array | readonly number[]): void {
    this.eachRamChunk(
      addr,
      bytes.length,
      (at, from, count) => {
        for (let i = 0; i < count; i++) this.ram[at + i] = bytes[from + i]!;
      },
      (a, i) => this.write8(a, bytes[i]!),
    );
  }

  /** Sets `length` bytes from `addr` to `value`, honouring page kinds (zeroing a frame). */
  fill(addr: number, length: number, value: number): void {
    this.eachRamChunk(
      addr,
      length,
      (at, _from, count) => {
        this.ram.fill(value, at, at + count);
      },
      (a) => this.write8(a, value),
    );
  }

  /**
   * Splits [addr, addr+length) at frame edges: RAM pieces go to `ram` (with `from` the offset
   * into the range), the bytes of other frames one by one to `other`.
   */
  private eachRamChunk(
    addr: number,
    length: number,
    ram: (at: number, from: number, count: number) => void,
    other: (addr: number, from: number) => void,
  ): void {
    let done = 0;
    while (done < length) {
      const at = (addr + done) >>> 0;
      const frame = at >>> PAGE_SHIFT;
      const count = Math.min(length - done, PAGE_SIZE - (at & PAGE_MASK));
      if (this.kindOf(frame) === PageKind.Ram) {
        ram(at, done, count);
        if (this.code[frame] === 1) this.wrote(frame);
      } else {
        for (let i = 0; i < count; i++) other(at + i, done + i);
      }
      done += count;
    }
  }

  /** Copies `length` bytes out of memory, honouring page kinds. */
  readBytes(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.read8(addr + i);
    return out;
  }
}
