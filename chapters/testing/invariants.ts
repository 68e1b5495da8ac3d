// The hypervisor's invariants, checked from scratch by the grader (book §4.3, §5.2): the frame
// table recounted from what the page tables, pins, CR3s and LDTs hold, the grant pins recounted
// from the maptrack, the heap's free list. These checkers read the hypervisor's data — the
// frame table, machine memory, domains — and import none of its code, so a graded tree cannot
// weaken them by changing its own.

import { entryMfn, type TableMemory } from './page-tables.ts';

/** Page types as the frame table stores them (Xen's PGT_* values, shifted down to a byte). */
export const PGT = {
  none: 0,
  l1: 1,
  l2: 2,
  l3: 3,
  segDesc: 5,
  writable: 7,
  /** Flag on an L2: it sits under L3 slot 3 and holds Xen's own mappings. */
  paeXenL2: 0x10,
} as const;
const PGT_TYPE_MASK = 0x0f;
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'L1',
  2: 'L2',
  18: 'L2 (Xen slot)',
  3: 'L3',
  5: 'descriptor',
  7: 'writable',
};
const typeName = (type: number) => TYPE_NAMES[type] ?? `type ${type}`;

const PAGE_SIZE = 4096;
const PRESENT = 0x001;
const RW = 0x002;
const OWNER_FREE = -1;
/** Guest slots of the slot-3 L2: below HYPERVISOR_VIRT_START (0xF5800000), 2 MiB each. */
const XEN_L2_FIRST_SLOT = (0xf5800000 - 0xc0000000) / 0x200000;
const GNTMAP_device_map = 1 << 0;
const GNTMAP_host_map = 1 << 1;
const GNTMAP_readonly = 1 << 2;

// --- What the checkers read: the shapes of the hypervisor's data (book §5.2, §4.3).

/** Xen's frame table, one entry per machine frame. */
export interface AuditedFrameTable {
  readonly mem: TableMemory;
  readonly owner: Int32Array;
  readonly type: Uint8Array;
  readonly typeCount: Int32Array;
  readonly count: Int32Array;
  readonly pinned: Uint8Array;
  readonly free: number;
}

export interface AuditedGrantTable {
  readonly active: ReadonlyArray<{ pin: number; domid: number; frame: number } | undefined>;
  readonly maptrack: ReadonlyArray<{
    flags: number;
    granter: { domid: number; grantTable: AuditedGrantTable | null } | null;
    ref: number;
  }>;
}

export interface AuditedDomain {
  readonly domid: number;
  readonly privileged: boolean;
  readonly destroyed: boolean;
  readonly vcpus: ReadonlyArray<{ cpu: { cr3: number; cr0: number } }>;
  readonly p2m: readonly number[];
  readonly grantTable: AuditedGrantTable | null;
  /** Event-channel ports, from chapter 07 (absent before). */
  readonly evtchn?: ReadonlyArray<{ state: string; remoteDomid: number; remotePort: number }>;
  readonly sharedInfoMfn: number;
}

export interface AuditedXen {
  readonly heap: AuditedFrameTable;
  readonly domains: ReadonlyMap<number, AuditedDomain>;
}

const CR0_PG = 0x80000000;

/** The entries of a table of `type` that belong to the guest (Xen's slots and L3 4–511 not). */
function guestSlots(type: number): number {
  if ((type & PGT_TYPE_MASK) === PGT.l3) return 4;
  return (type & PGT.paeXenL2) !== 0 ? XEN_L2_FIRST_SLOT : 512;
}

const liveDomains = (xen: AuditedXen) => [...xen.domains.values()].filter((d) => !d.destroyed);

/** The frames `d` maps through grants: granted frame → granter's domid, from its maptrack. */
function grantMappedFrames(d: AuditedDomain): Map<number, number> {
  const frames = new Map<number, number>();
  for (const map of d.grantTable?.maptrack ?? []) {
    if ((map.flags & GNTMAP_host_map) === 0 || map.granter === null) continue;
    const act = map.granter.grantTable?.active[map.ref];
    if (act !== undefined) frames.set(act.frame, map.granter.domid);
  }
  return frames;
}

/**
 * Recounts every reference from what the tables, pins, CR3s and `xenHeld` hold and compares with
 * the frame table: type counts equal the references that need the type, general counts all
 * references, no writable mapping of a table or descriptor page, and an L1 maps another
 * domain's frame only through a grant or for a privileged domain. Empty when consistent.
 */
export function auditFrameTable(xen: AuditedXen, xenHeld: Iterable<number> = []): string[] {
  const heap = xen.heap;
  const ram = new DataView(heap.mem.ram.buffer, heap.mem.ram.byteOffset, heap.mem.ram.byteLength);
  const frames = heap.owner.length;
  const count = new Int32Array(frames);
  const typeCount = new Int32Array(frames);
  const problems: string[] = [];
  const hold = (mfn: number, typed: boolean) => {
    if (mfn >= frames) return;
    count[mfn]!++;
    if (typed) typeCount[mfn]!++;
  };
  const byId = new Map<number, AuditedDomain>();
  for (const d of liveDomains(xen)) {
    byId.set(d.domid, d);
    for (const v of d.vcpus) {
      if ((v.cpu.cr0 & CR0_PG) !== 0) hold(Math.floor(v.cpu.cr3 / PAGE_SIZE), true);
    }
  }
  // Frames Xen holds a typed reference on for a vCPU — its loaded LDT's pages, its GDT's frames
  // (set_gdt), a moved vcpu_info's frame — are the caller's to name: Xen keeps them per vCPU.
  for (const mfn of xenHeld) hold(mfn, true);
  const grants = new Map<number, Map<number, number>>();
  const mayMap = (tableOwner: number, target: number) => {
    if (heap.owner[target] === tableOwner) return true;
    const d = byId.get(tableOwner);
    if (d === undefined) return false;
    if (d.privileged) return true;
    let mapped = grants.get(tableOwner);
    if (mapped === undefined) {
      mapped = grantMappedFrames(d);
      grants.set(tableOwner, mapped);
    }
    return mapped.get(target) === heap.owner[target];
  };
  for (let mfn = 0; mfn < frames; mfn++) {
    if (heap.pinned[mfn] !== 0) hold(mfn, true);
    const type = heap.type[mfn]!;
    const t = type & PGT_TYPE_MASK;
    if (t < PGT.l1 || t > PGT.l3 || heap.typeCount[mfn] === 0) continue;
    for (let slot = 0; slot < guestSlots(type); slot++) {
      const lo = ram.getUint32(mfn * PAGE_SIZE + slot * 8, true);
      if ((lo & PRESENT) === 0) continue;
      const target = entryMfn(lo, ram.getUint32(mfn * PAGE_SIZE + slot * 8 + 4, true));
      const l1 = t === PGT.l1;
      const writable = l1 && (lo & RW) !== 0;
      hold(target, !l1 || writable);
      const where = `mfn ${mfn} (${typeName(type)}) slot ${slot} → mfn ${target}`;
      if (target >= frames) {
        problems.push(`${where}: beyond machine memory`);
        continue;
      }
      const owner = heap.owner[mfn]!;
      if (l1 ? !mayMap(owner, target) : heap.owner[target] !== owner) {
        problems.push(`${where}: maps a frame of d${heap.owner[target]} without a grant`);
      }
      if (writable && heap.type[target] !== PGT.writable) {
        problems.push(`${where}: writable mapping of a ${typeName(heap.type[target]!)} page`);
      }
    }
  }
  for (let mfn = 0; mfn < frames; mfn++) {
    if (count[mfn] !== heap.count[mfn] || typeCount[mfn] !== heap.typeCount[mfn]) {
      problems.push(
        `mfn ${mfn} (${typeName(heap.type[mfn]!)}): counts ${heap.count[mfn]}/` +
          `${heap.typeCount[mfn]}, references ${count[mfn]}/${typeCount[mfn]}`,
      );
    }
  }
  return problems;
}

/** Pin counters (GNTPIN_*): host writable, host read-only, device writable, device read-only. */
const pinCounters = (pin: number) => [
  pin & 0xff,
  (pin >>> 8) & 0xff,
  (pin >>> 16) & 0xff,
  pin >>> 24,
];

/**
 * Every active grant entry's pins equal the live mappings the maptracks record of it, by kind,
 * all from the one domain the entry names; a pinned frame still belongs to its granter.
 */
export function auditGrantPins(xen: AuditedXen): string[] {
  const problems: string[] = [];
  // "granter:ref" → the pins the maptracks account for, and who holds them.
  const expected = new Map<string, { pins: number[]; domids: Set<number> }>();
  for (const d of liveDomains(xen)) {
    for (const map of d.grantTable?.maptrack ?? []) {
      if (map.flags === 0 || map.granter === null) continue;
      const key = `${map.granter.domid}:${map.ref}`;
      const want = expected.get(key) ?? { pins: [0, 0, 0, 0], domids: new Set<number>() };
      expected.set(key, want);
      const ro = (map.flags & GNTMAP_readonly) !== 0 ? 1 : 0;
      if ((map.flags & GNTMAP_host_map) !== 0) want.pins[ro]!++;
      if ((map.flags & GNTMAP_device_map) !== 0) want.pins[2 + ro]!++;
      want.domids.add(d.domid);
    }
  }
  for (const rd of xen.domains.values()) {
    rd.grantTable?.active.forEach((act, ref) => {
      if (act === undefined) return;
      const where = `d${rd.domid} ref ${ref}`;
      const want = expected.get(`${rd.domid}:${ref}`) ?? { pins: [0, 0, 0, 0], domids: new Set() };
      const have = pinCounters(act.pin);
      if (have.some((p, i) => p !== want.pins[i])) {
        problems.push(
          `${where}: pins [${have}] (host rw, host ro, dev rw, dev ro), mappings [${want.pins}]`,
        );
      }
      if (act.pin === 0) return;
      if ([...want.domids].some((id) => id !== act.domid)) {
        problems.push(`${where}: pinned for d${act.domid}, mapped by [${[...want.domids]}]`);
      }
      if (xen.heap.owner[act.frame] !== rd.domid) {
        problems.push(`${where}: pins frame ${act.frame} of ${xen.heap.owner[act.frame]}`);
      }
    });
  }
  return problems;
}

/**
 * The heap: its free count is the number of free frames, a free frame holds no reference, type
 * or pin, and every frame a live domain's P2M names is the domain's.
 */
export function auditHeap(xen: AuditedXen): string[] {
  const heap = xen.heap;
  const problems: string[] = [];
  let free = 0;
  for (let mfn = 0; mfn < heap.owner.length; mfn++) {
    if (heap.owner[mfn] !== OWNER_FREE) continue;
    free++;
    if (heap.count[mfn] !== 0 || heap.typeCount[mfn] !== 0 || heap.pinned[mfn] !== 0) {
      problems.push(`free mfn ${mfn}: counts ${heap.count[mfn]}/${heap.typeCount[mfn]}`);
    }
  }
  if (free !== heap.free)
    problems.push(`the heap counts ${heap.free} free frames, ${free} are free`);
  for (const d of liveDomains(xen)) {
    d.p2m.forEach((mfn, pfn) => {
      if (mfn !== 0xffffffff && heap.owner[mfn] !== d.domid) {
        problems.push(`d${d.domid} pfn ${pfn} → mfn ${mfn}, owned by ${heap.owner[mfn]}`);
      }
    });
  }
  return problems;
}

/**
 * Event channels (book §7.4, §7.6): port 0 is reserved; an interdomain port's peer is a live
 * domain whose port names it back; a free port has no pending bit (closing clears it).
 */
export function auditEventChannels(xen: AuditedXen): string[] {
  const problems: string[] = [];
  for (const d of liveDomains(xen)) {
    const ports = d.evtchn;
    if (ports === undefined) continue;
    if (ports[0]?.state !== 'reserved') problems.push(`d${d.domid} port 0 is ${ports[0]?.state}`);
    ports.forEach((chn, port) => {
      if (chn.state === 'interdomain') {
        const peer = xen.domains.get(chn.remoteDomid);
        const back = peer?.destroyed === false ? peer.evtchn?.[chn.remotePort] : undefined;
        if (
          back?.state !== 'interdomain' ||
          back.remoteDomid !== d.domid ||
          back.remotePort !== port
        ) {
          problems.push(
            `d${d.domid} port ${port} is connected to d${chn.remoteDomid} port ` +
              `${chn.remotePort}, which does not name it back`,
          );
        }
      }
      if (chn.state === 'free' && d.sharedInfoMfn >= 0) {
        const word = d.sharedInfoMfn * PAGE_SIZE + 2048 + (port >>> 5) * 4;
        if (((xen.heap.mem.read32(word) >>> (port & 31)) & 1) !== 0) {
          problems.push(`d${d.domid} port ${port} is free but pending`);
        }
      }
    });
  }
  return problems;
}

/**
 * Every checker above: what a debug build of Xen would assert after each hypercall. `xenHeld`:
 * as for auditFrameTable.
 */
export function checkInvariants(xen: AuditedXen, xenHeld: Iterable<number> = []): string[] {
  return [
    ...auditFrameTable(xen, xenHeld),
    ...auditGrantPins(xen),
    ...auditHeap(xen),
    ...auditEventChannels(xen),
  ];
}
