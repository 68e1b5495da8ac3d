// xenlab: file from 11
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildGuest } from '../guests/index.ts';
import { SHUTDOWN_poweroff, SHUTDOWN_reboot } from '../xen/abi.ts';
import { minimalKernel } from '../xen/testing/boot.ts';
import { Xen } from '../xen/xen.ts';
import { Toolstack } from './toolstack.ts';
import { checkPowerState, PowerState, powerState, VmError, Vms } from './vms.ts';
import { XsClient } from './xenstored/client.ts';

const guests = asmSourcesUnder(`${import.meta.dirname}/../guests`);
const spin = minimalKernel([0xeb, 0xfe]);

function machine() {
  const xen = new Xen(new PhysMemory(96 << 20));
  return new Vms(new Toolstack(xen));
}

function config(name: string, image: Uint8Array, kernel = name) {
  return { name, kernel, image, memoryMiB: 16, vcpus: 1, cmdline: '' };
}

/** The code and parameters of the VmError `f` throws. */
function refusal(f: () => void): [string, string[]] {
  try {
    f();
  } catch (e) {
    if (e instanceof VmError) return [e.code, e.params];
    throw e;
  }
  throw new Error('no VmError');
}

describe('VMs of the toolstack (book §11.7)', () => {
  it('lists Domain-0 as the running control domain, which cannot be driven', () => {
    const vms = machine();
    const [dom0] = vms.all;
    expect(dom0!.isControlDomain).toBe(true);
    expect(powerState(dom0!)).toBe(PowerState.Running);
    expect(refusal(() => vms.hardShutdown(dom0!))[0]).toBe('OPERATION_NOT_ALLOWED');
  });

  it('walks Halted → Running → Paused → Running → Halted, a new domain per start', () => {
    const vms = machine();
    const vm = vms.define(config('spin', spin));
    expect(powerState(vm)).toBe(PowerState.Halted);
    vms.start(vm);
    const first = vm.domain!.domid;
    expect(powerState(vm)).toBe(PowerState.Running);
    vms.run(100_000);
    vms.pause(vm);
    expect(powerState(vm)).toBe(PowerState.Paused);
    vms.unpause(vm);
    expect(powerState(vm)).toBe(PowerState.Running);
    vms.hardShutdown(vm);
    expect(powerState(vm)).toBe(PowerState.Halted);
    expect(vms.toolstack.list().map((d) => d.domid)).toEqual([0]);
    vms.start(vm, true);
    expect(powerState(vm)).toBe(PowerState.Paused);
    expect(vm.domain!.domid).toBe(first + 1);
    vms.unpause(vm);
    expect(powerState(vm)).toBe(PowerState.Running);
  });

  it('refuses operations in the wrong power state with VM_BAD_POWER_STATE', () => {
    const vms = machine();
    const vm = vms.define(config('spin', spin));
    expect(refusal(() => vms.pause(vm))).toEqual([
      'VM_BAD_POWER_STATE',
      [vm.uuid, 'running', 'halted'],
    ]);
    expect(refusal(() => vms.cleanShutdown(vm))).toEqual([
      'VM_BAD_POWER_STATE',
      [vm.uuid, 'running', 'halted'],
    ]);
    vms.start(vm);
    expect(refusal(() => vms.start(vm))).toEqual([
      'VM_BAD_POWER_STATE',
      [vm.uuid, 'halted', 'running'],
    ]);
    expect(refusal(() => vms.unpause(vm))).toEqual([
      'VM_BAD_POWER_STATE',
      [vm.uuid, 'paused', 'running'],
    ]);
    expect(refusal(() => vms.forget(vm))[0]).toBe('VM_BAD_POWER_STATE');
    expect(refusal(() => vms.define(config('spin', spin)))[0]).toBe('INVALID_VALUE');
  });

  it('reaps a guest that powers off by itself: Halted, its console kept until the next start', () => {
    const vms = machine();
    const vm = vms.define(config('hello', buildGuest('hello.asm', guests)));
    vms.start(vm);
    vms.run(10_000_000);
    expect(powerState(vm)).toBe(PowerState.Halted);
    expect(vm.domain).toBeNull();
    expect(vms.toolstack.list().map((d) => d.domid)).toEqual([0]);
  });

  it('a clean shutdown asks through XenStore; a guest that does not watch it times out and keeps running', () => {
    const vms = machine();
    const vm = vms.define(config('spin', spin));
    vms.start(vm);
    const [code, params] = refusal(() => vms.cleanShutdown(vm, 1e6));
    expect(code).toBe('VM_SHUTDOWN_TIMEOUT');
    expect(params[0]).toBe(vm.uuid);
    expect(vms.toolstack.xs.read(`/local/domain/${vm.domain!.domid}/control/shutdown`)).toBe(
      'poweroff',
    );
    expect(powerState(vm)).toBe(PowerState.Running);
  });

  it('a domain that asked to reboot is replaced by a new one of the same VM', () => {
    const vms = machine();
    const vm = vms.define(config('spin', spin));
    vms.start(vm);
    const before = vm.domain!;
    vms.toolstack.xen.shutdownDomain(before, SHUTDOWN_reboot);
    expect(vms.reap()).toEqual([vm]);
    expect(before.destroyed).toBe(true);
    expect(vm.domain!.domid).toBe(before.domid + 1);
    expect(powerState(vm)).toBe(PowerState.Running);
  });

  it('a kernel that does not build leaves the VM Halted with BOOTLOADER_FAILED', () => {
    const vms = machine();
    const vm = vms.define(config('junk', new Uint8Array(64)));
    expect(refusal(() => vms.start(vm))[0]).toBe('BOOTLOADER_FAILED');
    expect(powerState(vm)).toBe(PowerState.Halted);
  });

  it('checks power states before any operation: every state against every allowed set', () => {
    const vms = machine();
    const vm = vms.define(config('spin', spin));
    const states: [PowerState, () => void][] = [
      [PowerState.Halted, () => {}],
      [PowerState.Running, () => vms.start(vm)],
      [PowerState.Paused, () => vms.pause(vm)],
    ];
    for (const [state, reach] of states) {
      reach();
      expect(powerState(vm)).toBe(state);
      for (const allowed of [
        [PowerState.Halted],
        [PowerState.Running, PowerState.Paused],
        [PowerState.Paused],
      ]) {
        const check = () => checkPowerState(vm, allowed);
        if (allowed.includes(state)) expect(check).not.toThrow();
        else
          expect(refusal(check)).toEqual([
            'VM_BAD_POWER_STATE',
            [vm.uuid, allowed[0]!.toLowerCase(), state.toLowerCase()],
          ]);
      }
    }
    expect(refusal(() => checkPowerState(vms.all[0]!, [PowerState.Running]))[0]).toBe(
      'OPERATION_NOT_ALLOWED',
    );
  });

  it('a guest that watches control/shutdown is shut down cleanly, or rebooted into a new domain', () => {
    const vms = machine();
    const vm = vms.define(config('spin', spin));
    vms.start(vm);
    cooperate(vms, vm.domain!.domid);
    vms.cleanReboot(vm);
    const second = vm.domain!;
    expect(second.domid).toBe(2);
    expect(powerState(vm)).toBe(PowerState.Running);
    cooperate(vms, second.domid);
    vms.cleanShutdown(vm);
    expect(powerState(vm)).toBe(PowerState.Halted);
    expect(second.destroyed).toBe(true);
  });
});

/**
 * Plays a PV guest's part (Linux's drivers/xen/manage.c): the guest's own XenStore connection
 * watches control/shutdown and, when the toolstack writes an action there, the domain shuts
 * down with that reason. It runs as one of domain 0's services, between the guests' slices.
 */
function cooperate(vms: Vms, domid: number) {
  const xen = vms.toolstack.xen;
  const guest = new XsClient(vms.toolstack.xenstored, domid);
  const path = `/local/domain/${domid}/control/shutdown`;
  guest.watch(path, 'shutdown');
  xen.dom0Services.push(() => {
    if (guest.events.splice(0).length === 0) return;
    let action = '';
    try {
      action = guest.read(path);
    } catch {
      return;
    }
    const reason = { poweroff: SHUTDOWN_poweroff, reboot: SHUTDOWN_reboot }[action];
    const d = xen.findDomain(domid);
    if (reason !== undefined && d !== undefined) xen.shutdownDomain(d, reason);
  });
}
