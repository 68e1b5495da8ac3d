// xenlab: file from 11
import { describe, expect, it } from 'vitest';
import { asmSourcesUnder } from '../../../tools/asm-sources.ts';
import { buildGuest } from '../../guests/index.ts';
import { MemoryDisk } from '../disk.ts';
import { vifAdd } from '../netback-xenbus.ts';
import { CREDENTIALS, jsonCall, login, testServer, vmConfig, xmlCall } from './testing.ts';
import type { XmlRpcStruct } from './xmlrpc.ts';

const guests = asmSourcesUnder(`${import.meta.dirname}/../../guests`);

type Envelope = { Status: string; Value?: unknown; ErrorDescription?: string[] };

function value(r: unknown): unknown {
  const e = r as Envelope;
  if (e.Status !== 'Success') throw new Error(`call failed: ${JSON.stringify(e.ErrorDescription)}`);
  return e.Value;
}

function failure(r: unknown): string[] {
  const e = r as Envelope;
  expect(e.Status).toBe('Failure');
  return e.ErrorDescription!;
}

describe('the Xen API: sessions (book §11.1)', () => {
  it('answers nothing without a session, and no session for a wrong password', () => {
    const { server } = testServer();
    expect(failure(xmlCall(server, 'VM.get_all', 'OpaqueRef:guess'))).toEqual([
      'SESSION_INVALID',
      'OpaqueRef:guess',
    ]);
    expect(failure(xmlCall(server, 'session.login_with_password', 'root', 'wrong'))).toEqual([
      'SESSION_AUTHENTICATION_FAILED',
      'root',
      'Authentication failure',
    ]);
    expect(
      failure(xmlCall(server, 'session.login_with_password', 'admin', CREDENTIALS.password))[0],
    ).toBe('SESSION_AUTHENTICATION_FAILED');
    expect(server.ctx.sessions.count).toBe(0);
  });

  it('a session works until logout, and expires once idle past the limit', () => {
    const { server, clock } = testServer(undefined, 60_000);
    const s = login(server);
    expect(value(xmlCall(server, 'VM.get_all', s))).toHaveLength(2);
    clock.now += 59_000;
    expect(value(xmlCall(server, 'VM.get_all', s))).toHaveLength(2);
    clock.now += 60_001;
    expect(failure(xmlCall(server, 'VM.get_all', s))).toEqual(['SESSION_INVALID', s]);
    const t = login(server);
    expect(value(xmlCall(server, 'session.logout', t))).toBe('');
    expect(failure(xmlCall(server, 'VM.get_all', t))[0]).toBe('SESSION_INVALID');
  });
});

describe('the Xen API: VM records and power states (book §11.7)', () => {
  it('lists every VM with its record; ints are strings in XML-RPC and numbers in JSON-RPC', () => {
    const { server } = testServer([vmConfig('spin'), vmConfig('other')]);
    const s = login(server);
    const records = value(xmlCall(server, 'VM.get_all_records', s)) as Record<string, XmlRpcStruct>;
    const byName = Object.fromEntries(Object.values(records).map((r) => [r.name_label, r]));
    expect(Object.keys(byName).sort()).toEqual(['Domain-0', 'other', 'spin']);
    expect(byName['Domain-0']!.is_control_domain).toBe(true);
    expect(byName['Domain-0']!.power_state).toBe('Running');
    expect(byName.spin!.power_state).toBe('Halted');
    expect(byName.spin!.memory_static_max).toBe(String(16 << 20));
    expect(byName.spin!.domid).toBe('-1');
    expect(byName.spin!.allowed_operations).toEqual(['start', 'destroy']);
    const viaJson = jsonCall(server, 'VM.get_all_records', s) as {
      result: Record<string, { memory_static_max: unknown }>;
    };
    expect(Object.keys(viaJson.result).sort()).toEqual(Object.keys(records).sort());
    expect(Object.values(viaJson.result).map((r) => r.memory_static_max)).toContain(16 << 20);
  });

  it('drives a VM through start, pause, unpause, hard_shutdown, refusing wrong power states', () => {
    const { server } = testServer();
    const s = login(server);
    const [vm] = value(xmlCall(server, 'VM.get_by_name_label', s, 'spin')) as string[];
    const power = () => value(xmlCall(server, 'VM.get_power_state', s, vm!));
    expect(failure(xmlCall(server, 'VM.clean_shutdown', s, vm!))).toEqual([
      'VM_BAD_POWER_STATE',
      vm,
      'running',
      'halted',
    ]);
    value(xmlCall(server, 'VM.start', s, vm!, false, false));
    expect(power()).toBe('Running');
    expect(value(xmlCall(server, 'VM.get_domid', s, vm!))).toBe('1');
    expect(failure(xmlCall(server, 'VM.start', s, vm!, false, false))).toEqual([
      'VM_BAD_POWER_STATE',
      vm,
      'halted',
      'running',
    ]);
    value(xmlCall(server, 'VM.pause', s, vm!));
    expect(power()).toBe('Paused');
    value(xmlCall(server, 'VM.unpause', s, vm!));
    value(xmlCall(server, 'VM.hard_shutdown', s, vm!));
    expect(power()).toBe('Halted');
    value(xmlCall(server, 'VM.destroy', s, vm!));
    expect(failure(xmlCall(server, 'VM.get_record', s, vm!))).toEqual(['HANDLE_INVALID', 'VM', vm]);
  });

  it('a guest that powers off by itself is Halted, and its console text is still served', () => {
    const { server, vms } = testServer([vmConfig('hello', buildGuest('hello.asm', guests))]);
    const s = login(server);
    const [vm] = value(xmlCall(server, 'VM.get_by_name_label', s, 'hello')) as string[];
    value(xmlCall(server, 'VM.start', s, vm!, false, false));
    const [con] = value(xmlCall(server, 'VM.get_consoles', s, vm!)) as string[];
    const location = value(xmlCall(server, 'console.get_location', s, con!)) as string;
    expect(location).toBe(`http://xenlab/console?ref=${con}`);
    vms.run(10_000_000);
    expect(value(xmlCall(server, 'VM.get_power_state', s, vm!))).toBe('Halted');
    const url = `/console?ref=${con}&session_id=${s}`;
    const text = server.handle({ method: 'GET', url, body: '' });
    expect(text.status).toBe(200);
    expect(text.body).toContain('Hello');
    expect(server.handle({ method: 'GET', url: `/console?ref=${con}`, body: '' }).status).toBe(403);
  });
});

describe('the Xen API: errors with Xen’s codes', () => {
  it('names unknown calls, wrong counts, wrong types and bad references', () => {
    const { server } = testServer();
    const s = login(server);
    const [vm] = value(xmlCall(server, 'VM.get_all', s)) as string[];
    expect(failure(xmlCall(server, 'VM.fly', s))).toEqual(['MESSAGE_METHOD_UNKNOWN', 'VM.fly']);
    expect(failure(xmlCall(server, 'VM.start', s, vm!))).toEqual([
      'MESSAGE_PARAMETER_COUNT_MISMATCH',
      'VM.start',
      '4',
      '2',
    ]);
    expect(failure(xmlCall(server, 'VM.start', s, vm!, 'yes', false))).toEqual([
      'FIELD_TYPE_ERROR',
      'start_paused',
    ]);
    expect(failure(xmlCall(server, 'VM.get_record', s, 'OpaqueRef:nope'))).toEqual([
      'HANDLE_INVALID',
      'VM',
      'OpaqueRef:nope',
    ]);
    expect(failure(xmlCall(server, 'VM.get_record', s, 5))).toEqual(['FIELD_TYPE_ERROR', 'self']);
    expect(failure(xmlCall(server, 'VM.get_by_uuid', s, 'nope'))).toEqual([
      'UUID_INVALID',
      'VM',
      'nope',
    ]);
    expect(failure(xmlCall(server, 'VM.hard_shutdown', s, vm!))[0]).toBe('OPERATION_NOT_ALLOWED');
  });

  it('JSON-RPC carries a failure as an error whose message is the code and data the parameters', () => {
    const { server } = testServer();
    expect(jsonCall(server, 'session.login_with_password', 'root', 'bad')).toEqual({
      jsonrpc: '2.0',
      error: {
        code: 1,
        message: 'SESSION_AUTHENTICATION_FAILED',
        data: ['root', 'Authentication failure'],
      },
      id: 7,
    });
    const s = (
      jsonCall(server, 'session.login_with_password', 'root', 'xenlab') as { result: string }
    ).result;
    expect(jsonCall(server, 'VM.nope', s)).toMatchObject({
      error: { message: 'MESSAGE_METHOD_UNKNOWN', data: ['VM.nope'] },
    });
    const v1 = JSON.parse(
      server.handle({
        method: 'POST',
        url: '/jsonrpc',
        body: JSON.stringify({ method: 'pool.get_all', params: [s], id: 'a' }),
      }).body,
    );
    expect(v1).toMatchObject({ error: null, id: 'a' });
    expect(v1.result).toHaveLength(1);
  });

  it('malformed documents get a fault; other paths and verbs get HTTP errors', () => {
    const { server } = testServer();
    const xml = server.handle({
      method: 'POST',
      url: '/',
      body: '<methodCall><methodName>x</methodName>',
    });
    expect(xml.status).toBe(200);
    expect(xml.body).toContain('<fault>');
    expect(xml.body).toContain('<name>faultCode</name><value><int>-1</int></value>');
    expect(
      JSON.parse(server.handle({ method: 'POST', url: '/jsonrpc', body: '{"method":' }).body).error
        .code,
    ).toBe(-32700);
    expect(
      JSON.parse(server.handle({ method: 'POST', url: '/jsonrpc', body: '[1,2]' }).body).error.code,
    ).toBe(-32600);
    expect(server.handle({ method: 'POST', url: '/nowhere', body: '' }).status).toBe(404);
    expect(server.handle({ method: 'GET', url: '/jsonrpc', body: '' }).status).toBe(405);
  });
});

describe('the Xen API: what clients discover', () => {
  it('system.listMethods answers bare, and a login-time client finds pool, master and API version', () => {
    const { server } = testServer();
    const methods = xmlCall(server, 'system.listMethods') as string[];
    expect(methods).toContain('VM.get_all_records');
    expect(methods).toContain('event.from');
    const s = login(server);
    const [pool] = value(xmlCall(server, 'pool.get_all', s)) as string[];
    const host = value(xmlCall(server, 'pool.get_master', s, pool!)) as string;
    expect(value(xmlCall(server, 'host.get_API_version_major', s, host))).toBe('2');
    expect(value(xmlCall(server, 'VBD.get_all', s))).toEqual([]);
    expect(value(xmlCall(server, 'VIF.get_all_records', s))).toEqual({});
  });

  it('a disk the toolstack attached is a VBD of its VM while the VM runs', () => {
    const { server, vms } = testServer();
    const s = login(server);
    const [vm] = value(xmlCall(server, 'VM.get_by_name_label', s, 'spin')) as string[];
    value(xmlCall(server, 'VM.start', s, vm!, false, false));
    vms.toolstack.attachDisk(vms.byName('spin')!.domain!, new MemoryDisk(64, true), 'xvdb');
    const vbds = value(xmlCall(server, 'VBD.get_all_records', s)) as Record<string, XmlRpcStruct>;
    const [ref] = Object.keys(vbds);
    expect(Object.values(vbds)).toEqual([
      expect.objectContaining({
        VM: vm,
        device: 'xvdb',
        userdevice: '1',
        mode: 'RO',
        type: 'Disk',
        currently_attached: false,
      }),
    ]);
    expect(value(xmlCall(server, 'VM.get_VBDs', s, vm!))).toEqual([ref]);
    value(xmlCall(server, 'VM.hard_shutdown', s, vm!));
    expect(failure(xmlCall(server, 'VBD.get_record', s, ref!))).toEqual([
      'HANDLE_INVALID',
      'VBD',
      ref,
    ]);
  });

  it('a vif the toolstack wrote is a VIF of its VM, with its MAC', () => {
    const { server, vms } = testServer();
    const s = login(server);
    const [vm] = value(xmlCall(server, 'VM.get_by_name_label', s, 'spin')) as string[];
    value(xmlCall(server, 'VM.start', s, vm!, false, false));
    vifAdd(vms.toolstack.xs, vms.byName('spin')!.domain!.domid, 0);
    const [vif] = value(xmlCall(server, 'VM.get_VIFs', s, vm!)) as string[];
    expect(value(xmlCall(server, 'VIF.get_record', s, vif!))).toMatchObject({
      VM: vm,
      device: '0',
      MAC: '00:16:3e:00:01:00',
      MTU: '1500',
      currently_attached: false,
    });
  });

  it('event.from returns every object for an empty token, then what changed since a token', () => {
    const { server } = testServer();
    const s = login(server);
    const first = value(xmlCall(server, 'event.from', s, ['vm'], '', 1.0)) as XmlRpcStruct;
    const adds = first.events as XmlRpcStruct[];
    expect(adds.map((e) => [e.class, e.operation])).toEqual([
      ['vm', 'add'],
      ['vm', 'add'],
    ]);
    expect(first.valid_ref_counts).toEqual({ vm: '2' });
    const quiet = value(
      xmlCall(server, 'event.from', s, ['vm'], first.token!, 1.0),
    ) as XmlRpcStruct;
    expect(quiet.events).toEqual([]);
    const [vm] = value(xmlCall(server, 'VM.get_by_name_label', s, 'spin')) as string[];
    value(xmlCall(server, 'VM.start', s, vm!, true, false));
    const next = value(xmlCall(server, 'event.from', s, ['VM'], quiet.token!, 1.0)) as XmlRpcStruct;
    const mods = (next.events as XmlRpcStruct[]).filter((e) => e.ref === vm);
    expect(mods).toHaveLength(1);
    expect((mods[0]!.snapshot as XmlRpcStruct).power_state).toBe('Paused');
    expect(failure(xmlCall(server, 'event.from', s, ['vm'], 'garbage', 1.0))).toEqual([
      'EVENT_FROM_TOKEN_PARSE_FAILURE',
      'garbage',
    ]);
    const token = value(xmlCall(server, 'event.inject', s, 'VM', vm!)) as string;
    expect(Number(token)).toBeGreaterThan(Number(next.token));
  });
});
