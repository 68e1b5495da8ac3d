// 11-power-state: the check before the toolstack drives a VM — VM_BAD_POWER_STATE [vm, expected,
// actual] in lower case when the VM is in none of the allowed states, OPERATION_NOT_ALLOWED for
// Domain-0 (book §11.7).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/seed.ts';
import { checkPowerState, PowerState, type Vm, VmError } from '../src/dom0/vms.ts';
import { jsonCall, jsonLogin, randomVm, testServer } from './fixtures.ts';

const SECTION = 'book §11.7';

/** The code and parameters of the VmError `f` throws, or 'ok'. */
function outcome(f: () => void): [string, string[]] | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof VmError) return [e.code, e.params];
    throw e;
  }
}

function machine(label: string) {
  const config = randomVm(testRng(label), 'vm');
  const { server, vms } = testServer([config]);
  return { server, vms, vm: vms.byName(config.name)! as Vm };
}

describe('11-power-state', () => {
  test('passes a VM in one of the allowed states, any of them', () => {
    const { vms, vm } = machine('11-power-state allowed');
    expect(
      outcome(() => checkPowerState(vm, [PowerState.Halted])),
      'Halted is allowed',
    ).toBe('ok');
    expect(
      outcome(() => checkPowerState(vm, [PowerState.Running, PowerState.Halted])),
      `any allowed state will do, not only the first (${SECTION})`,
    ).toBe('ok');
    vms.start(vm, true);
    expect(outcome(() => checkPowerState(vm, [PowerState.Running, PowerState.Paused]))).toBe('ok');
  });

  test('refuses with VM_BAD_POWER_STATE [uuid, expected, actual], lower case', () => {
    const { vms, vm } = machine('11-power-state refused');
    expect(
      outcome(() => checkPowerState(vm, [PowerState.Running])),
      `the parameters are the VM’s uuid, the expected state, then the actual one (${SECTION})`,
    ).toEqual(['VM_BAD_POWER_STATE', [vm.uuid, 'running', 'halted']]);
    vms.start(vm, true);
    expect(outcome(() => checkPowerState(vm, [PowerState.Halted]))).toEqual([
      'VM_BAD_POWER_STATE',
      [vm.uuid, 'halted', 'paused'],
    ]);
    expect(outcome(() => checkPowerState(vm, [PowerState.Running, PowerState.Suspended]))).toEqual([
      'VM_BAD_POWER_STATE',
      [vm.uuid, 'running', 'paused'],
    ]);
  });

  test('Domain-0 is never driven, whatever its state: OPERATION_NOT_ALLOWED', () => {
    const { vms } = machine('11-power-state dom0');
    const dom0 = vms.all.find((v) => v.isControlDomain)!;
    const r = outcome(() => checkPowerState(dom0, [PowerState.Running]));
    expect(r === 'ok' ? r : r[0], `Domain-0 is Running, yet it cannot be paused (${SECTION})`).toBe(
      'OPERATION_NOT_ALLOWED',
    );
  });

  test('a client sees the refusal: VM.start of a running VM over JSON-RPC', () => {
    const { server, vms, vm } = machine('11-power-state api');
    vms.start(vm);
    const s = jsonLogin(server);
    const ref = jsonCall(server, 'VM.get_by_uuid', s, vm.uuid).result;
    expect(jsonCall(server, 'VM.start', s, ref, false, false).error).toMatchObject({
      message: 'VM_BAD_POWER_STATE',
      data: [ref, 'halted', 'running'],
    });
  });
});
