// xenlab: file from 07
import { describe, expect, it } from 'vitest';
import { minimalKernel } from '../../chapters/testing/elf.ts';
import { EAX, EBX, ECX, PhysMemory, translateForHost } from '../../sim/host.ts';
import {
  __HYPERVISOR_event_channel_op,
  EVTCHNOP_send,
  SHARED_INFO,
  START_INFO,
  VIRQ_CONSOLE,
} from '../xen/abi.ts';
import { ECS } from '../xen/event-channel.ts';
import { doSoftirq } from '../xen/softirq.ts';
import { handleHostTrap } from '../xen/traps.ts';
import { Xen } from '../xen/xen.ts';
import { evtchnDevice } from './evtchn.ts';
import { Toolstack } from './toolstack.ts';

/** A guest built by the toolstack, and a send from it as its `int $0x82` would make. */
function setup() {
  const xen = new Xen(new PhysMemory(64 << 20));
  const ts = new Toolstack(xen);
  const d = ts.create(minimalKernel(), { name: 'g', memoryMiB: 8, cmdline: '' });
  const v = d.vcpus[0]!;
  const send = (port: number) => {
    const at = 0x20000;
    xen.mem.write32(translateForHost(v.cpu, at, true), port);
    v.cpu.reg32[EAX] = __HYPERVISOR_event_channel_op;
    v.cpu.reg32[EBX] = EVTCHNOP_send;
    v.cpu.reg32[ECX] = at;
    v.cpu.exitSoftware = true;
    v.cpu.exitVector = 0x82;
    handleHostTrap(xen, v);
    return v.cpu.reg32[EAX]! | 0;
  };
  const startInfo = d.p2m[d.startInfoPfn]! * 4096;
  const consolePort = xen.mem.read32(startInfo + START_INFO.console_domU_evtchn);
  const storePort = xen.mem.read32(startInfo + START_INFO.store_evtchn);
  return { xen, d, send, consolePort, storePort, device: evtchnDevice(xen) };
}

describe("domain 0's event-channel device", () => {
  it('the toolstack connects the store and console ports of start_info to domain 0', () => {
    const { d, storePort, consolePort } = setup();
    // XenStore (chapter 08) and the console back end (chapter 06) bound them as d was built.
    for (const port of [storePort, consolePort]) {
      expect(d.evtchn[port]).toMatchObject({ state: ECS.Interdomain, remoteDomid: 0 });
    }
  });

  it('a back end binds a port offered to it; a guest send reaches its listener, and back', () => {
    const { xen, d, send, device } = setup();
    const offered = device.allocUnbound(d.domid, 0);
    const heard: number[] = [];
    const local = device.bindInterdomain(d.domid, offered, (p) => heard.push(p));
    doSoftirq(xen);
    heard.length = 0; // bind_interdomain raises the new port once
    expect(send(offered)).toBe(0);
    expect(heard, 'nothing before Xen’s softirq work runs').toEqual([]);
    doSoftirq(xen);
    expect(heard).toEqual([local]);
    doSoftirq(xen);
    expect(heard, 'one event, one call').toEqual([local]);
    device.notify(local);
    const pending = xen.mem.read32(d.sharedInfoMfn * 4096 + SHARED_INFO.evtchn_pending);
    expect((pending >>> offered) & 1, 'notify raises the guest’s end').toBe(1);
    device.unbind(local);
    expect(d.evtchn[offered]).toMatchObject({ state: ECS.Unbound, remoteDomid: 0 });
  });

  it('errors carry Xen’s errno', () => {
    const { d, device } = setup();
    expect(() => device.bindInterdomain(d.domid, 40, () => {})).toThrow(/EINVAL/);
    expect(device.bindVirq(VIRQ_CONSOLE, () => {})).toBeGreaterThan(0);
    expect(() => device.bindVirq(VIRQ_CONSOLE, () => {})).toThrow(/EEXIST/);
    expect(() => device.notify(40), 'a port domain 0 does not have').toThrow(/EINVAL/);
  });
});
