// The composition tier's machine: the whole reference hypervisor with every invariant of
// chapters/testing checked after each hypercall, as a debug build of Xen asserts its own
// consistency as it goes (book §4.3, §5.2). Test support for solutions/composition only.

import { join } from 'node:path';
import { checkInvariants } from '../../chapters/testing/invariants.ts';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { buildGuest, GUESTS } from '../guests/index.ts';
import { vcpuGdt } from '../xen/gdt.ts';
import { formatTrace } from '../xen/hypercall.ts';
import { vcpuLdt } from '../xen/ldt.ts';
import { vcpuInfoMfn } from '../xen/vcpu.ts';
import { Xen } from '../xen/xen.ts';

/**
 * The frames Xen holds a typed reference on for each live vCPU: its loaded LDT's pages, its GDT
 * frames, the frame its moved vcpu_info lives in (what auditFrameTable cannot find in tables).
 */
export function xenHeldFrames(xen: Xen): number[] {
  const frames: number[] = [];
  for (const d of xen.domains.values()) {
    if (d.destroyed) continue;
    for (const v of d.vcpus) {
      frames.push(...(vcpuLdt(v).loaded?.mfns ?? []), ...vcpuGdt(v).frames);
      const moved = vcpuInfoMfn(v).mfn;
      if (moved >= 0) frames.push(moved);
    }
  }
  return frames;
}

/** A Xen that checks itself after every hypercall; `violations` keeps the first report. */
export interface CheckedXen {
  xen: Xen;
  toolstack: Toolstack;
  /** Hypercalls after which the invariants were checked. */
  readonly checked: number;
  /** The first inconsistency, with the hypercall after which it appeared; null while none. */
  readonly violation: string | null;
  /** Checks now (after a toolstack step, say), naming `what` in the report. */
  check(what: string): void;
}

export function checkedXen(memoryMiB: number): CheckedXen {
  let checked = 0;
  let violation: string | null = null;
  const check = (what: string) => {
    if (violation !== null || process.env.NOCHECK) return;
    const problems = checkInvariants(xen, xenHeldFrames(xen));
    if (problems.length > 0) {
      const shown = problems.slice(0, 8).map((p) => `  ${p}`);
      const more = problems.length > 8 ? [`  … ${problems.length - 8} more`] : [];
      violation = [`after ${what}:`, ...shown, ...more].join('\n');
    }
  };
  const xen: Xen = new Xen(new PhysMemory(memoryMiB << 20), {
    trace: (t) => {
      checked++;
      check(formatTrace(t));
    },
  });
  check('boot');
  return {
    xen,
    toolstack: new Toolstack(xen),
    get checked() {
      return checked;
    },
    get violation() {
      return violation;
    },
    check,
  };
}

/** The guests' sources (solutions/guests and its lib/), as buildGuest takes them. */
const guestSources = (): Record<string, string> =>
  asmSourcesUnder(join(import.meta.dirname, '..', 'guests'));

/** Assembles a guest by name, from a cache. */
export const guestImage = (() => {
  const images = new Map<string, Uint8Array>();
  let sources: Record<string, string> | null = null;
  return (name: string): Uint8Array => {
    let image = images.get(name);
    if (image === undefined) {
      const info = GUESTS.find((g) => g.name === name);
      if (info === undefined) throw new Error(`no guest ${name}`);
      sources ??= guestSources();
      image = buildGuest(info.main, sources);
      images.set(name, image);
    }
    return image;
  };
})();
