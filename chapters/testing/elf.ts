// An ELF32 i386 image writer for tests (program headers, Xen notes, an optional `__xen_guest`
// section), so builder tests do not depend on the assembler, and the minimal kernel the tests boot.

export interface TestSegment {
  paddr: number;
  data: Uint8Array;
  memsz?: number;
}

export interface TestNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

export interface TestImage {
  entry: number;
  segments: TestSegment[];
  notes?: TestNote[];
  /** Bytes appended to the note segment (e.g. a truncated note). */
  noteTail?: Uint8Array;
  xenGuest?: string;
}

const pad4 = (n: number) => (n + 3) & ~3;

/** A note descriptor holding a NUL-terminated string. */
export function str(s: string): Uint8Array {
  return new Uint8Array([...s].map((c) => c.charCodeAt(0)).concat([0]));
}

/** A 4-byte little-endian numeric note descriptor. */
export function num(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function noteBytes(notes: TestNote[], tail: Uint8Array): Uint8Array {
  const parts: number[] = [];
  for (const n of notes) {
    const name = str(n.name);
    const head = new DataView(new ArrayBuffer(12));
    head.setUint32(0, name.length, true);
    head.setUint32(4, n.desc.length, true);
    head.setUint32(8, n.type, true);
    parts.push(...new Uint8Array(head.buffer));
    const nameBuf = new Uint8Array(pad4(name.length));
    nameBuf.set(name);
    const descBuf = new Uint8Array(pad4(n.desc.length));
    descBuf.set(n.desc);
    parts.push(...nameBuf, ...descBuf);
  }
  parts.push(...tail);
  return new Uint8Array(parts);
}

/** Writes the image: ELF header, program headers, segment data, notes, then sections. */
export function makeElf(img: TestImage): Uint8Array {
  const notes = noteBytes(img.notes ?? [], img.noteTail ?? new Uint8Array(0));
  const hasNotes = notes.length > 0;
  const phnum = img.segments.length + (hasNotes ? 1 : 0);
  const out: number[] = new Array(52 + phnum * 32).fill(0);
  const put32 = (off: number, v: number) => {
    for (let i = 0; i < 4; i++) out[off + i] = (v >>> (8 * i)) & 0xff;
  };
  const put16 = (off: number, v: number) => {
    out[off] = v & 0xff;
    out[off + 1] = (v >>> 8) & 0xff;
  };
  out.splice(0, 4, 0x7f, 0x45, 0x4c, 0x46);
  out[4] = 1;
  out[5] = 1;
  out[6] = 1;
  put16(16, 2); // ET_EXEC
  put16(18, 3); // EM_386
  put32(20, 1);
  put32(24, img.entry);
  put32(28, 52);
  put16(40, 52);
  put16(42, 32);
  put16(44, phnum);
  put16(46, 40);
  img.segments.forEach((seg, i) => {
    const ph = 52 + i * 32;
    const offset = out.length;
    out.push(...seg.data);
    put32(ph, 1);
    put32(ph + 4, offset);
    put32(ph + 8, seg.paddr);
    put32(ph + 12, seg.paddr);
    put32(ph + 16, seg.data.length);
    put32(ph + 20, seg.memsz ?? seg.data.length);
    put32(ph + 24, 7);
  });
  if (hasNotes) {
    const ph = 52 + img.segments.length * 32;
    const offset = out.length;
    out.push(...notes);
    put32(ph, 4);
    put32(ph + 4, offset);
    put32(ph + 16, notes.length);
  }
  if (img.xenGuest !== undefined) {
    const guest = str(img.xenGuest);
    const guestOff = out.length;
    out.push(...guest);
    const strtab = [0, ...str('.shstrtab'), ...str('__xen_guest')];
    const strOff = out.length;
    out.push(...strtab);
    const shoff = out.length;
    out.push(...new Array(40 * 3).fill(0));
    put32(shoff + 40, 1); // .shstrtab name
    put32(shoff + 44, 3); // SHT_STRTAB
    put32(shoff + 56, strOff);
    put32(shoff + 60, strtab.length);
    put32(shoff + 80, 11); // __xen_guest name
    put32(shoff + 84, 1); // SHT_PROGBITS
    put32(shoff + 96, guestOff);
    put32(shoff + 100, guest.length);
    put32(32, shoff);
    put16(48, 3);
    put16(50, 1);
  }
  return new Uint8Array(out);
}

/**
 * A kernel linked at 0: three pages — code at 0 (default `jmp $`), the hypercall page at
 * 0x1000, and `data` at 0x2000.
 */
export function minimalKernel(code: number[] = [0xeb, 0xfe], data: number[] = []): Uint8Array {
  const image = new Uint8Array(3 * 4096);
  image.set(code);
  image.set(data, 0x2000);
  return makeElf({
    entry: 0,
    segments: [{ paddr: 0, data: image }],
    notes: [
      { name: 'Xen', type: 6, desc: str('xenlab-test') },
      { name: 'Xen', type: 8, desc: str('generic') },
      { name: 'Xen', type: 5, desc: str('xen-3.0') },
      { name: 'Xen', type: 9, desc: str('yes') },
      { name: 'Xen', type: 2, desc: num(0x1000) },
    ],
  });
}
