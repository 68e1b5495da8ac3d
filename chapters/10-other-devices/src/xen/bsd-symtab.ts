// Your working copy for chapter 10, generated from solutions/xen/bsd-symtab.ts by npx xenlab stage.
// The kernel's symbol table loaded after its image (XEN_ELFNOTE_BSD_SYMTAB): book §2.1,
// appendix A.1; Xen xen/common/libelf/libelf-loader.c (elf_parse_bsdsyms, elf_load_bsdsyms),
// docs/xen-abi.md §2.2.
//
// A kernel that declares BSD_SYMTAB "yes" (NetBSD, GNU Mach) wants its symbols for its
// debugger, but PT_LOAD segments do not carry them. The builder appends them after the image,
// at the first 4-byte boundary past its last segment, and extends the kernel's end over them:
//
//   u32 size               bytes that follow, from the ELF header to the end of the tables
//   ELF header             a copy: e_phoff = e_phentsize = e_phnum = 0, e_shoff = e_ehsize
//   section headers        a copy of all of them; each symbol or string table's sh_offset
//                          now counts from the copied ELF header
//   the tables             every SHT_SYMTAB and SHT_STRTAB section, each 4-byte aligned

const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const roundUp = (n: number) => (n + 3) & ~3;

/** Where the block goes: the first 4-byte boundary at or after the image's end `pend`. */
export const bsdSymtabStart = (pend: number) => roundUp(pend);

/** An ELF32 image's section headers, as the blob needs them. */
interface Sections {
  ehsize: number;
  shoff: number;
  shentsize: number;
  shnum: number;
}

function sections(image: Uint8Array): Sections | null {
  const s = {
    ehsize: u16(image, 40),
    shoff: u32(image, 32),
    shentsize: u16(image, 46),
    shnum: u16(image, 48),
  };
  if (s.shnum === 0 || s.shoff + s.shnum * s.shentsize > image.length) return null;
  return s;
}

const isTable = (image: Uint8Array, sh: number) => {
  const type = u32(image, sh + 4);
  return type === SHT_SYMTAB || type === SHT_STRTAB;
};

/** Does the image have a symbol table (libelf's elf->sym_tab)? */
function hasSymtab(image: Uint8Array, s: Sections): boolean {
  for (let i = 0; i < s.shnum; i++) {
    if (u32(image, s.shoff + i * s.shentsize + 4) === SHT_SYMTAB) return true;
  }
  return false;
}

/**
 * elf_load_bsdsyms: the block above for `image`, or null when it has no symbol table (then
 * nothing is appended).
 */
export function bsdSymtab(image: Uint8Array): Uint8Array | null {
  const s = sections(image);
  if (s === null || !hasSymtab(image, s)) return null;
  const headers = s.shnum * s.shentsize;
  let size = roundUp(4 + s.ehsize + headers);
  for (let i = 0; i < s.shnum; i++) {
    const sh = s.shoff + i * s.shentsize;
    if (isTable(image, sh)) size = roundUp(size + u32(image, sh + 20));
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const ehdr = 4;
  out.set(image.subarray(0, s.ehsize), ehdr);
  view.setUint32(ehdr + 28, 0, true); // e_phoff
  view.setUint32(ehdr + 32, s.ehsize, true); // e_shoff
  view.setUint16(ehdr + 42, 0, true); // e_phentsize
  view.setUint16(ehdr + 44, 0, true); // e_phnum
  const shdrs = ehdr + s.ehsize;
  out.set(image.subarray(s.shoff, s.shoff + headers), shdrs);
  let at = roundUp(shdrs + headers);
  for (let i = 0; i < s.shnum; i++) {
    const sh = s.shoff + i * s.shentsize;
    if (!isTable(image, sh)) continue;
    const offset = u32(image, sh + 16);
    const length = u32(image, sh + 20);
    out.set(image.subarray(offset, offset + length), at);
    view.setUint32(shdrs + i * s.shentsize + 16, at - ehdr, true); // sh_offset
    at = roundUp(at + length);
  }
  view.setUint32(0, at - ehdr, true);
  return out;
}
