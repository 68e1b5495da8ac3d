// Your working copy for chapter 10, generated from solutions/xen/softirq.ts by npx xenlab stage.
// Xen's deferred work between guest instructions: timers that came due, and domain 0's
// services taking their events: book §7.7; Xen xen/common/softirq.c (do_softirq), timer.c.
//
// The scheduler runs this before choosing a vCPU and after every exit to Xen. Domain 0's
// services are TypeScript on a vCPU that never runs instructions (dom0.ts); the upcall a
// guest's vCPU takes on its way back to the guest, domain 0's takes here, as a call of the
// handler its event-channel device registered (callback.ts).

import { runTypeScriptUpcall } from './callback.ts';
import { timerSoftirq } from './timer.ts';
import type { Xen } from './xen.ts';

export function doSoftirq(xen: Xen): void {
  timerSoftirq(xen);
  const dom0 = xen.findDomain(0);
  for (const v of dom0?.vcpus ?? []) runTypeScriptUpcall(xen, v);
}
