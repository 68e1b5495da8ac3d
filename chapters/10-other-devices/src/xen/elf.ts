// Your working copy for chapter 10, generated from solutions/xen/elf.ts by npx xenlab stage.
// Reading a PV kernel image: ELF32 headers and Xen's guest parameters (notes or the legacy
// `__xen_guest` string): book §2.1, appendix A.1; Xen xen/common/libelf/libelf-dominfo.c.

import {
  XEN_ELFNOTE_BSD_SYMTAB,
  XEN_ELFNOTE_ENTRY,
  XEN_ELFNOTE_FEATURES,
  XEN_ELFNOTE_GUEST_OS,
  XEN_ELFNOTE_GUEST_VERSION,
  XEN_ELFNOTE_HV_START_LOW,
  XEN_ELFNOTE_HYPERCALL_PAGE,
  XEN_ELFNOTE_LOADER,
  XEN_ELFNOTE_PADDR_OFFSET,
  XEN_ELFNOTE_PAE_MODE,
  XEN_ELFNOTE_VIRT_BASE,
  XEN_ELFNOTE_XEN_VERSION,
  XENFEAT,
} from './abi.ts';
import { bsdSymtab, bsdSymtabStart } from './bsd-symtab.ts';

const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_NOTE = 7;
const EM_386 = 3;

export interface ElfSegment {
  /** ELF p_paddr: where the loader places it, before the PADDR_OFFSET correction. */
  paddr: number;
  offset: number;
  filesz: number;
  memsz: number;
}

export interface ElfImage {
  bytes: Uint8Array;
  entry: number;
  /** PT_LOAD segments with a non-zero memory size. */
  segments: ElfSegment[];
  /** [offset, size) in the file of each PT_NOTE segment, or SHT_NOTE section if none. */
  noteAreas: Array<[number, number]>;
  /** Contents of the `__xen_guest` section (without its NUL), or null. */
  xenGuestString: string | null;
}

/** PAE support a kernel declares (libelf's parms->pae). */
export enum PaeMode {
  No = 0,
  /** PAE, but the L3 must sit below 4 GiB. */
  Yes = 1,
  /** PAE and extended-cr3: L3 anywhere. */
  ExtendedCr3 = 2,
  Bimodal = 3,
}

/** The guest parameters a kernel declares (libelf's struct elf_dom_parms). */
export interface GuestParams {
  /** 'notes' or 'legacy' (the `__xen_guest` string). */
  source: 'notes' | 'legacy';
  guestOs: string;
  guestVersion: string;
  xenVersion: string;
  loader: string;
  pae: PaeMode;
  bsdSymtab: boolean;
  virtBase: number;
  paddrOffset: number;
  virtEntry: number;
  /** VA of the page Xen fills with hypercall stubs, or -1 when the kernel names none. */
  virtHypercall: number;
  hvStartLow: number;
  /** XENFEAT bits the kernel supports and requires (FEATURES, `!` = required). */
  featuresSupported: number;
  featuresRequired: number;
  /** The kernel's extent in its virtual address space: [virtKstart, virtKend). */
  virtKstart: number;
  virtKend: number;
}

/** A malformed or unacceptable image: the builder refuses it with this message. */
export class ImageError extends Error {
  override name = 'ImageError';
}

function u16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

function u32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function cString(b: Uint8Array, off: number, max: number): string {
  let s = '';
  for (let i = off; i < off + max && i < b.length && b[i] !== 0; i++) {
    s += String.fromCharCode(b[i]!);
  }
  return s;
}

/** Parses the ELF32 headers; throws ImageError on anything that is not an i386 ELF32 image. */
export function parseElf(bytes: Uint8Array): ElfImage {
  const magicOk = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  if (bytes.length < 52 || !magicOk) throw new ImageError('not an ELF image');
  if (bytes[4] !== 1 || bytes[5] !== 1) {
    throw new ImageError('not a 32-bit little-endian ELF image (ELFCLASS32, ELFDATA2LSB)');
  }
  if (u16(bytes, 18) !== EM_386) throw new ImageError('not an x86_32 image (e_machine != EM_386)');
  const entry = u32(bytes, 24);
  const phoff = u32(bytes, 28);
  const shoff = u32(bytes, 32);
  const phentsize = u16(bytes, 42);
  const phnum = u16(bytes, 44);
  const shentsize = u16(bytes, 46);
  const shnum = u16(bytes, 48);
  const shstrndx = u16(bytes, 50);
  if (phoff + phnum * phentsize > bytes.length) throw new ImageError('program headers truncated');

  const segments: ElfSegment[] = [];
  const noteAreas: Array<[number, number]> = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    const type = u32(bytes, ph);
    const offset = u32(bytes, ph + 4);
    const filesz = u32(bytes, ph + 16);
    if (type === PT_LOAD && u32(bytes, ph + 20) > 0) {
      if (offset + filesz > bytes.length) throw new ImageError(`segment ${i} is truncated`);
      segments.push({ paddr: u32(bytes, ph + 12), offset, filesz, memsz: u32(bytes, ph + 20) });
    } else if (type === PT_NOTE) {
      noteAreas.push([offset, Math.min(filesz, bytes.length - offset)]);
    }
  }
  if (segments.length === 0) throw new ImageError('no loadable segments');

  let xenGuestString: string | null = null;
  const sectionsOk = shnum > 0 && shoff + shnum * shentsize <= bytes.length && shstrndx < shnum;
  if (sectionsOk) {
    const strOff = u32(bytes, shoff + shstrndx * shentsize + 16);
    const sectionNotes: Array<[number, number]> = [];
    for (let i = 0; i < shnum; i++) {
      const sh = shoff + i * shentsize;
      const name = cString(bytes, strOff + u32(bytes, sh), 64);
      const offset = u32(bytes, sh + 16);
      const size = Math.min(u32(bytes, sh + 20), Math.max(0, bytes.length - offset));
      if (name === '__xen_guest') xenGuestString = cString(bytes, offset, size);
      if (u32(bytes, sh + 4) === SHT_NOTE) sectionNotes.push([offset, size]);
    }
    // libelf reads notes from program headers, and from SHT_NOTE sections only when the image
    // has no PT_NOTE.
    if (noteAreas.length === 0) noteAreas.push(...sectionNotes);
  }
  return { bytes, entry, segments, noteAreas, xenGuestString };
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
  /** The note's descriptor runs past the note area: `desc` holds only what is there. */
  truncated: boolean;
}

/**
 * The notes in one note area. A last note that runs past the area is kept with what is there
 * and marked truncated (real images have one: Debian's GRUB declares a 12-byte PAE_MODE but
 * ends the file after "yes\0"); one whose header or name is cut off is dropped.
 */
export function readNotes(bytes: Uint8Array, offset: number, size: number): ElfNote[] {
  const notes: ElfNote[] = [];
  const end = offset + size;
  let p = offset;
  while (p + 12 <= end) {
    const namesz = u32(bytes, p);
    const descsz = u32(bytes, p + 4);
    const type = u32(bytes, p + 8);
    const descOff = p + 12 + ((namesz + 3) & ~3);
    if (p + 12 + namesz > end) break;
    const truncated = descOff + descsz > end;
    notes.push({
      name: cString(bytes, p + 12, namesz),
      type,
      desc: bytes.subarray(Math.min(descOff, end), Math.min(descOff + descsz, end)),
      truncated,
    });
    if (truncated) break;
    p = descOff + ((descsz + 3) & ~3);
  }
  return notes;
}

/** A numeric note's value: 1, 2, 4 or 8 bytes, little-endian (upper 32 bits dropped). */
function noteNumber(desc: Uint8Array): number {
  if (desc.length === 1) return desc[0]!;
  if (desc.length === 2) return u16(desc, 0);
  if (desc.length === 4 || desc.length === 8) return u32(desc, 0);
  return 0;
}

function noteString(desc: Uint8Array): string {
  return cString(desc, 0, desc.length);
}

/** Note types whose descriptor is a number (the rest used here are strings). */
const NUMERIC_NOTES = new Set([
  XEN_ELFNOTE_ENTRY,
  XEN_ELFNOTE_HYPERCALL_PAGE,
  XEN_ELFNOTE_VIRT_BASE,
  XEN_ELFNOTE_PADDR_OFFSET,
  XEN_ELFNOTE_HV_START_LOW,
]);

/**
 * Whether a truncated note still says something: a string whose NUL is inside the area does
 * (libelf reads strings only up to their NUL); a cut-off number does not.
 */
function usable(note: ElfNote): boolean {
  if (!note.truncated) return true;
  return !NUMERIC_NOTES.has(note.type) && note.desc.includes(0);
}

/** Parses FEATURES syntax: `|`-separated XENFEAT names, `!` marking a required one. */
function parseFeatures(value: string): { supported: number; required: number } {
  let supported = 0;
  let required = 0;
  for (const raw of value.split('|')) {
    const isRequired = raw.startsWith('!');
    const name = isRequired ? raw.slice(1) : raw;
    if (name === '') continue;
    const bit = (XENFEAT as Record<string, number>)[name];
    if (bit === undefined) throw new ImageError(`unknown feature "${name}" in FEATURES`);
    supported |= 1 << bit;
    if (isRequired) required |= 1 << bit;
  }
  return { supported: supported >>> 0, required: required >>> 0 };
}

const UNSET = -1;

interface RawParams {
  guestOs: string;
  guestVersion: string;
  xenVersion: string;
  loader: string;
  pae: PaeMode;
  bsdSymtab: boolean;
  virtBase: number;
  paddrOffset: number;
  virtEntry: number;
  virtHypercall: number;
  hypercallPageIndex: number;
  hvStartLow: number;
  featuresSupported: number;
  featuresRequired: number;
}

function emptyParams(): RawParams {
  return {
    guestOs: '',
    guestVersion: '',
    xenVersion: '',
    loader: '',
    pae: PaeMode.No,
    bsdSymtab: false,
    virtBase: UNSET,
    paddrOffset: UNSET,
    virtEntry: UNSET,
    virtHypercall: UNSET,
    hypercallPageIndex: UNSET,
    hvStartLow: UNSET,
    featuresSupported: 0,
    featuresRequired: 0,
  };
}

function paeFromNote(value: string): PaeMode {
  if (value.includes('bimodal')) return PaeMode.Bimodal;
  if (value === 'yes') return PaeMode.ExtendedCr3;
  return PaeMode.No;
}

/** Applies one Xen note to the parameters (libelf elf_xen_parse_note). */
function applyNote(p: RawParams, note: ElfNote): void {
  switch (note.type) {
    case XEN_ELFNOTE_ENTRY:
      p.virtEntry = noteNumber(note.desc);
      break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
      p.virtHypercall = noteNumber(note.desc);
      break;
    case XEN_ELFNOTE_VIRT_BASE:
      p.virtBase = noteNumber(note.desc);
      break;
    case XEN_ELFNOTE_PADDR_OFFSET:
      p.paddrOffset = noteNumber(note.desc);
      break;
    case XEN_ELFNOTE_HV_START_LOW:
      p.hvStartLow = noteNumber(note.desc);
      break;
    case XEN_ELFNOTE_XEN_VERSION:
      p.xenVersion = noteString(note.desc);
      break;
    case XEN_ELFNOTE_GUEST_OS:
      p.guestOs = noteString(note.desc);
      break;
    case XEN_ELFNOTE_GUEST_VERSION:
      p.guestVersion = noteString(note.desc);
      break;
    case XEN_ELFNOTE_LOADER:
      p.loader = noteString(note.desc);
      break;
    case XEN_ELFNOTE_PAE_MODE:
      p.pae = paeFromNote(noteString(note.desc));
      break;
    case XEN_ELFNOTE_BSD_SYMTAB:
      p.bsdSymtab = noteString(note.desc) === 'yes';
      break;
    case XEN_ELFNOTE_FEATURES: {
      const f = parseFeatures(noteString(note.desc));
      p.featuresSupported |= f.supported;
      p.featuresRequired |= f.required;
      break;
    }
    default:
      // INFO, L1_MFN_VALID, SUSPEND_CANCEL, … carry nothing a chapter-02 builder uses.
      break;
  }
}

function parseNumber(value: string): number {
  const n = Number(value.trim());
  if (!Number.isFinite(n)) throw new ImageError(`__xen_guest: "${value}" is not a number`);
  return n >>> 0;
}

/** Applies the legacy `__xen_guest` string (libelf elf_xen_parse_guest_info). */
function applyGuestString(p: RawParams, text: string): void {
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    switch (name) {
      case 'GUEST_OS':
        p.guestOs = value;
        break;
      case 'GUEST_VER':
        p.guestVersion = value;
        break;
      case 'XEN_VER':
        p.xenVersion = value;
        break;
      case 'LOADER':
        p.loader = value;
        break;
      case 'PAE':
        if (value === 'yes[extended-cr3]') p.pae = PaeMode.ExtendedCr3;
        else if (value.startsWith('yes')) p.pae = PaeMode.Yes;
        break;
      case 'BSD_SYMTAB':
        p.bsdSymtab = true;
        break;
      case 'VIRT_BASE':
        p.virtBase = parseNumber(value);
        break;
      case 'VIRT_ENTRY':
        p.virtEntry = parseNumber(value);
        break;
      case 'ELF_PADDR_OFFSET':
        p.paddrOffset = parseNumber(value);
        break;
      case 'HYPERCALL_PAGE':
        p.hypercallPageIndex = parseNumber(value);
        break;
      case 'FEATURES': {
        const f = parseFeatures(value);
        p.featuresSupported |= f.supported;
        p.featuresRequired |= f.required;
        break;
      }
      default:
        break;
    }
  }
}

/**
 * The guest parameters of an image, checked as libelf checks them: Xen notes named "Xen"
 * (others ignored) or else the `__xen_guest` string; LOADER "generic" or a Linux guest;
 * XEN_VER "xen-3.0…"; entry and hypercall page inside the kernel; VIRT_BASE ≤ kernel start.
 */
export function guestParams(elf: ElfImage): GuestParams {
  const p = emptyParams();
  let xenNotes = 0;
  for (const [offset, size] of elf.noteAreas) {
    for (const note of readNotes(elf.bytes, offset, size)) {
      if (note.name !== 'Xen' || !usable(note)) continue;
      xenNotes++;
      applyNote(p, note);
    }
  }
  const source = xenNotes > 0 ? 'notes' : 'legacy';
  if (source === 'legacy') {
    if (elf.xenGuestString === null) {
      throw new ImageError('not a Xen PV image: no Xen ELF notes and no __xen_guest section');
    }
    applyGuestString(p, elf.xenGuestString);
  }
  if (!p.loader.startsWith('generic') && !p.guestOs.startsWith('linux')) {
    throw new ImageError(
      `only images for the generic loader or Linux load (LOADER "${p.loader}", ` +
        `GUEST_OS "${p.guestOs}")`,
    );
  }
  if (!p.xenVersion.startsWith('xen-3.0')) {
    throw new ImageError(`only images built for Xen 3.0 load (XEN_VER "${p.xenVersion}")`);
  }

  // Address calculation (libelf elf_xen_addr_calc_check).
  const virtBase = p.virtBase === UNSET ? 0 : p.virtBase;
  const paddrOffset = p.paddrOffset !== UNSET ? p.paddrOffset : source === 'notes' ? 0 : virtBase;
  const virtOffset = virtBase - paddrOffset;
  let pstart = Number.POSITIVE_INFINITY;
  let pend = 0;
  for (const s of elf.segments) {
    pstart = Math.min(pstart, s.paddr);
    pend = Math.max(pend, s.paddr + s.memsz);
  }
  const virtKstart = (pstart + virtOffset) >>> 0;
  // With BSD_SYMTAB the symbol tables follow the image (bsd-symtab.ts) and the kernel ends there.
  const symtab = p.bsdSymtab ? bsdSymtab(elf.bytes) : null;
  if (symtab !== null) pend = bsdSymtabStart(pend) + symtab.length;
  const virtKend = (pend + virtOffset) >>> 0;
  const virtEntry = p.virtEntry === UNSET ? elf.entry : p.virtEntry;
  const virtHypercall =
    p.hypercallPageIndex !== UNSET ? virtBase + p.hypercallPageIndex * 4096 : p.virtHypercall;
  if (virtKstart > virtKend || virtEntry < virtKstart || virtEntry > virtKend) {
    throw new ImageError(
      `entry 0x${hex(virtEntry)} is outside the kernel [0x${hex(virtKstart)}, 0x${hex(virtKend)})`,
    );
  }
  if (virtBase > virtKstart) {
    throw new ImageError(`VIRT_BASE 0x${hex(virtBase)} is above the kernel's start`);
  }
  if (virtHypercall !== UNSET && (virtHypercall < virtKstart || virtHypercall >= virtKend)) {
    throw new ImageError(`hypercall page 0x${hex(virtHypercall)} is outside the kernel`);
  }
  return {
    source,
    guestOs: p.guestOs,
    guestVersion: p.guestVersion,
    xenVersion: p.xenVersion,
    loader: p.loader,
    pae: p.pae,
    bsdSymtab: p.bsdSymtab,
    virtBase,
    paddrOffset,
    virtEntry,
    virtHypercall,
    hvStartLow: p.hvStartLow,
    featuresSupported: p.featuresSupported,
    featuresRequired: p.featuresRequired,
    virtKstart,
    virtKend,
  };
}

function hex(n: number): string {
  return (n >>> 0).toString(16);
}
