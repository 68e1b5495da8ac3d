// Your working copy for chapter 10, generated from solutions/dom0/bridge.ts by npx xenlab stage.
// Domain 0's software bridge joining the guests' vifs into one Ethernet segment: book §9.2;
// Linux net/bridge (br_handle_frame, br_fdb_update, br_forward, br_flood), IEEE 802.1D.
//
// A learning switch. Each frame's source address teaches the bridge which port it lives behind
// (the forwarding database); a frame for an address it has learned goes out of that port only,
// and a frame for a group address (broadcast, multicast) or an address not yet seen is flooded
// out of every port but the one it came in by. A frame never goes back where it came from, and
// it crosses byte for byte: the bridge reads the two addresses and changes nothing.

import { ETH_ALEN } from './netif.ts';

/** A port of the bridge: a vif's back end, or anything else that takes frames. */
export interface BridgePort {
  readonly name: string;
  deliver(frame: Uint8Array): void;
}

/** One forwarding decision, for traces (the site's packet view) and tests. */
export interface BridgeEvent {
  from: string;
  to: readonly string[];
  frame: Uint8Array;
}

/** A MAC address as a number (48 bits fit a double exactly), from `frame` at `offset`. */
function macAt(frame: Uint8Array, offset: number): number {
  let mac = 0;
  for (let i = 0; i < ETH_ALEN; i++) mac = mac * 256 + frame[offset + i]!;
  return mac;
}

/** The group bit: the least significant bit of the first byte (broadcast is all ones). */
const isGroup = (frame: Uint8Array, offset: number): boolean => (frame[offset]! & 1) !== 0;

/** "02:00:00:00:00:01" from the 6 bytes at `offset`. */
export function formatMac(frame: Uint8Array, offset = 0): string {
  return Array.from(frame.subarray(offset, offset + ETH_ALEN), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join(':');
}

export class Bridge {
  private readonly ports: BridgePort[] = [];
  /** The forwarding database: a learned address → the port it was last seen behind. */
  private readonly fdb = new Map<number, BridgePort>();
  private readonly taps: ((e: BridgeEvent) => void)[] = [];

  addPort(port: BridgePort): void {
    if (!this.ports.includes(port)) this.ports.push(port);
  }

  /** Removes the port and forgets every address learned behind it (br_fdb_delete_by_port). */
  removePort(port: BridgePort): void {
    const i = this.ports.indexOf(port);
    if (i >= 0) this.ports.splice(i, 1);
    for (const [mac, p] of this.fdb) if (p === port) this.fdb.delete(mac);
  }

  /** Calls `fn` with every forwarding decision. */
  tap(fn: (e: BridgeEvent) => void): void {
    this.taps.push(fn);
  }

  /** The port an address was learned behind, if any. */
  lookup(mac: string): string | undefined {
    const bytes = Uint8Array.from(mac.split(':'), (h) => Number.parseInt(h, 16));
    return this.fdb.get(macAt(bytes, 0))?.name;
  }

  /**
   * br_handle_frame: a frame arrived on `from`. Learn its source (a group address is never a
   * source), then forward it to the destination's port or flood it. Frames shorter than an
   * Ethernet header, or from a port not on the bridge, are dropped.
   */
  input(from: BridgePort, frame: Uint8Array): void {
    if (frame.length < 2 * ETH_ALEN + 2 || !this.ports.includes(from)) return;
    if (!isGroup(frame, ETH_ALEN)) this.fdb.set(macAt(frame, ETH_ALEN), from);
    const known = isGroup(frame, 0) ? undefined : this.fdb.get(macAt(frame, 0));
    const to = known !== undefined ? [known] : this.ports;
    const out = to.filter((p) => p !== from);
    for (const fn of this.taps) fn({ from: from.name, to: out.map((p) => p.name), frame });
    for (const p of out) p.deliver(frame);
  }
}
