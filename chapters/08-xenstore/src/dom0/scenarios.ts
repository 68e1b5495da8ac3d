// Your working copy for chapter 08, generated from solutions/dom0/scenarios.ts by npx xenlab stage.
// Book scenarios that need more than one domain: which guests the toolstack starts together and
// how each learns the others' ids (on its command line, until XenStore in chapter 8): book §4.5.

import type { Domain } from '../xen/domain.ts';
import { mapGrantTable } from './grant-table-setup.ts';
import type { Toolstack } from './toolstack.ts';

/** One domain of a scenario: its guest, and its command line given every domain's id. */
export interface ScenarioDomain {
  guest: string;
  cmdline(ids: readonly number[]): string;
}

/** Scenarios by the name of the guest that leads them; the leader is the first domain. */
export const SCENARIOS: Readonly<Record<string, readonly ScenarioDomain[]>> = {
  // §4.5: grant-share grants a page to grant-map (ref 8, the first a guest may use).
  'grant-share': [
    { guest: 'grant-share', cmdline: (ids) => `peer=${ids[1]}` },
    { guest: 'grant-map', cmdline: (ids) => `dom=${ids[0]} ref=8` },
  ],
};

/**
 * Builds every domain of `scenario` (`image` assembles a guest by name), each with its grant
 * table mapped, and starts them in order: the scheduler runs them round-robin in that order,
 * so the leader has granted before the others first run. `prepare` sees the leader before any
 * starts. Returns the domains, leader first.
 */
export function startScenario(
  toolstack: Toolstack,
  scenario: readonly ScenarioDomain[],
  image: (guest: string) => Uint8Array,
  memoryMiB: number,
  prepare?: (leader: Domain) => void,
): Domain[] {
  const first = toolstack.xen.nextDomainId;
  const ids = scenario.map((_, i) => first + i);
  const domains = scenario.map((s) =>
    toolstack.create(image(s.guest), { name: s.guest, memoryMiB, cmdline: s.cmdline(ids) }),
  );
  prepare?.(domains[0]!);
  for (const d of domains) {
    mapGrantTable(toolstack.xen, d);
    toolstack.start(d);
  }
  return domains;
}
