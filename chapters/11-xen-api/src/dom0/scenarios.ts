// Your working copy for chapter 11, generated from solutions/dom0/scenarios.ts by npx xenlab stage.
// Book scenarios that need more than one domain: which guests the toolstack starts together and
// how each learns the others' ids (on its command line, until XenStore in chapter 8): book §4.5.

import type { Domain } from '../xen/domain.ts';
import { mapGrantTable } from './grant-table-setup.ts';
import { network, vifAdd } from './netback-xenbus.ts';
import type { Toolstack } from './toolstack.ts';
import { display, displayAdd } from './vfb.ts';

/** One domain of a scenario: its guest, and its command line given every domain's id. */
export interface ScenarioDomain {
  guest: string;
  cmdline(ids: readonly number[]): string;
  /** Gets vif 0 on domain 0's bridge before it starts (`vif = ['bridge=xenbr0']`). */
  vif?: boolean;
  /** Gets a framebuffer and a keyboard before it starts (`vfb = [...]`, `vkb = [...]`). */
  display?: boolean;
}

/** Scenarios by the name of the guest that leads them; the leader is the first domain. */
export const SCENARIOS: Readonly<Record<string, readonly ScenarioDomain[]>> = {
  // §4.5: grant-share grants a page to grant-map (ref 8, the first a guest may use).
  'grant-share': [
    { guest: 'grant-share', cmdline: (ids) => `peer=${ids[1]}` },
    { guest: 'grant-map', cmdline: (ids) => `dom=${ids[0]} ref=8` },
  ],
  // §9.2: ping and pong on one bridge; ping ARPs for pong, then pings it three times.
  ping: [
    { guest: 'ping', cmdline: () => 'count=3', vif: true },
    { guest: 'pong', cmdline: () => 'count=3', vif: true },
  ],
  // §10.2: fb alone, with a screen and a keyboard.
  fb: [{ guest: 'fb', cmdline: () => '', display: true }],
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
  scenario.forEach((s, i) => {
    if (s.vif !== true) return;
    network(toolstack.xen, toolstack.xenstored);
    vifAdd(toolstack.xs, domains[i]!.domid, 0);
  });
  scenario.forEach((s, i) => {
    if (s.display !== true) return;
    display(toolstack.xen, toolstack.xenstored);
    displayAdd(toolstack.xs, domains[i]!.domid);
  });
  for (const d of domains) {
    mapGrantTable(toolstack.xen, d);
    toolstack.start(d);
  }
  return domains;
}
