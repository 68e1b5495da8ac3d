// The Xen API's calls: one table from "class.message" to its parameters and what it does, with
// the checks every call passes first (parameter count, session, parameter types): book §11.1.2,
// §11.3; xapi’s message forwarding (MESSAGE_METHOD_UNKNOWN, MESSAGE_PARAMETER_COUNT_MISMATCH,
// FIELD_TYPE_ERROR, HANDLE_INVALID, UUID_INVALID).
// xenlab: file from 11

import { type Vm, VmError } from '../vms.ts';
import type { EventLog } from './event.ts';
import { CLASSES, HOST, VM, type XapiClass, type XapiContext } from './objects.ts';
import type { Sessions } from './session.ts';
import { type ApiMap, type ApiValue, XapiFailure } from './values.ts';

/** What a call sees: the objects, the sessions, the event log. */
export interface CallContext extends XapiContext {
  sessions: Sessions;
  events: EventLog;
}

/** A parameter's type: a scalar, a set of strings, or a reference to an object of a class. */
type ParamType = 'string' | 'bool' | 'int' | 'float' | 'strings' | 'map' | XapiClass;

interface Param {
  name: string;
  type: ParamType;
}

export interface Method {
  /** Parameters after the session reference (which every call but login takes first). */
  params: Param[];
  /** How many trailing parameters a caller may leave out. */
  optional?: number;
  /** False for the calls made without a session (login, system.listMethods). */
  session?: boolean;
  /** The answer is sent bare, not in the Status/Value envelope (system.listMethods). */
  bare?: boolean;
  /** `args` are checked and converted: refs resolved to ids, ints to bigints. */
  run(ctx: CallContext, args: unknown[], session: string): ApiValue;
}

const self = (cls: XapiClass): Param => ({ name: 'self', type: cls });

// xenlab: region xapi-generic-calls from 11
/** The calls every class answers: its objects, their records, one field at a time. */
function genericCalls(cls: XapiClass): [string, Method][] {
  const ref = (ctx: CallContext, id: string) => ctx.refs.ref(cls.name, id);
  const calls: [string, Method][] = [
    ['get_all', { params: [], run: (ctx) => cls.ids(ctx).map((id) => ref(ctx, id)) }],
    [
      'get_all_records',
      {
        params: [],
        run(ctx) {
          const all: ApiMap = {};
          for (const id of cls.ids(ctx)) all[ref(ctx, id)] = cls.record(ctx, id);
          return all;
        },
      },
    ],
    ['get_record', { params: [self(cls)], run: (ctx, [id]) => cls.record(ctx, id as string) }],
    [
      'get_by_uuid',
      {
        params: [{ name: 'uuid', type: 'string' }],
        run(ctx, [uuid]) {
          const id = cls.ids(ctx).find((i) => ctx.refs.uuid(cls.name, i) === uuid);
          if (id === undefined) throw new XapiFailure('UUID_INVALID', [cls.name, uuid as string]);
          return ref(ctx, id);
        },
      },
    ],
  ];
  for (const field of cls.fields) {
    calls.push([
      `get_${field}`,
      { params: [self(cls)], run: (ctx, [id]) => cls.record(ctx, id as string)[field]! },
    ]);
  }
  if (cls === VM || cls === HOST) {
    calls.push([
      'get_by_name_label',
      {
        params: [{ name: 'label', type: 'string' }],
        run: (ctx, [label]) =>
          cls
            .ids(ctx)
            .filter((id) => cls.record(ctx, id).name_label === label)
            .map((id) => ref(ctx, id)),
      },
    ]);
  }
  return calls;
}
// xenlab: end xapi-generic-calls

function vmOf(ctx: CallContext, id: unknown): Vm {
  return ctx.vms.all.find((vm) => vm.uuid === id)!;
}

/** A VM operation of the toolstack, its failures named with the VM's reference. */
function vmCall(extra: Param[], op: (ctx: CallContext, vm: Vm, args: unknown[]) => void): Method {
  return {
    params: [{ name: 'vm', type: VM }, ...extra],
    run(ctx, [id, ...args]) {
      const vm = vmOf(ctx, id);
      try {
        op(ctx, vm, args);
      } catch (e) {
        if (!(e instanceof VmError)) throw e;
        const vmRef = ctx.refs.ref('VM', vm.uuid);
        throw new XapiFailure(
          e.code,
          e.params.map((p) => (p === vm.uuid ? vmRef : p)),
        );
      }
      return '';
    },
  };
}

// xenlab: region xapi-vm-calls from 11
const VM_CALLS: [string, Method][] = [
  [
    'start',
    vmCall(
      [
        { name: 'start_paused', type: 'bool' },
        { name: 'force', type: 'bool' },
      ],
      (ctx, vm, [paused]) => ctx.vms.start(vm, paused as boolean),
    ),
  ],
  ['pause', vmCall([], (ctx, vm) => ctx.vms.pause(vm))],
  ['unpause', vmCall([], (ctx, vm) => ctx.vms.unpause(vm))],
  ['clean_shutdown', vmCall([], (ctx, vm) => ctx.vms.cleanShutdown(vm))],
  ['hard_shutdown', vmCall([], (ctx, vm) => ctx.vms.hardShutdown(vm))],
  ['clean_reboot', vmCall([], (ctx, vm) => ctx.vms.cleanReboot(vm))],
  ['hard_reboot', vmCall([], (ctx, vm) => ctx.vms.hardReboot(vm))],
  ['destroy', vmCall([], (ctx, vm) => ctx.vms.forget(vm))],
  [
    'set_memory_dynamic_range',
    vmCall(
      [
        { name: 'min', type: 'int' },
        { name: 'max', type: 'int' },
      ],
      (ctx, vm, [, max]) => ctx.vms.setMemoryTarget(vm, Number((max as bigint) / 1024n)),
    ),
  ],
  ['create', { params: [{ name: 'args', type: 'map' }], run: createVm }],
];

/** A record field VM.create needs, checked: FIELD_TYPE_ERROR names it when absent or mistyped. */
function field(
  args: Record<string, unknown>,
  name: string,
  type: 'string' | 'int',
  fallback?: string,
): string {
  const v = args[name] ?? fallback;
  const ok =
    type === 'string'
      ? typeof v === 'string'
      : (typeof v === 'number' && Number.isSafeInteger(v)) ||
        (typeof v === 'string' && /^\d{1,15}$/.test(v));
  if (!ok) throw new XapiFailure('FIELD_TYPE_ERROR', [name]);
  return String(v);
}

/** VM.create: a Halted VM from a record's name_label, PV_kernel, memory, vCPUs and PV_args. */
function createVm(ctx: CallContext, [args]: unknown[]): ApiValue {
  const record = args as Record<string, unknown>;
  const name = field(record, 'name_label', 'string');
  const kernel = field(record, 'PV_kernel', 'string');
  const bytes = Number(field(record, 'memory_static_max', 'int'));
  const image = ctx.kernel(kernel);
  if (image === undefined) throw new XapiFailure('INVALID_VALUE', ['PV_kernel', kernel]);
  if (bytes < 1 << 20 || bytes % (1 << 20) !== 0)
    throw new XapiFailure('INVALID_VALUE', ['memory_static_max', String(bytes)]);
  try {
    const vm = ctx.vms.define({
      name,
      kernel,
      image,
      memoryMiB: bytes >> 20,
      vcpus: Number(field(record, 'VCPUs_max', 'int', '1')),
      cmdline: field(record, 'PV_args', 'string', ''),
    });
    return ctx.refs.ref('VM', vm.uuid);
  } catch (e) {
    if (e instanceof VmError) throw new XapiFailure(e.code, e.params);
    throw e;
  }
}
// xenlab: end xapi-vm-calls

const SESSION_CALLS: [string, Method][] = [
  [
    'login_with_password',
    {
      params: [
        { name: 'uname', type: 'string' },
        { name: 'pwd', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'originator', type: 'string' },
      ],
      optional: 2,
      session: false,
      run: (ctx, [user, password]) => ctx.sessions.login(user as string, password as string),
    },
  ],
  [
    'logout',
    {
      params: [],
      run(ctx, _args, session) {
        ctx.sessions.logout(session);
        return '';
      },
    },
  ],
  [
    'get_this_host',
    {
      params: [{ name: 'self', type: 'string' }],
      run: (ctx) => ctx.refs.ref('host', 'host'),
    },
  ],
];

const EVENT_CALLS: [string, Method][] = [
  [
    'from',
    {
      params: [
        { name: 'classes', type: 'strings' },
        { name: 'token', type: 'string' },
        { name: 'timeout', type: 'float' },
      ],
      run: (ctx, [classes, token]) => ctx.events.from(ctx, classes as string[], token as string),
    },
  ],
  [
    'inject',
    {
      params: [
        { name: 'class', type: 'string' },
        { name: 'ref', type: 'string' },
      ],
      run(ctx, [name, ref]) {
        const cls = CLASSES.find((c) => c.name.toLowerCase() === (name as string).toLowerCase());
        if (cls === undefined)
          throw new XapiFailure('VALUE_NOT_SUPPORTED', ['class', name as string, 'no such class']);
        ctx.refs.resolve(ctx, cls, ref as string);
        return ctx.events.inject(cls, ref as string);
      },
    },
  ],
  ['get_current_id', { params: [], run: (ctx) => BigInt(ctx.events.currentToken()) }],
];

/** Every call by its full name ("VM.start"). */
export const METHODS: ReadonlyMap<string, Method> = (() => {
  const table = new Map<string, Method>();
  const add = (cls: string, calls: [string, Method][]) => {
    for (const [name, m] of calls) table.set(`${cls}.${name}`, m);
  };
  for (const cls of CLASSES) add(cls.name, genericCalls(cls));
  add('VM', VM_CALLS);
  add('session', SESSION_CALLS);
  add('event', EVENT_CALLS);
  table.set('system.listMethods', {
    params: [],
    session: false,
    bare: true,
    run: () => [...table.keys()],
  });
  return table;
})();

/** Checks one parameter and converts it; FIELD_TYPE_ERROR names the parameter. */
function convert(ctx: CallContext, p: Param, v: unknown): unknown {
  const bad = () => new XapiFailure('FIELD_TYPE_ERROR', [p.name]);
  switch (p.type) {
    case 'string':
      if (typeof v !== 'string') throw bad();
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad();
      return v;
    case 'int':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) return BigInt(v);
      throw bad();
    case 'float':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      throw bad();
    case 'map':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad();
      return v;
    case 'strings':
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad();
      return v;
    default:
      if (typeof v !== 'string') throw bad();
      return ctx.refs.resolve(ctx, p.type, v);
  }
}

/**
 * Runs the call `name` with `params` as the client sent them (the session reference first):
 * its value, or an XapiFailure. `bare` says how to send it.
 */
export function callMethod(
  ctx: CallContext,
  name: string,
  params: unknown[],
): { value: ApiValue; bare: boolean } {
  const method = METHODS.get(name);
  if (method === undefined) throw new XapiFailure('MESSAGE_METHOD_UNKNOWN', [name]);
  const withSession = method.session !== false;
  const total = method.params.length + (withSession ? 1 : 0);
  const least = total - (method.optional ?? 0);
  if (params.length < least || params.length > total)
    throw new XapiFailure('MESSAGE_PARAMETER_COUNT_MISMATCH', [
      name,
      String(total),
      String(params.length),
    ]);
  let session = '';
  let args = params;
  if (withSession) {
    session = ctx.sessions.check(params[0]).ref;
    args = params.slice(1);
  }
  const converted = args.map((v, i) => convert(ctx, method.params[i]!, v));
  return { value: method.run(ctx, converted, session), bare: method.bare === true };
}
