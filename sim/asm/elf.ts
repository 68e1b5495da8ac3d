// ELF32 executables for i386 (System V gABI and the i386 psABI): one PT_LOAD per loaded
// section, `.note*` sections in a PT_NOTE segment (where Xen's domain builder reads
// XEN_ELFNOTE_* records), and a symbol table so tools and traces can name addresses.

import type { Section } from './assembler.ts';
import type { DebugSection } from './dwarf.ts';

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const PAGE = 0x1000;

const PT_LOAD = 1;
const PT_NOTE = 4;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const SHF_WRITE = 1;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;
const SHN_ABS = 0xfff1;
const STB_GLOBAL = 1;

export interface ElfSymbol {
  name: string;
  value: number;
  /** Index into the `sections` array given to buildElf, or -1 for an absolute value. */
  section: number;
}

/** A growable little-endian byte buffer. */
class Writer {
  bytes: number[] = [];
  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16(v >>> 16);
  }
  padTo(offset: number): void {
    while (this.bytes.length < offset) this.u8(0);
  }
}

function strtab(names: readonly string[]): { data: number[]; offsets: number[] } {
  const data = [0];
  const offsets = names.map((n) => {
    const at = data.length;
    for (const c of n) data.push(c.charCodeAt(0) & 0xff);
    data.push(0);
    return at;
  });
  return { data, offsets };
}

/** Builds an ET_EXEC image from laid-out sections (empty sections are left out). */
export function buildElf(
  sections: readonly Section[],
  symbols: readonly ElfSymbol[],
  entry: number,
  debug: readonly DebugSection[] = [],
): Uint8Array {
  const used = sections.filter((s) => s.size > 0);
  const segments = used.length;
  // File offsets: loaded sections keep offset ≡ address (mod page size), as loaders expect.
  let offset = EHDR_SIZE + PHDR_SIZE * segments;
  const offsets = used.map((s) => {
    const address = Number(BigInt.asUintN(32, s.address));
    if (s.note || s.nobits) {
      offset = (offset + 3) & ~3;
    } else {
      const want = address % PAGE;
      offset += (want - (offset % PAGE) + PAGE) % PAGE;
    }
    const at = offset;
    if (!s.nobits) offset += s.size;
    return at;
  });

  const symNames = strtab(symbols.map((s) => s.name));
  const sectionNames = strtab([
    ...used.map((s) => s.name),
    '.symtab',
    '.strtab',
    ...debug.map((d) => d.name),
    '.shstrtab',
  ]);
  const symtab = new Writer();
  symtab.padTo(16); // the null symbol
  symbols.forEach((sym, i) => {
    const shndx = sym.section < 0 ? SHN_ABS : used.indexOf(sections[sym.section]!) + 1;
    symtab.u32(symNames.offsets[i]!);
    symtab.u32(sym.value >>> 0);
    symtab.u32(0);
    symtab.u8(STB_GLOBAL << 4);
    symtab.u8(0);
    symtab.u16(shndx > 0 ? shndx : SHN_ABS);
  });

  const symtabOffset = (offset + 3) & ~3;
  const strtabOffset = symtabOffset + symtab.bytes.length;
  const debugOffsets: number[] = [];
  let debugEnd = strtabOffset + symNames.data.length;
  for (const d of debug) {
    debugOffsets.push(debugEnd);
    debugEnd += d.bytes.length;
  }
  const shstrtabOffset = debugEnd;
  const shoff = (shstrtabOffset + sectionNames.data.length + 3) & ~3;

  const shnum = used.length + 4 + debug.length;
  // Section headers: null, the sections, .symtab, .strtab, the debug sections, .shstrtab.
  const w = new Writer();
  w.padTo(SHDR_SIZE);
  used.forEach((s, i) => {
    const type = s.note ? SHT_NOTE : s.nobits ? SHT_NOBITS : SHT_PROGBITS;
    const flags = s.note ? SHF_ALLOC : SHF_ALLOC | (s.name === '.text' ? SHF_EXECINSTR : SHF_WRITE);
    sectionHeader(
      w,
      sectionNames.offsets[i]!,
      type,
      flags,
      s.address,
      offsets[i]!,
      s.size,
      0,
      0,
      s.align,
      0,
    );
  });
  const n = used.length;
  sectionHeader(
    w,
    sectionNames.offsets[n]!,
    SHT_SYMTAB,
    0,
    0n,
    symtabOffset,
    symtab.bytes.length,
    n + 2,
    1,
    4,
    16,
  );
  sectionHeader(
    w,
    sectionNames.offsets[n + 1]!,
    SHT_STRTAB,
    0,
    0n,
    strtabOffset,
    symNames.data.length,
    0,
    0,
    1,
    0,
  );
  debug.forEach((d, i) => {
    const name = sectionNames.offsets[n + 2 + i]!;
    sectionHeader(w, name, SHT_PROGBITS, 0, 0n, debugOffsets[i]!, d.bytes.length, 0, 0, 1, 0);
  });
  sectionHeader(
    w,
    sectionNames.offsets[n + 2 + debug.length]!,
    SHT_STRTAB,
    0,
    0n,
    shstrtabOffset,
    sectionNames.data.length,
    0,
    0,
    1,
    0,
  );

  const header = new Writer();
  header.bytes.push(0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  header.u16(2); // ET_EXEC
  header.u16(3); // EM_386
  header.u32(1);
  header.u32(entry >>> 0);
  header.u32(EHDR_SIZE);
  header.u32(shoff);
  header.u32(0);
  header.u16(EHDR_SIZE);
  header.u16(PHDR_SIZE);
  header.u16(segments);
  header.u16(SHDR_SIZE);
  header.u16(shnum);
  header.u16(shnum - 1);
  used.forEach((s, i) => {
    const address = Number(BigInt.asUintN(32, s.address));
    header.u32(s.note ? PT_NOTE : PT_LOAD);
    header.u32(offsets[i]!);
    header.u32(address);
    header.u32(address);
    header.u32(s.nobits ? 0 : s.size);
    header.u32(s.size);
    header.u32(s.note ? PF_R : s.name === '.text' ? PF_R | PF_X : PF_R | PF_W);
    header.u32(s.note ? 4 : PAGE);
  });
  const image = new Uint8Array(shoff + w.bytes.length);
  image.set(header.bytes, 0);
  used.forEach((s, i) => {
    if (!s.nobits) image.set(s.bytes, offsets[i]!);
  });
  image.set(symtab.bytes, symtabOffset);
  image.set(symNames.data, strtabOffset);
  debug.forEach((d, i) => {
    image.set(d.bytes, debugOffsets[i]!);
  });
  image.set(sectionNames.data, shstrtabOffset);
  image.set(w.bytes, shoff);
  return image;
}

function sectionHeader(
  w: Writer,
  name: number,
  type: number,
  flags: number,
  address: bigint,
  offset: number,
  size: number,
  link: number,
  info: number,
  align: number,
  entsize: number,
): void {
  w.u32(name);
  w.u32(type);
  w.u32(flags);
  w.u32(Number(BigInt.asUintN(32, address)));
  w.u32(offset);
  w.u32(size);
  w.u32(link);
  w.u32(info);
  w.u32(align);
  w.u32(entsize);
}
