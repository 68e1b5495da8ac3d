// The Xen API's classes as records over the toolstack's VMs: pool, host, VM, VM_metrics,
// console, VBD, VIF, each object named by an opaque reference: book §11.3, §11.7; xapi’s data
// model (ocaml/idl/datamodel.ml: the classes’ fields and their types).
// xenlab: file from 11
//
// A class is data: its fields in order, the objects it has now, and one object's record. The
// generic calls (get_all, get_all_records, get_record, get_by_uuid, get_<field>) are made from
// these tables by methods.ts. VBD and VIF read the devices the toolstack attached from their
// XenStore directories, as xapi learns a device's state from xenstored.

import { PAGE_SIZE } from '../../../sim/host.ts';
import { scaleDelta } from '../../xen/time.ts';
import { PowerState, powerState, type Vm, type Vms } from '../vms.ts';
import { ApiDateTime, type ApiMap, NULL_REF, XapiFailure } from './values.ts';

/** What the classes see: the VMs, the references, and where consoles are served. */
export interface XapiContext {
  vms: Vms;
  refs: Refs;
  /** Prefix of a console's location (the server's URL, e.g. http://127.0.0.1:8080). */
  consoleBase: string;
  /** The kernel image a VM.create's PV_kernel names, if the server knows it. */
  kernel(name: string): Uint8Array | undefined;
}

export interface XapiClass {
  /** The class's name as calls spell it (VM, VM_metrics); events use it in lower case. */
  name: string;
  fields: readonly string[];
  /** Ids of the objects that exist now. */
  ids(ctx: XapiContext): string[];
  record(ctx: XapiContext, id: string): ApiMap;
}

/**
 * Opaque references and uuids, one pair per object (class and id), made once and kept: a ref
 * stays valid as long as its object exists.
 */
export class Refs {
  private readonly byKey = new Map<string, { ref: string; uuid: string }>();
  private readonly byRef = new Map<string, { cls: string; id: string }>();
  private readonly newUuid: () => string;

  constructor(newUuid: () => string) {
    this.newUuid = newUuid;
  }

  ref(cls: string, id: string): string {
    return this.entry(cls, id).ref;
  }

  uuid(cls: string, id: string): string {
    return this.entry(cls, id).uuid;
  }

  /** The object of class `cls` that `ref` names, if it exists now; HANDLE_INVALID if not. */
  resolve(ctx: XapiContext, cls: XapiClass, ref: string): string {
    const found = this.byRef.get(ref);
    if (found === undefined || found.cls !== cls.name || !cls.ids(ctx).includes(found.id))
      throw new XapiFailure('HANDLE_INVALID', [cls.name, ref]);
    return found.id;
  }

  private entry(cls: string, id: string) {
    const key = `${cls}/${id}`;
    let e = this.byKey.get(key);
    if (e === undefined) {
      const uuid = cls === 'VM' ? id : this.newUuid();
      e = { ref: `OpaqueRef:${this.newUuid()}`, uuid };
      this.byKey.set(key, e);
      this.byRef.set(e.ref, { cls, id });
    }
    return e;
  }
}

const MiB = 1024n * 1024n;

function vmById(ctx: XapiContext, id: string): Vm {
  return ctx.vms.all.find((vm) => vm.uuid === id)!;
}

/** Seconds of virtual time since the machine booted, as a datetime from 1970. */
function virtualDate(ctx: XapiContext, ns: number): ApiDateTime {
  const time = ctx.vms.toolstack.xen.time;
  return new ApiDateTime(time.wcSec + ns / 1e9);
}

/** What a VM in its power state allows (the API's allowed_operations). */
const ALLOWED: Record<PowerState, string[]> = {
  [PowerState.Halted]: ['start', 'destroy'],
  [PowerState.Running]: ['pause', 'clean_shutdown', 'hard_shutdown', 'clean_reboot', 'hard_reboot'],
  [PowerState.Paused]: ['unpause', 'hard_shutdown'],
  [PowerState.Suspended]: ['hard_shutdown'],
};

export const POOL: XapiClass = {
  name: 'pool',
  fields: ['uuid', 'name_label', 'name_description', 'master', 'default_SR', 'other_config'],
  ids: () => ['pool'],
  record: (ctx) => ({
    uuid: ctx.refs.uuid('pool', 'pool'),
    name_label: '',
    name_description: '',
    master: ctx.refs.ref('host', 'host'),
    default_SR: NULL_REF,
    other_config: {},
  }),
};

export const API_VERSION = { major: 2n, minor: 21n };

export const HOST: XapiClass = {
  name: 'host',
  fields: [
    'uuid',
    'name_label',
    'name_description',
    'hostname',
    'address',
    'enabled',
    'API_version_major',
    'API_version_minor',
    'API_version_vendor',
    'software_version',
    'resident_VMs',
    'control_domain',
    'metrics',
    'memory_overhead',
    'other_config',
  ],
  ids: () => ['host'],
  record: (ctx) => ({
    uuid: ctx.refs.uuid('host', 'host'),
    name_label: 'xenlab',
    name_description: 'the emulated machine of xenlab',
    hostname: 'xenlab',
    address: '127.0.0.1',
    enabled: true,
    API_version_major: API_VERSION.major,
    API_version_minor: API_VERSION.minor,
    API_version_vendor: 'XenSource',
    software_version: { product_brand: 'xenlab', platform_name: 'Xen', xen: '4.19' },
    resident_VMs: ctx.vms.all
      .filter((vm) => powerState(vm) !== PowerState.Halted)
      .map((vm) => ctx.refs.ref('VM', vm.uuid)),
    control_domain: ctx.refs.ref('VM', ctx.vms.all[0]!.uuid),
    metrics: ctx.refs.ref('host_metrics', 'host'),
    memory_overhead: 0n,
    other_config: {},
  }),
};

export const VM: XapiClass = {
  name: 'VM',
  fields: [
    'uuid',
    'name_label',
    'name_description',
    'power_state',
    'allowed_operations',
    'current_operations',
    'is_a_template',
    'is_a_snapshot',
    'is_control_domain',
    'domid',
    'resident_on',
    'memory_static_max',
    'memory_dynamic_max',
    'memory_dynamic_min',
    'memory_static_min',
    'memory_target',
    'VCPUs_max',
    'VCPUs_at_startup',
    'actions_after_shutdown',
    'actions_after_reboot',
    'actions_after_crash',
    'PV_kernel',
    'PV_ramdisk',
    'PV_args',
    'PV_bootloader',
    'metrics',
    'consoles',
    'VBDs',
    'VIFs',
    'other_config',
  ],
  ids: (ctx) => ctx.vms.all.map((vm) => vm.uuid),
  // xenlab: region xapi-vm-record from 11
  record(ctx, id) {
    // xenlab: exercise 11-vm-record
    const vm = vmById(ctx, id);
    const state = powerState(vm);
    const d = state === PowerState.Halted ? null : vm.domain;
    const memory = d === null ? BigInt(vm.config.memoryMiB) * MiB : BigInt(d.maxPages * PAGE_SIZE);
    return {
      uuid: vm.uuid,
      name_label: vm.config.name,
      name_description: '',
      power_state: state,
      allowed_operations: vm.isControlDomain ? [] : ALLOWED[state],
      current_operations: {},
      is_a_template: false,
      is_a_snapshot: false,
      is_control_domain: vm.isControlDomain,
      domid: BigInt(d === null ? -1 : d.domid),
      resident_on: d === null ? NULL_REF : ctx.refs.ref('host', 'host'),
      memory_static_max: memory,
      memory_dynamic_max: memory,
      memory_dynamic_min: memory,
      memory_static_min: 0n,
      memory_target: d === null ? 0n : BigInt(ctx.vms.memoryTargetKiB(vm)) * 1024n,
      VCPUs_max: BigInt(vm.config.vcpus),
      VCPUs_at_startup: BigInt(vm.config.vcpus),
      actions_after_shutdown: 'destroy',
      actions_after_reboot: 'restart',
      actions_after_crash: 'destroy',
      PV_kernel: vm.config.kernel,
      PV_ramdisk: '',
      PV_args: vm.config.cmdline,
      PV_bootloader: '',
      metrics: ctx.refs.ref('VM_metrics', id),
      consoles: vm.isControlDomain ? [] : [ctx.refs.ref('console', id)],
      VBDs: VBD.ids(ctx)
        .filter((dev) => dev.startsWith(`${id}/`))
        .map((dev) => ctx.refs.ref('VBD', dev)),
      VIFs: VIF.ids(ctx)
        .filter((dev) => dev.startsWith(`${id}/`))
        .map((dev) => ctx.refs.ref('VIF', dev)),
      other_config: {},
    };
    // xenlab: end 11-vm-record
  },
  // xenlab: end xapi-vm-record
};

/** A vCPU's flags as VM_metrics.VCPUs_flags shows them (xl's r, b, p). */
function vcpuFlags(running: boolean, v: { online: boolean; blocked: boolean }): string[] {
  if (!v.online) return ['offline'];
  return ['online', v.blocked ? 'blocked' : running ? 'running' : 'paused'];
}

export const VM_METRICS: XapiClass = {
  name: 'VM_metrics',
  fields: [
    'uuid',
    'memory_actual',
    'VCPUs_number',
    'VCPUs_utilisation',
    'VCPUs_CPU',
    'VCPUs_flags',
    'state',
    'start_time',
    'other_config',
  ],
  ids: (ctx) => ctx.vms.all.map((vm) => vm.uuid),
  record(ctx, id) {
    const vm = vmById(ctx, id);
    const d = powerState(vm) === PowerState.Halted ? null : vm.domain;
    const vcpus = d?.vcpus ?? [];
    const running = powerState(vm) === PowerState.Running;
    const scale = ctx.vms.toolstack.xen.time.scale;
    const seconds = vcpus.reduce((ns, v) => ns + scaleDelta(v.cpu.instructions, scale), 0) / 1e9;
    return {
      uuid: ctx.refs.uuid('VM_metrics', id),
      memory_actual: BigInt(d === null ? 0 : d.totPages * PAGE_SIZE),
      VCPUs_number: BigInt(vcpus.length),
      VCPUs_utilisation: {},
      // One physical CPU: every vCPU runs on CPU 0.
      VCPUs_CPU: Object.fromEntries(vcpus.map((v) => [String(v.id), 0n])),
      VCPUs_flags: Object.fromEntries(
        // Domain 0's vCPU is running: it is answering this call.
        vcpus.map((v) => [
          String(v.id),
          vm.isControlDomain ? ['online', 'running'] : vcpuFlags(running, v),
        ]),
      ),
      state: d === null ? [] : [d.state],
      start_time: virtualDate(ctx, vm.startTime),
      // Not a field of xapi's: the CPU time the VM's vCPUs used, which xl list shows.
      other_config: { cpu_time: seconds.toFixed(3) },
    };
  },
};

export const HOST_METRICS: XapiClass = {
  name: 'host_metrics',
  fields: ['uuid', 'memory_total', 'memory_free', 'live', 'other_config'],
  ids: () => ['host'],
  record: (ctx) => {
    const xen = ctx.vms.toolstack.xen;
    return {
      uuid: ctx.refs.uuid('host_metrics', 'host'),
      memory_total: BigInt(xen.mem.frames * PAGE_SIZE),
      memory_free: BigInt(xen.heap.free * PAGE_SIZE),
      live: true,
      other_config: {},
    };
  },
};

export const CONSOLE: XapiClass = {
  name: 'console',
  fields: ['uuid', 'protocol', 'location', 'VM', 'other_config'],
  ids: (ctx) => ctx.vms.all.filter((vm) => !vm.isControlDomain).map((vm) => vm.uuid),
  record: (ctx, id) => {
    const ref = ctx.refs.ref('console', id);
    return {
      uuid: ctx.refs.uuid('console', id),
      protocol: 'vt100',
      location: `${ctx.consoleBase}/console?ref=${ref}`,
      VM: ctx.refs.ref('VM', id),
      other_config: {},
    };
  },
};

/** A XenStore value, or `fallback` when the node is not there. */
function xsRead(ctx: XapiContext, path: string, fallback = ''): string {
  try {
    return ctx.vms.toolstack.xs.read(path);
  } catch {
    return fallback;
  }
}

/** The devices of `kind` ("vbd", "vif") of every running VM, as `uuid/devid` ids. */
function deviceIds(ctx: XapiContext, kind: string): string[] {
  const ids: string[] = [];
  for (const vm of ctx.vms.all) {
    const d = vm.domain;
    if (vm.isControlDomain || d === null || d.destroyed) continue;
    let devids: string[] = [];
    try {
      devids = ctx.vms.toolstack.xs.directory(`/local/domain/${d.domid}/device/${kind}`);
    } catch {
      // No device of this kind.
    }
    for (const devid of devids) ids.push(`${vm.uuid}/${devid}`);
  }
  return ids;
}

/** A device's two XenStore directories (front end's, back end's), from its id. */
function deviceDirs(ctx: XapiContext, kind: string, id: string) {
  const [uuid = '', devid = ''] = id.split('/');
  const domid = vmById(ctx, uuid).domain!.domid;
  const front = `/local/domain/${domid}/device/${kind}/${devid}`;
  return { uuid, devid, front, back: xsRead(ctx, `${front}/backend`) };
}

/** XenbusStateConnected: both ends are up (io/xenbus.h). */
const XENBUS_CONNECTED = '4';

/** A VM's virtual disks: the vbds the toolstack attached, as their XenStore entries say. */
export const VBD: XapiClass = {
  name: 'VBD',
  fields: ['uuid', 'VM', 'VDI', 'device', 'userdevice', 'mode', 'type', 'currently_attached'],
  ids: (ctx) => deviceIds(ctx, 'vbd'),
  record(ctx, id) {
    const { uuid, devid, front, back } = deviceDirs(ctx, 'vbd', id);
    const dev = xsRead(ctx, `${back}/dev`);
    // The disk's position (xvda 0, xvdb 1, …); the device number for other names.
    const letter = /^xvd([a-z])$/.exec(dev);
    return {
      uuid: ctx.refs.uuid('VBD', id),
      VM: ctx.refs.ref('VM', uuid),
      VDI: NULL_REF,
      device: dev,
      userdevice: letter === null ? devid : String(letter[1]!.charCodeAt(0) - 97),
      mode: xsRead(ctx, `${back}/mode`) === 'r' ? 'RO' : 'RW',
      type: xsRead(ctx, `${front}/device-type`) === 'cdrom' ? 'CD' : 'Disk',
      currently_attached: xsRead(ctx, `${back}/state`) === XENBUS_CONNECTED,
    };
  },
};

/** A VM's virtual network interfaces: the vifs the toolstack attached. */
export const VIF: XapiClass = {
  name: 'VIF',
  fields: ['uuid', 'VM', 'network', 'device', 'MAC', 'MTU', 'currently_attached'],
  ids: (ctx) => deviceIds(ctx, 'vif'),
  record(ctx, id) {
    const { uuid, devid, back } = deviceDirs(ctx, 'vif', id);
    return {
      uuid: ctx.refs.uuid('VIF', id),
      VM: ctx.refs.ref('VM', uuid),
      network: NULL_REF,
      device: devid,
      MAC: xsRead(ctx, `${back}/mac`),
      MTU: 1500n,
      currently_attached: xsRead(ctx, `${back}/state`) === XENBUS_CONNECTED,
    };
  },
};

/** Every class a client can list, as system.listMethods and event.from see them. */
export const CLASSES: readonly XapiClass[] = [
  POOL,
  HOST,
  HOST_METRICS,
  VM,
  VM_METRICS,
  CONSOLE,
  VBD,
  VIF,
];
