// Shared setup for chapter 04's tests: a Xen with a few idle domains whose grant tables the
// toolstack has set up, and the guest's side of a grant (writing and reading entries) done the
// way a guest does it — in the table frames, domid and frame first, flags last.

import { PAGE_SIZE, PhysMemory, type Prng, translateForHost } from '../../../sim/host.ts';
import { renderScreen } from '../../testing/index.ts';
import { guestSources } from '../../testing/src.ts';
import { mapGrantTable } from '../src/dom0/grant-table-setup.ts';
import { buildGuest } from '../src/guests/index.ts';
import {
  type Domain,
  GNTMAP_host_map,
  GRANT_ENTRY_V1,
  GTF_permit_access,
  GTF_readonly,
  type MapGrantRef,
  RunOutcome,
  runDomains,
  sharedEntryAddress,
  Xen,
} from '../src/xen/index.ts';
import { minimalKernel } from '../src/xen/testing/boot.ts';

/** `names.length` idle domains (8 MiB each, frames shuffled by `seed`), grant tables set up. */
export function grantWorld(names: readonly string[], seed: number) {
  const xen = new Xen(new PhysMemory(64 << 20));
  const domains = names.map((name, i) => {
    const { domain } = xen.createDomain(minimalKernel(), {
      name,
      memoryMiB: 8,
      cmdline: '',
      seed: (seed + i) >>> 0,
    });
    mapGrantTable(xen, domain);
    return domain;
  });
  return { xen, domains };
}

export interface Entry {
  flags: number;
  domid: number;
  frame: number;
}

/** What granter `d` writes into entry `ref` of its table: domid and frame, then flags. */
export function writeGrant(xen: Xen, d: Domain, ref: number, e: Entry): void {
  const ma = sharedEntryAddress(d.grantTable!, ref);
  xen.mem.write16(ma + GRANT_ENTRY_V1.domid, e.domid);
  xen.mem.write32(ma + GRANT_ENTRY_V1.frame, e.frame);
  xen.mem.write16(ma + GRANT_ENTRY_V1.flags, e.flags);
}

/** Entry `ref` of `d`'s table as the granter sees it. */
export function readGrant(xen: Xen, d: Domain, ref: number): Entry {
  const ma = sharedEntryAddress(d.grantTable!, ref);
  return {
    flags: xen.mem.read16(ma + GRANT_ENTRY_V1.flags),
    domid: xen.mem.read16(ma + GRANT_ENTRY_V1.domid),
    frame: xen.mem.read32(ma + GRANT_ENTRY_V1.frame),
  };
}

/** A grant of one of `granter`'s own frames to `grantee`, at a seeded ref ≥ 8. */
export function randomGrant(
  rng: Prng,
  granter: Domain,
  grantee: { domid: number },
  readonly: boolean,
) {
  const ref = 8 + rng.below(2040);
  const frame = granter.p2m[rng.below(granter.p2m.length)]!;
  const flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
  return { ref, entry: { flags, domid: grantee.domid, frame } };
}

/** A page-aligned address in the bootstrap region (so an L1 covers it), seeded. */
export function hostVa(rng: Prng): number {
  return 0x200000 + rng.below(0x100) * PAGE_SIZE;
}

/** A host mapping request of `ref` of `granter` at `va`. */
export function mapOp(granter: Domain, ref: number, va: number, flags = GNTMAP_host_map) {
  const op: MapGrantRef = { hostAddr: va, hostAddrHigh: 0, flags, ref, dom: granter.domid };
  return op;
}

/** The machine frame `d` reaches at `va` (for writing if `write`), or -1 if it cannot. */
export function frameAt(d: Domain, va: number, write: boolean): number {
  const pa = translateForHost(d.vcpus[0]!.cpu, va, write);
  return pa < 0 ? -1 : Math.floor(pa / PAGE_SIZE);
}

/** Builds guest `main` (e.g. 'grant-map.asm') from the graded tree's sources. */
export function guestImage(main: string): Uint8Array {
  return buildGuest(main, guestSources(import.meta.url));
}

/** Runs the domains in slices until `done()` holds or `fuel` instructions have run. */
export function runUntil(xen: Xen, fuel: number, done: () => boolean): boolean {
  for (let spent = 0; spent < fuel && !done(); spent += 20_000) {
    const r = runDomains(xen, 20_000);
    if (r.outcome !== RunOutcome.FuelExhausted && !done()) return done();
  }
  return done();
}

/** What `d` has printed so far, rendered as a terminal shows it. */
export function screenOf(xen: Xen, d: Domain): Promise<string[]> {
  return renderScreen(xen.consoleOutput.get(d.domid) ?? '');
}
