// The `grant-tables` inspector (chapter 04, book §4.1–4.5): every domain's grant table as Xen
// keeps it — the shared entries in use with their GTF_* flags, the pins of their active entries,
// and the mappings each domain holds of others' grants (its maptrack).

import type { Domain } from '../../../../solutions/xen/domain.ts';
import { nrGrantEntries, readSharedEntry } from '../../../../solutions/xen/grant-table.ts';
import type { Heap } from '../../../../solutions/xen/heap.ts';
import { type GuestSession, PvSession } from './session.ts';

/** One grant entry in use: the shared entry as the granter wrote it, and Xen's pins. */
export interface GrantEntryView {
  ref: number;
  flags: number;
  domid: number;
  frame: number;
  /** The active entry's packed GNTPIN_* counters (0: not in use). */
  pin: number;
}

/** A mapping the domain holds of another domain's grant (its maptrack). */
export interface GrantMappingView {
  handle: number;
  granter: number;
  ref: number;
  flags: number;
}

/** A domain's grant table as the chapter 04 visualiser shows it. */
export interface GrantTableView {
  domid: number;
  name: string;
  /** 0 until setup_table or set_version. */
  version: number;
  frames: number;
  /** Entries whose flags are not 0, or that Xen has pinned. */
  entries: GrantEntryView[];
  mappings: GrantMappingView[];
}

function grantTableView(heap: Heap, d: Domain): GrantTableView {
  const gt = d.grantTable;
  const view = { domid: d.domid, name: d.name, version: gt?.version ?? 0, frames: 0 };
  if (gt === null || d.destroyed) return { ...view, entries: [], mappings: [] };
  const entries: GrantEntryView[] = [];
  for (let ref = 0; ref < nrGrantEntries(gt); ref++) {
    const sha = readSharedEntry(heap, gt, ref);
    const pin = gt.active[ref]?.pin ?? 0;
    if (sha.flags !== 0 || pin !== 0) entries.push({ ref, ...sha, pin });
  }
  const mappings = gt.maptrack.flatMap((m, handle) =>
    m.flags === 0 || m.granter === null
      ? []
      : [{ handle, granter: m.granter.domid, ref: m.ref, flags: m.flags }],
  );
  return { ...view, frames: gt.frames.length, entries, mappings };
}

/** Every domain of the session, the guest's first (none for a guest without Xen). */
export function grantTables(session: GuestSession): GrantTableView[] {
  if (!(session instanceof PvSession)) return [];
  return session.domains.map((d) => grantTableView(session.xen.heap, d));
}
