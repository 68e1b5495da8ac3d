// Book scenarios that need more than one domain: which guests the toolstack starts together and
// how each learns the others' ids (on its command line, until XenStore in chapter 8): book §4.5.
// xenlab: file from 04

import type { Domain } from '../xen/domain.ts';
import { mapGrantTable } from './grant-table-setup.ts';
// xenlab: region scenario-network-import from 09
import { network, vifAdd } from './netback-xenbus.ts';
// xenlab: end scenario-network-import
import type { Toolstack } from './toolstack.ts';
// xenlab: region scenario-display-import from 10
import { display, displayAdd } from './vfb.ts';
// xenlab: end scenario-display-import

/** One domain of a scenario: its guest, and its command line given every domain's id. */
export interface ScenarioDomain {
  guest: string;
  cmdline(ids: readonly number[]): string;
  // xenlab: region scenario-vif from 09
  /** Gets vif 0 on domain 0's bridge before it starts (`vif = ['bridge=xenbr0']`). */
  vif?: boolean;
  // xenlab: end scenario-vif
  // xenlab: region scenario-display from 10
  /** Gets a framebuffer and a keyboard before it starts (`vfb = [...]`, `vkb = [...]`). */
  display?: boolean;
  // xenlab: end scenario-display
}

/** Scenarios by the name of the guest that leads them; the leader is the first domain. */
export const SCENARIOS: Readonly<Record<string, readonly ScenarioDomain[]>> = {
  // §4.5: grant-share grants a page to grant-map (ref 8, the first a guest may use).
  'grant-share': [
    { guest: 'grant-share', cmdline: (ids) => `peer=${ids[1]}` },
    { guest: 'grant-map', cmdline: (ids) => `dom=${ids[0]} ref=8` },
  ],
  // xenlab: region scenario-ping from 09
  // §9.2: ping and pong on one bridge; ping ARPs for pong, then pings it three times.
  ping: [
    { guest: 'ping', cmdline: () => 'count=3', vif: true },
    { guest: 'pong', cmdline: () => 'count=3', vif: true },
  ],
  // xenlab: end scenario-ping
  // xenlab: region scenario-fb from 10
  // §10.2: fb alone, with a screen and a keyboard.
  fb: [{ guest: 'fb', cmdline: () => '', display: true }],
  // xenlab: end scenario-fb
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
  // xenlab: region scenario-vif-attach from 09
  scenario.forEach((s, i) => {
    if (s.vif !== true) return;
    network(toolstack.xen, toolstack.xenstored);
    vifAdd(toolstack.xs, domains[i]!.domid, 0);
  });
  // xenlab: end scenario-vif-attach
  // xenlab: region scenario-display-attach from 10
  scenario.forEach((s, i) => {
    if (s.display !== true) return;
    display(toolstack.xen, toolstack.xenstored);
    displayAdd(toolstack.xs, domains[i]!.domid);
  });
  // xenlab: end scenario-display-attach
  for (const d of domains) {
    mapGrantTable(toolstack.xen, d);
    toolstack.start(d);
  }
  return domains;
}
