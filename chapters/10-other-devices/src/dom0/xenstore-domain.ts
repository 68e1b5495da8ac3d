// Your working copy for chapter 10, generated from solutions/dom0/xenstore-domain.ts by npx xenlab stage.
// The toolstack's part in a new domain's XenStore: its store event channel, INTRODUCE, and the
// entries libxl writes for it: book §8.1, §8.3; Xen tools/libs/light/libxl_create.c
// (libxl__domain_make), libxl_dom.c (libxl__build_post), docs/misc/xenstore-paths.pandoc.
//
// Before a guest can talk to xenstored it needs an event channel to domain 0 — a port of its
// own, allocated unbound for domain 0, which domain 0 binds — and xenstored must know the frame
// of its ring. The builder put that frame in start_info.store_mfn and the port's number in
// start_info.store_evtchn, and the toolstack has allocated that port (chapter 07); here domain 0
// binds it, the toolstack writes the domain's home as libxl does, and INTRODUCEs the domain.
// Every step is domain 0's own request: event channels through its device (evtchn.ts), XenStore
// by xs_wire (xenstored/client.ts).

import { PAGE_SIZE } from '../../../../sim/host.ts';
import { START_INFO } from '../xen/abi.ts';
import type { Domain } from '../xen/domain.ts';
import type { Xen } from '../xen/xen.ts';
import { evtchnDevice } from './evtchn.ts';
import type { XsClient } from './xenstored/client.ts';
import { RingTransport } from './xenstored/ring.ts';
import type { Xenstored } from './xenstored/xenstored.ts';

/** How xenstored reaches an introduced guest's ring: its frame, and a send on domain 0's port. */
export function ringConnector(xen: Xen) {
  return (_xs: Xenstored, _domid: number, mfn: number, port: number) =>
    new RingTransport(xen.mem, mfn * PAGE_SIZE, () => evtchnDevice(xen).notify(port));
}

/**
 * Domain 0's xenstored at work between the guests' slices: domains that died are released
 * (as xenstored's domain_cleanup notices on VIRQ_DOM_EXC, and libxl removes their entries),
 * then every guest's ring is served.
 */
export function startXenstored(xen: Xen, xs: Xenstored, dom0: XsClient): void {
  xs.ringConnector = ringConnector(xen);
  xen.dom0Services.push(() => {
    for (const domid of [...xs.domains.keys()]) {
      if (xen.findDomain(domid) === undefined) releaseDomain(dom0, domid);
    }
    xs.serviceRings();
  });
}

/**
 * The entries libxl writes for a new domain, with their permissions (owner first): the home
 * readable by the guest but not writable, the places the guest writes (device/, data/, the
 * answer to control/shutdown) its own, and what the builder decided.
 */
export function domainEntries(
  d: Domain,
  store: { mfn: number; port: number },
  console: { mfn: number; port: number },
) {
  const home = `/local/domain/${d.domid}`;
  const readOnly = ['n0', `r${d.domid}`];
  const guestOwns = [`n${d.domid}`];
  const vm = `/vm/${d.domid}`;
  const kib = (pages: number) => String(pages * (PAGE_SIZE / 1024));
  return {
    nodes: [
      [home, readOnly],
      [vm, readOnly],
      [`${home}/device`, guestOwns],
      [`${home}/control`, readOnly],
      [`${home}/control/shutdown`, guestOwns],
      [`${home}/data`, guestOwns],
    ] as [string, string[]][],
    values: [
      [`${home}/vm`, vm],
      [`${home}/name`, d.name],
      [`${home}/domid`, String(d.domid)],
      [`${home}/memory/static-max`, kib(d.maxPages)],
      [`${home}/memory/target`, kib(d.totPages)],
      [`${home}/store/port`, String(store.port)],
      [`${home}/store/ring-ref`, String(store.mfn)],
      [`${home}/console/port`, String(console.port)],
      [`${home}/console/ring-ref`, String(console.mfn)],
      [`${home}/console/type`, 'xenconsoled'],
      [`${vm}/name`, d.name],
    ] as [string, string][],
  };
}

/**
 * Connects a freshly built domain to XenStore: domain 0 binds the store port the toolstack
 * offered it (`guestPort`, already in start_info), the domain's entries go in in one
 * transaction, and INTRODUCE tells xenstored the ring's frame and domain 0's port.
 */
export function introduceDomain(xen: Xen, dom0: XsClient, d: Domain, guestPort: number): void {
  const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
  const dom0Port = evtchnDevice(xen).bindInterdomain(d.domid, guestPort, () =>
    dom0.xs.serviceRings(),
  );
  const store = { mfn: xen.mem.read32(startInfo + START_INFO.store_mfn), port: guestPort };
  const console = {
    mfn: xen.mem.read32(startInfo + START_INFO.console_domU_mfn),
    port: xen.mem.read32(startInfo + START_INFO.console_domU_evtchn),
  };
  const entries = domainEntries(d, store, console);
  for (;;) {
    const tx = dom0.transactionStart();
    for (const [path, perms] of entries.nodes) {
      dom0.mkdir(path, tx);
      dom0.setPerms(path, perms, tx);
    }
    for (const [path, value] of entries.values) dom0.write(path, value, tx);
    if (dom0.transactionEnd(tx)) break;
  }
  dom0.introduce(d.domid, store.mfn, dom0Port);
}

/** A dead domain leaves XenStore: RELEASE (firing @releaseDomain), then its entries go. */
export function releaseDomain(dom0: XsClient, domid: number): void {
  dom0.release(domid);
  dom0.rm(`/local/domain/${domid}`);
  dom0.rm(`/vm/${domid}`);
}
