// 11-list-running: the book's first client — one VM.get_all_records, the Running VMs without the
// control domain and templates, sorted by domain id, API integers (strings over XML-RPC) turned
// into numbers (book §11.7).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/seed.ts';
import { listRunningVms, XapiClient } from '../src/dom0/xapi/client.ts';
import { CREDENTIALS, randomVm, testServer } from './fixtures.ts';

const SECTION = 'book §11.7';
const MiB = 1 << 20;

/** A record as it arrives over XML-RPC: every API integer a string. */
function record(name: string, state: string, domid: number, memoryMiB: number, extra = {}) {
  return {
    uuid: `uuid-${name}`,
    name_label: name,
    power_state: state,
    is_control_domain: false,
    is_a_template: false,
    domid: String(domid),
    memory_static_max: String(memoryMiB * MiB),
    ...extra,
  };
}

/** A client whose every call answers `records` to VM.get_all_records, counting the calls. */
function fakeClient(records: Record<string, unknown>) {
  const calls: string[] = [];
  const client = {
    call: async (method: string) => {
      calls.push(method);
      if (method !== 'VM.get_all_records') throw new Error(`unexpected call ${method}`);
      return records;
    },
  } as unknown as XapiClient;
  return { client, calls };
}

describe('11-list-running', () => {
  test('keeps the Running VMs only, without Domain-0 or templates, sorted by domid', async () => {
    const rng = testRng('11-list-running records');
    const ids = [3 + rng.below(50), 60 + rng.below(50), 120 + rng.below(50)];
    const mib = [1 + rng.below(64), 1 + rng.below(64), 1 + rng.below(64)];
    const { client, calls } = fakeClient({
      'OpaqueRef:c': record('c', 'Running', ids[2]!, mib[2]!),
      'OpaqueRef:d0': record('Domain-0', 'Running', 0, 1024, { is_control_domain: true }),
      'OpaqueRef:a': record('a', 'Running', ids[0]!, mib[0]!),
      'OpaqueRef:p': record('paused', 'Paused', ids[0]! + 1, 8),
      'OpaqueRef:h': record('halted', 'Halted', -1, 8),
      'OpaqueRef:t': record('tmpl', 'Running', ids[1]! + 1, 8, { is_a_template: true }),
      'OpaqueRef:b': record('b', 'Running', ids[1]!, mib[1]!),
    });
    const got = await listRunningVms(client);
    expect(calls, `one VM.get_all_records call fetches every record (${SECTION})`).toEqual([
      'VM.get_all_records',
    ]);
    expect(
      got.map((v) => v.name),
      'Running only (not Paused or Halted), no control domain, no template, by domid',
    ).toEqual(['a', 'b', 'c']);
    expect(got[0], 'domid and memoryMiB are numbers: over XML-RPC they arrive as strings').toEqual({
      name: 'a',
      uuid: 'uuid-a',
      domid: ids[0],
      memoryMiB: mib[0],
    });
    expect(got.map((v) => v.domid)).toEqual(ids);
    expect(
      got.map((v) => v.memoryMiB),
      'memory_static_max is in bytes: divide by 1 MiB',
    ).toEqual(mib);
  });

  test('nothing running: an empty list', async () => {
    const { client } = fakeClient({
      'OpaqueRef:d0': record('Domain-0', 'Running', 0, 1024, { is_control_domain: true }),
      'OpaqueRef:h': record('halted', 'Halted', -1, 8),
    });
    expect(await listRunningVms(client)).toEqual([]);
  });

  test('end to end: a logged-in client against the server, over XML-RPC', async () => {
    const rng = testRng('11-list-running server');
    const configs = [randomVm(rng, 'x'), randomVm(rng, 'y'), randomVm(rng, 'z')];
    const { server, vms } = testServer(configs);
    const api = new XapiClient(
      async (body) => server.handle({ method: 'POST', url: '/', body }).body,
    );
    await api.login(CREDENTIALS.username, CREDENTIALS.password);
    const [x, y, z] = configs.map((c) => vms.byName(c.name)!);
    vms.start(z!);
    vms.start(x!);
    vms.start(y!);
    vms.pause(x!);
    expect(await listRunningVms(api), 'z runs as domain 1, y as 3; x is paused').toEqual([
      { name: z!.config.name, uuid: z!.uuid, domid: 1, memoryMiB: configs[2]!.memoryMiB },
      { name: y!.config.name, uuid: y!.uuid, domid: 3, memoryMiB: configs[1]!.memoryMiB },
    ]);
  });
});
