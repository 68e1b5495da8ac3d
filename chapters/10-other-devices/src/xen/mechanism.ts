// Your working copy for chapter 10, generated from solutions/xen/mechanism.ts by npx xenlab stage.
// What a mechanism plugs into the hypervisor: its hypercalls, the lifecycle hooks it needs, and
// the state it keeps per vCPU: book ch. 2; Xen xen/include/hypercall-defs.c (the table a
// build's Kconfig fills), xen/common/domain.c (domain_relinquish_resources).
//
// Each chapter adds mechanisms and changes nothing it does not own. A mechanism module exports
// one `Mechanism` record; mechanisms.ts lists the records this build has, the way Xen's Kconfig
// selects what a build compiles in, and the Xen instance assembles its hypercall table and its
// hook lists from that list when it boots. Two mechanisms giving the same hypercall a handler is
// a build error, unless one of them is a stand-in: a reduced handler an early chapter needs until
// a later one brings the real mechanism, and which gives way to it. The reference tree holds both
// (the snapshots of the later chapters no longer have the stand-in).

import type { Domain, Vcpu } from './domain.ts';
import type { HypercallHandler } from './hypercall.ts';
import type { Xen } from './xen.ts';

export interface Mechanism {
  /** For error messages: the mechanism's name in the book (`grant tables`). */
  readonly name: string;
  /** Its hypercalls: handlers by __HYPERVISOR_* number (abi.ts). */
  readonly hypercalls?: Readonly<Record<number, HypercallHandler>>;
  /** Its handlers give way to another mechanism's for the same number. */
  readonly standIn?: boolean;
  /** A new domain is built and about to be handed to the toolstack (arch_set_info_guest). */
  domainBuilt?(xen: Xen, d: Domain): void;
  /**
   * `v` exited with an exception that is not a hypercall: return true when this mechanism dealt
   * with it (fixed it up, reflected it to the guest, or crashed the domain itself).
   */
  guestException?(xen: Xen, v: Vcpu): boolean;
  /** `v` is about to get the physical CPU (context_switch). */
  vcpuSwitchIn?(xen: Xen, v: Vcpu): void;
  /**
   * domain_relinquish_resources: `d` is dying. Release what it holds of this mechanism, and take
   * out of `frames` (its frames, about to return to the heap) any that must stay allocated.
   */
  domainDestroy?(xen: Xen, d: Domain, frames: Set<number>): void;
  /**
   * `v` is about to resume in the guest, after an exit or at the start of its slice
   * (test_all_events): deliver what it has pending.
   */
  returnToGuest?(xen: Xen, v: Vcpu): void;
}

/** The handler of every hypercall number the mechanisms implement; holes are undefined. */
export type HypercallHandlers = ReadonlyArray<HypercallHandler | undefined>;

/**
 * Assembles the dispatch table from `mechanisms`. A number two of them claim goes to the one
 * that is not a stand-in; two real handlers for one number are a build error.
 */
export function hypercallHandlers(mechanisms: readonly Mechanism[]): HypercallHandlers {
  const table: Array<HypercallHandler | undefined> = [];
  const owners: Mechanism[] = [];
  for (const m of mechanisms) {
    for (const [key, handler] of Object.entries(m.hypercalls ?? {})) {
      const nr = Number(key);
      const owner = owners[nr];
      if (owner !== undefined && owner.standIn !== true) {
        if (m.standIn === true) continue;
        throw new Error(`hypercall ${nr}: both ${owner.name} and ${m.name} give it a handler`);
      }
      owners[nr] = m;
      table[nr] = handler;
    }
  }
  return Object.freeze(table);
}

/**
 * State a mechanism keeps for each vCPU (Xen: its fields of struct vcpu): `init` makes a vCPU's
 * on first use; the state goes with the vCPU. The mechanism's module owns it, so the vCPU record
 * does not grow optional fields for every chapter.
 */
export function perVcpu<T>(init: (v: Vcpu) => T): (v: Vcpu) => T {
  const states = new WeakMap<Vcpu, T>();
  return (v) => {
    let state = states.get(v);
    if (state === undefined) {
      state = init(v);
      states.set(v, state);
    }
    return state;
  };
}
