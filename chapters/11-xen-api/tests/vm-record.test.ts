// 11-vm-record: the struct VM.get_record and VM.get_all_records return, made from the toolstack's
// view of a VM: domid -1 while Halted, memory in bytes, the operations its state allows
// (book §11.1.2, §11.3). Read over JSON-RPC, where API integers are plain numbers.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/seed.ts';
import { jsonLogin, jsonResult, randomVm, testServer } from './fixtures.ts';

const SECTION = 'book §11.1.2';
const MiB = 1 << 20;

type Rec = Record<string, unknown>;

/** Every VM's record, by name_label. */
function recordsByName(server: ReturnType<typeof testServer>['server'], session: string) {
  const all = jsonResult(server, 'VM.get_all_records', session) as Record<string, Rec>;
  return Object.fromEntries(Object.values(all).map((r) => [r.name_label as string, r]));
}

describe('11-vm-record', () => {
  test('a Halted VM: its name and uuid, domid -1, memory in bytes, start allowed', () => {
    const config = randomVm(testRng('11-vm-record halted'), 'halted');
    const { server, vms } = testServer([config]);
    const s = jsonLogin(server);
    const r = recordsByName(server, s)[config.name];
    expect(
      r,
      `VM.get_all_records must hold a record whose name_label is ${config.name}`,
    ).toBeDefined();
    expect(r!.uuid, 'uuid is the VM’s own').toBe(vms.byName(config.name)!.uuid);
    expect(r!.power_state).toBe('Halted');
    expect(r!.is_control_domain).toBe(false);
    expect(
      r!.domid,
      `a Halted VM has no domain: its domid is -1, not 0 (0 is Domain-0) (${SECTION})`,
    ).toBe(-1);
    expect(r!.resident_on, 'a Halted VM runs on no host').toBe('OpaqueRef:NULL');
    expect(
      r!.memory_static_max,
      `memory is in bytes: ${config.memoryMiB} MiB is ${config.memoryMiB * MiB}, not ${config.memoryMiB}`,
    ).toBe(config.memoryMiB * MiB);
    expect(r!.VCPUs_max).toBe(config.vcpus);
    expect(r!.allowed_operations, 'a Halted VM may be started or destroyed').toEqual([
      'start',
      'destroy',
    ]);
    const one = jsonResult(
      server,
      'VM.get_record',
      s,
      jsonResult(server, 'VM.get_by_uuid', s, r!.uuid),
    );
    expect(one, 'VM.get_record returns the same record').toEqual(r);
  });

  test('a Running VM: its domain’s id and memory, on the host, pause allowed', () => {
    const rng = testRng('11-vm-record running');
    const a = randomVm(rng, 'a');
    const b = randomVm(rng, 'b');
    const { server, vms } = testServer([a, b]);
    vms.start(vms.byName(b.name)!);
    vms.start(vms.byName(a.name)!);
    const s = jsonLogin(server);
    const byName = recordsByName(server, s);
    for (const [c, domid] of [
      [a, 2],
      [b, 1],
    ] as const) {
      const r = byName[c.name]!;
      expect(r.power_state).toBe('Running');
      expect(r.domid, `${c.name} runs as domain ${domid}`).toBe(domid);
      expect(r.memory_static_max, `${c.memoryMiB} MiB in bytes`).toBe(c.memoryMiB * MiB);
      expect(r.resident_on).not.toBe('OpaqueRef:NULL');
      expect(r.allowed_operations).toContain('pause');
      expect(r.allowed_operations).not.toContain('start');
      expect((r.consoles as unknown[]).length, 'a guest has one console').toBe(1);
    }
  });

  test('Domain-0 is the running control domain, domid 0, with no operation allowed', () => {
    const { server } = testServer([]);
    const r = recordsByName(server, jsonLogin(server))['Domain-0'];
    expect(r, 'Domain-0 has a record too').toBeDefined();
    expect(r!.is_control_domain).toBe(true);
    expect(r!.power_state).toBe('Running');
    expect(r!.domid).toBe(0);
    expect(r!.allowed_operations, 'the control domain cannot be driven').toEqual([]);
  });
});
