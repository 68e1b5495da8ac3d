// The VMs a toolstack owns: each a record that outlives its domains (defined, started, paused,
// shut down, rebooted, destroyed), with the power states the Xen API reports: book §11.2,
// §11.7; Xen tools/libs/light (libxl_domain_shutdown, libxl_domain_reboot), xapi's VM
// lifecycle (xapi_vm_lifecycle.ml: the power states each operation allows).
// xenlab: file from 11
//
// A domain is one run of a VM. The VM keeps its configuration and identity (uuid) across runs;
// Domain-0 is the control domain, listed but never driven. Power states are derived from the
// current domain, as the domain's own state is derived from its fields:
//
//   Halted ──start──▶ Running ⇄ Paused          (pause / unpause)
//     ▲                 │
//     └──── shutdown ───┘   (clean: the guest is asked through XenStore; hard: destroyed)
//
// A domain that shuts down by itself is reaped: poweroff, crash, watchdog and suspend leave the
// VM Halted (on_poweroff = on_crash = destroy); reboot starts a new domain (on_reboot = restart).

import { Prng } from '../../sim/host.ts';
import { SHUTDOWN_reboot } from '../xen/abi.ts';
import { type Domain, DomainState } from '../xen/domain.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { getSTime } from '../xen/time.ts';
import type { Toolstack } from './toolstack.ts';

export enum PowerState {
  Halted = 'Halted',
  Paused = 'Paused',
  Running = 'Running',
  Suspended = 'Suspended',
}

/** What a VM is built from: xl's domain config, reduced to what our PV guests use. */
export interface VmConfig {
  name: string;
  /** Where the kernel came from (a guest's name or a file): what the API shows as PV_kernel. */
  kernel: string;
  image: Uint8Array;
  memoryMiB: number;
  vcpus: number;
  /** The kernel command line (xl's `extra`, the API's PV_args). */
  cmdline: string;
}

export interface Vm {
  readonly uuid: string;
  config: VmConfig;
  /** The domain of the current run; null while Halted. */
  domain: Domain | null;
  readonly isControlDomain: boolean;
  /** System time (ns) the current run started at; 0 while Halted. */
  startTime: number;
  /** What the last run wrote to its console, kept once its domain is gone. */
  lastConsole: string;
}

/**
 * A refused operation, named as the Xen API names it (VM_BAD_POWER_STATE, …): `params` are the
 * error's parameters after the code, as ErrorDescription carries them.
 */
export class VmError extends Error {
  readonly code: string;
  readonly params: string[];

  constructor(code: string, params: string[], message: string) {
    super(message);
    this.code = code;
    this.params = params;
  }
}

/**
 * How long (virtual time) a clean shutdown waits for the guest. xapi waits up to 20 minutes of
 * wall time; a guest here answers within microseconds of virtual time, and each virtual second
 * costs seconds of the host's, so the wait is 10 ms.
 */
export const CLEAN_SHUTDOWN_TIMEOUT_NS = 10e6;
/** Guest instructions run at a time while waiting for a guest. */
const WAIT_SLICE = 1_000_000;

/** A VM's power state, from its current domain. */
export function powerState(vm: Vm): PowerState {
  const d = vm.domain;
  if (d === null || d.destroyed || d.dying) return PowerState.Halted;
  switch (d.state) {
    case DomainState.Created:
    case DomainState.Paused:
      return PowerState.Paused;
    default:
      return PowerState.Running;
  }
}

/** A version-4 uuid (8-4-4-4-12 hex) from the seeded generator: deterministic, distinct. */
function makeUuid(prng: Prng): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += prng.nextU32().toString(16).padStart(8, '0');
  hex = `${hex.slice(0, 12)}4${hex.slice(13, 16)}8${hex.slice(17)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Vms {
  readonly toolstack: Toolstack;
  readonly all: Vm[] = [];
  private readonly prng: Prng;

  constructor(toolstack: Toolstack, seed = 1) {
    this.toolstack = toolstack;
    this.prng = new Prng(seed);
    const dom0 = toolstack.xen.dom0Vcpu.domain;
    this.all.push({
      uuid: this.nextUuid(),
      config: {
        name: 'Domain-0',
        kernel: '',
        image: new Uint8Array(),
        memoryMiB: 0,
        vcpus: 1,
        cmdline: '',
      },
      domain: dom0,
      isControlDomain: true,
      startTime: 0,
      lastConsole: '',
    });
  }

  nextUuid(): string {
    return makeUuid(this.prng);
  }

  /** A new VM, Halted (the API's VM.create; `xl create` defines and starts in one go). */
  define(config: VmConfig): Vm {
    if (this.byName(config.name) !== undefined)
      throw new VmError(
        'INVALID_VALUE',
        ['name_label', config.name],
        `a VM is already named ${config.name}`,
      );
    const vm: Vm = {
      uuid: this.nextUuid(),
      config,
      domain: null,
      isControlDomain: false,
      startTime: 0,
      lastConsole: '',
    };
    this.all.push(vm);
    return vm;
  }

  byName(name: string): Vm | undefined {
    return this.all.find((vm) => vm.config.name === name);
  }

  /** Builds a domain for a Halted VM and lets it run (or leaves it Paused). */
  start(vm: Vm, paused = false): void {
    this.expect(vm, [PowerState.Halted]);
    const { name, image, memoryMiB, vcpus, cmdline } = vm.config;
    let d: Domain;
    try {
      d = this.toolstack.create(image, { name, memoryMiB, vcpus, cmdline });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new VmError('BOOTLOADER_FAILED', [vm.uuid, why], `cannot build ${name}: ${why}`);
    }
    vm.domain = d;
    vm.startTime = getSTime(this.toolstack.xen.time);
    if (!paused) this.toolstack.start(d);
  }

  pause(vm: Vm): void {
    this.expect(vm, [PowerState.Running]);
    this.toolstack.pause(vm.domain!);
  }

  unpause(vm: Vm): void {
    this.expect(vm, [PowerState.Paused]);
    const d = vm.domain!;
    if (d.state === DomainState.Created) this.toolstack.start(d);
    else this.toolstack.unpause(d);
  }

  /** Destroys the domain at once: the VM is Halted (xl destroy, VM.hard_shutdown). */
  hardShutdown(vm: Vm): void {
    this.expect(vm, [PowerState.Running, PowerState.Paused]);
    this.teardown(vm);
  }

  /**
   * Asks the guest to stop (control/shutdown in XenStore, which a PV guest watches) and gives it
   * `timeoutNs` of virtual time to do so. Throws VM_SHUTDOWN_TIMEOUT if it did not; the domain
   * then keeps running, as in xapi.
   */
  cleanShutdown(vm: Vm, timeoutNs = CLEAN_SHUTDOWN_TIMEOUT_NS): void {
    this.expect(vm, [PowerState.Running]);
    this.requestShutdown(vm, 'poweroff', timeoutNs);
    this.reap();
  }

  /** Like cleanShutdown with "reboot": the guest stops, a new domain starts (on_reboot). */
  cleanReboot(vm: Vm, timeoutNs = CLEAN_SHUTDOWN_TIMEOUT_NS): void {
    this.expect(vm, [PowerState.Running]);
    this.requestShutdown(vm, 'reboot', timeoutNs);
    this.reap();
  }

  /** Destroys the domain and starts a new one from the same config. */
  hardReboot(vm: Vm): void {
    this.hardShutdown(vm);
    this.start(vm);
  }

  /**
   * Asks a running VM to use `kib` of memory (xl mem-set): XenStore's memory/target, which its
   * balloon driver watches. Xen enforces only the maximum.
   */
  setMemoryTarget(vm: Vm, kib: number): void {
    this.expect(vm, [PowerState.Running, PowerState.Paused]);
    if (kib <= 0 || kib > vm.domain!.maxPages * 4)
      throw new VmError(
        'INVALID_VALUE',
        ['memory_target', String(kib * 1024)],
        `${kib} KiB is not within 1 KiB and the VM's maximum`,
      );
    this.toolstack.setMemoryTarget(vm.domain!, kib);
  }

  /** The memory target (KiB) in XenStore of the VM's domain, 0 if it has none. */
  memoryTargetKiB(vm: Vm): number {
    if (vm.domain === null || vm.domain.destroyed) return 0;
    try {
      return Number(this.toolstack.xs.read(`/local/domain/${vm.domain.domid}/memory/target`));
    } catch {
      return 0;
    }
  }

  /** Forgets a Halted VM (VM.destroy). */
  forget(vm: Vm): void {
    this.expect(vm, [PowerState.Halted]);
    this.all.splice(this.all.indexOf(vm), 1);
  }

  /** Everything the VM's current domain (or, Halted, its last one) wrote to its console. */
  console(vm: Vm): string {
    return vm.domain === null ? vm.lastConsole : this.toolstack.console(vm.domain);
  }

  /** Text typed at the VM's console (`xl console`); nothing while Halted. */
  type(vm: Vm, text: string): void {
    if (vm.domain !== null && !vm.isControlDomain) this.toolstack.type(vm.domain, text);
  }

  /** Runs the machine for up to `fuel` instructions, then reaps what shut down. */
  run(fuel: number): RunOutcome {
    const outcome = runDomains(this.toolstack.xen, fuel).outcome;
    this.reap();
    return outcome;
  }

  /**
   * Acts on domains that shut down by themselves: destroyed, and restarted if they asked to
   * reboot. Returns the VMs whose domain changed.
   */
  reap(): Vm[] {
    const changed: Vm[] = [];
    for (const vm of this.all) {
      const d = vm.domain;
      if (vm.isControlDomain || d === null || d.state !== DomainState.Shutdown) continue;
      const reboot = d.shutdownReason === SHUTDOWN_reboot;
      this.teardown(vm);
      if (reboot) this.start(vm);
      changed.push(vm);
    }
    return changed;
  }

  /** Destroys the VM's domain, keeping what it wrote to its console. */
  private teardown(vm: Vm): void {
    vm.lastConsole = this.toolstack.console(vm.domain!);
    this.toolstack.destroy(vm.domain!);
    vm.domain = null;
    vm.startTime = 0;
  }

  private requestShutdown(vm: Vm, action: 'poweroff' | 'reboot', timeoutNs: number): void {
    const d = vm.domain!;
    const xen = this.toolstack.xen;
    this.toolstack.xs.write(`/local/domain/${d.domid}/control/shutdown`, action);
    const deadline = getSTime(xen.time) + timeoutNs;
    while (d.state !== DomainState.Shutdown && getSTime(xen.time) < deadline) {
      const outcome = runDomains(xen, WAIT_SLICE).outcome;
      if (outcome !== RunOutcome.FuelExhausted) break;
    }
    if (d.state !== DomainState.Shutdown) {
      throw new VmError(
        'VM_SHUTDOWN_TIMEOUT',
        [vm.uuid, String(timeoutNs / 1e9)],
        `${vm.config.name} did not shut down when asked (control/shutdown = ${action}): its ` +
          'kernel does not watch control/shutdown; a hard shutdown destroys it (book §11.7)',
      );
    }
  }

  private expect(vm: Vm, allowed: PowerState[]): void {
    checkPowerState(vm, allowed);
  }
}

// xenlab: region vm-power-check from 11
/**
 * Throws unless `vm` may be driven from its power state: OPERATION_NOT_ALLOWED for Domain-0
 * (the control domain is never started, paused or shut down), VM_BAD_POWER_STATE [vm uuid,
 * the first allowed state, the actual one], both lower case, when not in one of `allowed`.
 */
export function checkPowerState(vm: Vm, allowed: readonly PowerState[]): void {
  // xenlab: exercise 11-power-state
  if (vm.isControlDomain)
    throw new VmError(
      'OPERATION_NOT_ALLOWED',
      ['the control domain cannot be driven'],
      'Domain-0 is the control domain: it cannot be started, paused or shut down',
    );
  const actual = powerState(vm);
  if (!allowed.includes(actual)) {
    throw new VmError(
      'VM_BAD_POWER_STATE',
      [vm.uuid, allowed[0]!.toLowerCase(), actual.toLowerCase()],
      `${vm.config.name} is ${actual}; this needs it ${allowed.join(' or ')} (book §11.7)`,
    );
  }
  // xenlab: end 11-power-state
}
// xenlab: end vm-power-check
