// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import {
  CR4_PAE,
  CS,
  DS,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ES,
  ESI,
  ESP,
  FS,
  GS,
  getEflags,
  PhysMemory,
  Prng,
  SS,
  translateForHost,
} from '../../sim/host.ts';
import { type BuildConfig, buildDomain } from './builder.ts';
import { Domain } from './domain.ts';
import { ImageError } from './elf.ts';
import { Heap, OWNER_XEN } from './heap.ts';
import { makeElf, num, str, type TestNote } from './testing/make-elf.ts';
import { buildXenArea, XEN_AREA_L2_SLOT, xenAreaL2Entry } from './x86-desc.ts';

const PAGE = 4096;

/** Notes of a Mini-OS-like kernel linked at 0 with its hypercall page at 0x1000. */
function miniNotes(extra: TestNote[] = []): TestNote[] {
  return [
    { name: 'Xen', type: 6, desc: str('Mini-OS') },
    { name: 'Xen', type: 8, desc: str('generic') },
    { name: 'Xen', type: 5, desc: str('xen-3.0') },
    { name: 'Xen', type: 9, desc: str('yes') },
    { name: 'Xen', type: 2, desc: num(0x1000) },
    ...extra,
  ];
}

function kernelBytes(): Uint8Array {
  const code = new Uint8Array(3 * PAGE);
  code.set([0xeb, 0xfe]); // jmp $
  return code;
}

function setup(image: Uint8Array, cfg: Partial<BuildConfig> = {}) {
  const mem = new PhysMemory(64 << 20);
  const heap = new Heap(mem);
  const area = buildXenArea(heap);
  const d = new Domain(1, 'test', false, new Uint8Array(16));
  const lay = buildDomain(heap, area, d, image, {
    nrPages: 4096,
    cmdline: 'console=hvc0 root=/dev/xvda',
    flags: 0,
    storeEvtchn: 1,
    consoleEvtchn: 2,
    shuffle: null,
    ...cfg,
  });
  const mfn = (pfn: number) => d.p2m[pfn]!;
  const ma = (pfn: number, off = 0) => mfn(pfn) * PAGE + off;
  return { mem, heap, area, d, lay, mfn, ma, cpu: d.vcpus[0]!.cpu };
}

const miniImage = () =>
  makeElf({ entry: 0, segments: [{ paddr: 0, data: kernelBytes() }], notes: miniNotes() });

describe('domain builder: layout of a kernel linked at 0 (docs/xen-abi.md §2.2)', () => {
  it('packs kernel, P2M, start_info, xenstore, console, tables and boot stack in order', () => {
    const { lay } = setup(miniImage());
    expect(lay.kernelPfn).toBe(0);
    expect(lay.kernelPages).toBe(3);
    expect(lay.p2mPfn).toBe(3); // 4096 entries × 4 bytes = 4 pages
    expect(lay.p2mPages).toBe(4);
    expect(lay.startInfoPfn).toBe(7);
    expect(lay.xenstorePfn).toBe(8);
    expect(lay.consolePfn).toBe(9);
    expect(lay.pgtablesPfn).toBe(10);
    // L3 + L2 for slot 0 + the extra L2 for slot 3 + two L1s (0–4 MiB).
    expect(lay.nrPtFrames).toBe(5);
    expect(lay.bootstackPfn).toBe(15);
    expect(lay.virtPgtabEnd).toBe(0x400000);
    expect(lay.stackTop).toBe(16 * PAGE);
  });

  it('fills every start_info field', () => {
    const { mem, d, ma, mfn } = setup(miniImage());
    const si = ma(7);
    const text = (off: number, n: number) =>
      String.fromCharCode(...mem.readBytes(si + off, n)).replace(/\0.*$/s, '');
    expect(text(0, 32)).toBe('xen-3.0-x86_32p');
    expect(mem.read8(si + 15)).toBe(0);
    expect(mem.read32(si + 32)).toBe(4096); // nr_pages
    expect(mem.read32(si + 36)).toBe(d.sharedInfoMfn * PAGE); // shared_info: machine address
    expect(mem.read32(si + 40)).toBe(0); // flags
    expect(mem.read32(si + 44)).toBe(mfn(8)); // store_mfn
    expect(mem.read32(si + 48)).toBe(1); // store_evtchn
    expect(mem.read32(si + 52)).toBe(mfn(9)); // console.domU.mfn
    expect(mem.read32(si + 56)).toBe(2); // console.domU.evtchn
    expect(mem.read32(si + 60)).toBe(10 * PAGE); // pt_base (virtual)
    expect(mem.read32(si + 64)).toBe(5); // nr_pt_frames
    expect(mem.read32(si + 68)).toBe(3 * PAGE); // mfn_list (virtual)
    expect(mem.read32(si + 72)).toBe(0); // mod_start
    expect(mem.read32(si + 76)).toBe(0); // mod_len
    expect(text(80, 1024)).toBe('console=hvc0 root=/dev/xvda');
    expect(mem.read32(si + 1104)).toBe(0); // first_p2m_pfn
    expect(mem.read32(si + 1108)).toBe(0); // nr_p2m_frames
  });

  it('writes the P2M list: mfn_list[pfn] = mfn', () => {
    const { mem, d, ma } = setup(miniImage(), { shuffle: new Prng(7) });
    for (const pfn of [0, 1, 1023, 1024, 4095]) {
      const entry = ma(3 + Math.floor((pfn * 4) / PAGE), (pfn * 4) % PAGE);
      expect(mem.read32(entry)).toBe(d.p2m[pfn]);
    }
    expect(new Set(d.p2m).size).toBe(4096);
  });

  it('builds the bootstrap PAE tables exactly as docs/xen-abi.md §2.6', () => {
    const { mem, ma, mfn, area } = setup(miniImage());
    const l3 = ma(10);
    const entry = (addr: number) => [mem.read32(addr), mem.read32(addr + 4)];
    expect(entry(l3)).toEqual([mfn(11) * PAGE + 0x001, 0]);
    expect(entry(l3 + 8)).toEqual([0, 0]);
    expect(entry(l3 + 16)).toEqual([0, 0]);
    expect(entry(l3 + 24)).toEqual([mfn(12) * PAGE + 0x001, 0]); // the extra L2 for slot 3
    expect(entry(ma(11))).toEqual([mfn(13) * PAGE + 0x067, 0]);
    expect(entry(ma(11) + 8)).toEqual([mfn(14) * PAGE + 0x067, 0]);
    expect(entry(ma(11) + 16)).toEqual([0, 0]);
    expect(entry(ma(13))).toEqual([mfn(0) * PAGE + 0x023, 0]);
    expect(entry(ma(13) + 9 * 8)).toEqual([mfn(9) * PAGE + 0x023, 0]);
    for (let pfn = 10; pfn < 15; pfn++) {
      expect(entry(ma(13) + pfn * 8)).toEqual([mfn(pfn) * PAGE + 0x021, 0]); // tables read-only
    }
    expect(entry(ma(13) + 15 * 8)).toEqual([mfn(15) * PAGE + 0x023, 0]);
    expect(entry(ma(14) + 511 * 8)).toEqual([mfn(1023) * PAGE + 0x023, 0]);
    // Xen's own area sits in L3 slot 3's L2, in the hole (slot ≥ 428).
    expect(XEN_AREA_L2_SLOT).toBeGreaterThanOrEqual(428);
    expect(entry(ma(12) + XEN_AREA_L2_SLOT * 8)).toEqual([xenAreaL2Entry(area), 0]);
  });

  it('lets the CPU see the region through those tables (and the tables read-only)', () => {
    const { cpu, mfn } = setup(miniImage());
    expect(cpu.cr4 & CR4_PAE).toBe(CR4_PAE);
    expect(cpu.cr3).toBe(mfn(10) * PAGE);
    expect(translateForHost(cpu, 0x1234, false)).toBe(mfn(1) * PAGE + 0x234);
    expect(translateForHost(cpu, 0x3fffff, true)).toBe(mfn(1023) * PAGE + 0xfff);
    expect(translateForHost(cpu, 0xa000, false)).toBe(mfn(10) * PAGE);
    expect(translateForHost(cpu, 0xa000, true)).toBe(-1);
    expect(translateForHost(cpu, 0x400000, false)).toBe(-1);
  });

  it('initialises shared_info: zero but every vCPU upcall mask', () => {
    const { mem, d } = setup(miniImage());
    const si = d.sharedInfoMfn * PAGE;
    for (let v = 0; v < 32; v++) {
      expect(mem.read8(si + v * 64)).toBe(0);
      expect(mem.read8(si + v * 64 + 1)).toBe(1);
    }
    expect(mem.readBytes(si + 2048, 2048 - 0).every((b) => b === 0)).toBe(true);
  });

  it('writes the hypercall page: 32-byte stubs, the iret stub, int3 padding', () => {
    const { mem, ma } = setup(miniImage());
    const page = ma(1);
    const stub = (i: number) => [...mem.readBytes(page + i * 32, 32)];
    const cc = (n: number) => new Array(n).fill(0xcc);
    expect(stub(0)).toEqual([0xb8, 0, 0, 0, 0, 0xcd, 0x82, 0xc3, ...cc(24)]);
    expect(stub(18)).toEqual([0xb8, 18, 0, 0, 0, 0xcd, 0x82, 0xc3, ...cc(24)]);
    expect(stub(23)).toEqual([0x50, 0xb8, 23, 0, 0, 0, 0xcd, 0x82, ...cc(24)]);
    expect(stub(127)).toEqual([0xb8, 127, 0, 0, 0, 0xcd, 0x82, 0xc3, ...cc(24)]);
  });

  it('enters vCPU 0 in ring 1 with the flat selectors, ESI = start_info, ESP = stack top', () => {
    const { cpu, d } = setup(miniImage());
    expect(cpu.cpl).toBe(1);
    expect(cpu.eip).toBe(0);
    expect(cpu.segSelector[CS]).toBe(0xe019);
    for (const seg of [DS, ES, FS, GS, SS]) expect(cpu.segSelector[seg]).toBe(0xe021);
    expect(cpu.segLimit[CS]).toBe(0xf67fffff);
    expect(cpu.reg32[ESI]).toBe(7 * PAGE);
    expect(cpu.reg32[ESP]).toBe(16 * PAGE);
    for (const r of [EAX, EBX, ECX, EDX, EDI, EBP]) expect(cpu.reg32[r]).toBe(0);
    expect(getEflags(cpu)).toBe(0x202);
    expect(d.vmAssist).toBe(1 << 3); // PAE_MODE "yes" ⇒ pae_extended_cr3
  });

  it('gives the domain its frames and keeps Xen’s own', () => {
    const { heap, d, area } = setup(miniImage());
    expect(heap.owner[area.idtMfn]).toBe(OWNER_XEN);
    expect(d.p2m.every((mfn) => heap.owner[mfn] === 1)).toBe(true);
    expect(heap.owner[d.sharedInfoMfn]).toBe(1);
  });
});

describe('domain builder: images', () => {
  it('reads the legacy __xen_guest string (Linux-style VIRT_BASE 0xC0000000)', () => {
    const image = makeElf({
      entry: 0xc0000000,
      segments: [{ paddr: 0xc0000000, data: kernelBytes() }],
      xenGuest:
        'GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0xC0000000,' +
        'HYPERCALL_PAGE=0x2,LOADER=generic,PAE=yes[extended-cr3]',
    });
    const { lay, mem, ma, mfn, cpu } = setup(image);
    expect(lay.params.source).toBe('legacy');
    expect(lay.hypercallPageVa).toBe(0xc0002000);
    expect(mem.read8(ma(2))).toBe(0xb8);
    expect(cpu.reg32[ESI]! >>> 0).toBe(0xc0000000 + lay.startInfoPfn * PAGE);
    // The region lies above 0xC0000000: no extra L2, and Xen's slot is in the kernel's L2.
    expect(lay.l2Count).toBe(1);
    const l3 = ma(lay.pgtablesPfn);
    expect(mem.read32(l3)).toBe(0);
    expect(mem.read32(l3 + 24)).toBe(mfn(lay.pgtablesPfn + 1) * PAGE + 1);
    expect(translateForHost(cpu, 0xc0001000, false)).toBe(mfn(1) * PAGE);
  });

  it('ignores notes not named "Xen" and tolerates a truncated last note', () => {
    const image = makeElf({
      entry: 0,
      segments: [{ paddr: 0, data: kernelBytes() }],
      notes: miniNotes([{ name: 'GNU', type: 2, desc: num(0x2000) }]),
      noteTail: new Uint8Array([4, 0, 0, 0, 64, 0, 0, 0, 1, 0, 0, 0, 0x58, 0x65, 0x6e, 0]),
    });
    const { lay } = setup(image);
    expect(lay.params.source).toBe('notes');
    expect(lay.hypercallPageVa).toBe(0x1000);
  });

  it('reads a string note cut short by the end of the note area (Debian GRUB’s PAE_MODE)', () => {
    // GRUB declares descsz 12 for PAE_MODE, but its file ends after "yes\0".
    const notes = miniNotes().filter((n) => n.type !== 9);
    const pae = [4, 0, 0, 0, 12, 0, 0, 0, 9, 0, 0, 0, 0x58, 0x65, 0x6e, 0, 0x79, 0x65, 0x73, 0];
    const image = makeElf({
      entry: 0,
      segments: [{ paddr: 0, data: kernelBytes() }],
      notes,
      noteTail: new Uint8Array(pae),
    });
    expect(setup(image).d.vmAssist).toBe(1 << 3); // PAE_MODE "yes" was read
  });

  it('refuses images Xen refuses', () => {
    const refuse = (notes: TestNote[], entry = 0) =>
      expect(() =>
        setup(makeElf({ entry, segments: [{ paddr: 0, data: kernelBytes() }], notes })),
      ).toThrow(ImageError);
    refuse([]); // neither notes nor __xen_guest
    refuse(miniNotes().filter((n) => n.type !== 8)); // no LOADER, not Linux
    refuse(miniNotes().map((n) => (n.type === 5 ? { ...n, desc: str('xen-2.0') } : n)));
    refuse(miniNotes(), 0x10000); // entry outside the kernel
    refuse(miniNotes().map((n) => (n.type === 9 ? { ...n, desc: str('no') } : n)));
    expect(() => setup(new Uint8Array(64))).toThrow(ImageError);
  });

  it('refuses a domain too small for its bootstrap region', () => {
    expect(() => setup(miniImage(), { nrPages: 512 })).toThrow(/too few/);
  });
});
