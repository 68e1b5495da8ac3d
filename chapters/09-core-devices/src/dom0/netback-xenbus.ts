// Your working copy for chapter 09, generated from solutions/dom0/netback-xenbus.ts by npx xenlab stage.
// Domain 0's network: netback as XenBus's driver for vifs, the bridge every vif joins, and the
// toolstack's `xl network-attach`: book §9.2; Linux drivers/net/xen-netback/xenbus.c
// (netback_probe, connect, read_xenbus_vif_flags), Xen tools/libs/light/libxl_nic.c,
// docs/misc/xenstore-paths.pandoc, docs/xen-abi.md §12.2.
//
// The toolstack writes a vif's two directories; the generic back end (xenbus.ts) finds the
// device, lets netback say what it offers (feature-rx-copy), and once the front end is
// Connected asks netback to connect: read the rings' grant refs and the event channel the front
// end published, map and bind them, and put the vif on the bridge. A front end that publishes
// something unusable gets the reason in the back end's `error` node, and no vif.

import type { Xen } from '../xen/xen.ts';
import { Bridge } from './bridge.ts';
import { Vif } from './netback.ts';
import { type BackendDriver, deviceAdd, frontNumber, XenbusBackend } from './xenbus.ts';
import { XsClient } from './xenstored/client.ts';
import type { Xenstored } from './xenstored/xenstored.ts';

/** The name of the one bridge, as libxl's default. */
export const BRIDGE_NAME = 'xenbr0';

/** netback's XenBus driver: every vif it connects joins `bridge`. */
export function netbackDriver(xen: Xen, bridge: Bridge): BackendDriver<Vif> {
  return {
    type: 'vif',
    probe(xs, dev) {
      xs.write(`${dev.backend}/feature-rx-copy`, '1');
      xs.write(`${dev.backend}/feature-rx-flip`, '0');
    },
    connect(xs, dev) {
      const tx = frontNumber(xs, dev, 'tx-ring-ref');
      const rx = frontNumber(xs, dev, 'rx-ring-ref');
      const port = frontNumber(xs, dev, 'event-channel');
      for (const v of [tx, rx, port]) if (typeof v === 'string') return v;
      if (xs.tryRead(`${dev.frontend}/request-rx-copy`) !== '1') {
        return 'the front end does not request rx-copy, the only receive mode offered';
      }
      const vif = new Vif(xen, dev.id.domid, dev.id.devid);
      const why = vif.connect({
        txRingRef: tx as number,
        rxRingRef: rx as number,
        eventChannel: port as number,
      });
      if (why !== null) return why;
      vif.output = (from, frame) => bridge.input(from, frame);
      bridge.addPort(vif);
      return vif;
    },
    disconnect(vif) {
      bridge.removePort(vif);
      vif.disconnect();
    },
  };
}

/** Domain 0's network on one Xen: the bridge, and netback's back end polled between slices. */
export interface Network {
  bridge: Bridge;
  backend: XenbusBackend<Vif>;
}

const networks = new WeakMap<Xen, Network>();

/** Starts domain 0's network on `xen` the first time; netback has its own XenStore connection. */
export function network(xen: Xen, xenstored: Xenstored): Network {
  let net = networks.get(xen);
  if (net === undefined) {
    const bridge = new Bridge();
    const backend = new XenbusBackend(new XsClient(xenstored), netbackDriver(xen, bridge));
    xen.dom0Services.push(() => backend.poll());
    net = { bridge, backend };
    networks.set(xen, net);
  }
  return net;
}

/** The MAC a vif gets: Xen's OUI 00:16:3e, then the domain and the vif's number. */
export function vifMac(domid: number, devid: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `00:16:3e:${hex((domid >> 8) & 0xff)}:${hex(domid & 0xff)}:${hex(devid & 0xff)}`;
}

/** `xl network-attach`: vif `devid` of domain `domid`, both directories as libxl writes them. */
export function vifAdd(
  xs: XsClient,
  domid: number,
  devid: number,
  mac = vifMac(domid, devid),
): void {
  const common: [string, string][] = [
    ['handle', String(devid)],
    ['mac', mac],
  ];
  deviceAdd(xs, { type: 'vif', domid, devid, backendDomid: 0 }, common, [
    ...common,
    ['bridge', BRIDGE_NAME],
    ['type', 'vif'],
  ]);
}
