// What the page can ask the guest worker about a running guest: a registry of named inspect
// functions. Each takes the session and the page's arguments and returns plain data (it crosses
// postMessage). A chapter's visualiser adds its function here and a Vue component that asks for
// it by name (site/README.md, "Adding a visualiser").

import {
  CS,
  DS,
  disassembleOne,
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
  SS,
} from '../../../../sim/host.ts';
import type { DomainInfo } from '../../../../solutions/dom0/toolstack.ts';
import { _PAGE_PRESENT, _PAGE_RW, _PAGE_USER } from '../../../../solutions/xen/abi.ts';
import { PGT_NAMES } from '../../../../solutions/xen/mm.ts';
import { pteMfn } from '../../../../solutions/xen/page.ts';
import { consoleRing } from './console-ring.ts';
import { eventChannels } from './event-channels.ts';
import { grantTables } from './grant-tables.ts';
import { pageTables } from './page-tables.ts';
import { type GuestSession, PvSession } from './session.ts';
import { vcpuTimeInfo } from './vcpu-time-info.ts';
import { xenstore } from './xenstore.ts';

export type InspectArgs = Record<string, number | string | boolean>;
export type Inspector = (session: GuestSession, args: InspectArgs) => unknown;

const GENERAL = [
  ['eax', EAX],
  ['ebx', EBX],
  ['ecx', ECX],
  ['edx', EDX],
  ['esi', ESI],
  ['edi', EDI],
  ['ebp', EBP],
  ['esp', ESP],
] as const;
const SEGMENTS = [
  ['cs', CS],
  ['ds', DS],
  ['es', ES],
  ['fs', FS],
  ['gs', GS],
  ['ss', SS],
] as const;

export interface RegisterView {
  /** Name → unsigned value, in the order a debugger lists them. */
  registers: [name: string, value: number][];
  cpl: number;
  /** The instruction at EIP, disassembled, or '' when EIP is not mapped. */
  next: string;
}

/** Bytes of guest memory through the guest's own page tables; null where nothing is mapped. */
export interface MemoryView {
  address: number;
  bytes: (number | null)[];
}

/** The longest instruction x86 allows. */
const MAX_INSTRUCTION = 15;
/** At most this many bytes per memory request. */
const MAX_MEMORY_VIEW = 4096;

/**
 * Reads guest-linear memory the way Xen's copy_from_guest does: page by page through vCPU 0's
 * page tables (the walk sets accessed bits, as Xen's own access would).
 */
function readLinear(session: GuestSession, address: number, length: number): (number | null)[] {
  const bytes: (number | null)[] = [];
  let page = -1;
  for (let i = 0; i < length; i++) {
    const linear = (address + i) >>> 0;
    if (i === 0 || (linear & 0xfff) === 0) page = session.physical((linear & ~0xfff) >>> 0);
    const inRam = page >= 0 && page < session.mem.frames * 0x1000;
    bytes.push(inRam ? session.mem.read8(page + (linear & 0xfff)) : null);
  }
  return bytes;
}

/** One level of a PAE walk: the entry the CPU reads and the frame it leads to. */
export interface WalkStep {
  level: 'L3' | 'L2' | 'L1';
  /** Machine address of the entry, its slot, and its 64-bit value as two hex words. */
  entryAddress: number;
  slot: number;
  value: [number, number];
  present: boolean;
  writable: boolean;
  user: boolean;
  /** The frame the entry points at, and what Xen's frame table says of it (chapter 05). */
  frame: number;
  owner: number;
  type: string;
  typeCount: number;
  count: number;
  pinned: boolean;
}

/** The page-table walk for a linear address through vCPU 0's tables (book §5.1, §5.2). */
export interface PageWalkView {
  address: number;
  cr3: number;
  steps: WalkStep[];
  /** The machine address it reaches, or null where a level is not present. */
  machine: number | null;
}

/** Walks `address` the way the CPU does, level by level, reading Xen's frame table beside it. */
function pageWalk(session: PvSession, address: number): PageWalkView {
  const { mem, cpu } = session;
  const heap = session.xen.heap;
  const levels = [
    ['L3', address >>> 30],
    ['L2', (address >>> 21) & 511],
    ['L1', (address >>> 12) & 511],
  ] as const;
  const steps: WalkStep[] = [];
  let table = Math.floor(cpu.cr3 / 0x1000);
  for (const [level, slot] of levels) {
    if (table >= mem.frames) return { address, cr3: cpu.cr3, steps, machine: null };
    const entryAddress = table * 0x1000 + slot * 8;
    const lo = mem.read32(entryAddress) >>> 0;
    const hi = mem.read32(entryAddress + 4) >>> 0;
    const frame = pteMfn(lo, hi);
    const known = frame < heap.owner.length;
    steps.push({
      level,
      entryAddress,
      slot,
      value: [hi, lo],
      present: (lo & _PAGE_PRESENT) !== 0,
      writable: (lo & _PAGE_RW) !== 0,
      user: (lo & _PAGE_USER) !== 0,
      frame,
      owner: known ? heap.owner[frame]! : -1,
      type: known ? (PGT_NAMES[heap.type[frame]!] ?? '?') : '-',
      typeCount: known ? heap.typeCount[frame]! : 0,
      count: known ? heap.count[frame]! : 0,
      pinned: known && heap.pinned[frame] !== 0,
    });
    if ((lo & _PAGE_PRESENT) === 0) return { address, cr3: cpu.cr3, steps, machine: null };
    table = frame;
  }
  return { address, cr3: cpu.cr3, steps, machine: table * 0x1000 + (address & 0xfff) };
}

export const INSPECTORS: Record<string, Inspector> = {
  /** vCPU 0: general, segment and control registers, and the next instruction. */
  registers(session): RegisterView {
    const cpu = session.cpu;
    const code = readLinear(session, (cpu.segBase[CS]! + cpu.eip) >>> 0, MAX_INSTRUCTION);
    const mapped = code.indexOf(null) === -1 ? code.length : code.indexOf(null);
    const next =
      mapped === 0
        ? ''
        : disassembleOne(Uint8Array.from(code.slice(0, mapped) as number[]), 0, { bits: 32 }).text;
    return {
      registers: [
        ...GENERAL.map(([name, r]): [string, number] => [name, cpu.reg32[r]! >>> 0]),
        ['eip', cpu.eip >>> 0],
        ['eflags', getEflags(cpu)],
        ...SEGMENTS.map(([name, s]): [string, number] => [name, cpu.segSelector[s]!]),
        ['cr0', cpu.cr0 >>> 0],
        ['cr2', cpu.cr2 >>> 0],
        ['cr3', cpu.cr3 >>> 0],
        ['cr4', cpu.cr4 >>> 0],
      ],
      cpl: cpu.cpl,
      next,
    };
  },

  /** `length` bytes (≤ 4096) at guest-linear `address`, as vCPU 0 sees them. */
  memory(session, args): MemoryView {
    const address = Number(args.address) >>> 0;
    const length = Math.min(Math.max(Number(args.length) | 0, 0), MAX_MEMORY_VIEW);
    return { address, bytes: readLinear(session, address, length) };
  },

  /** The PAE walk of guest-linear `address` with each frame's owner, type and counts. */
  'page-walk'(session, args): PageWalkView | null {
    if (!(session instanceof PvSession)) return null;
    return pageWalk(session, Number(args.address) >>> 0);
  },
  /** vCPU 0's PAE page tables and the mappings they make (page-tables.ts). */
  'page-tables': pageTables,

  /** vCPU 0's time records in shared_info, and the clocks they give (vcpu-time-info.ts). */
  'vcpu-time-info': vcpuTimeInfo,

  /** The console page's rings and indices, and its back end (console-ring.ts). */
  'console-ring': consoleRing,
  /** The guest's ports and the two-level event bits, vCPU 0's timer (event-channels.ts). */
  'event-channels': eventChannels,

  /** Every domain's grant table: entries in use and mappings held (grant-tables.ts). */
  'grant-tables': grantTables,

  /** Domain 0's XenStore: nodes, permissions, watches, open transactions (xenstore.ts). */
  xenstore,

  /** What `xl list` shows (a PV guest's hypervisor; none for other guests). */
  domains(session): DomainInfo[] {
    return session instanceof PvSession ? session.toolstack.list() : [];
  },
};
