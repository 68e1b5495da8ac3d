// Port I/O (SDM vol. 2 "IN", "OUT"; vol. 1 §19.5 for the permission check): the port is Ib or
// DX, the size AL/AX/EAX. Devices answer through cpu.io; ports the host claimed end run() with
// ExitReason.Io (protocol in cpu.ts, Cpu.hostPorts).

import { type Cpu, EAX, EDX } from '../cpu.ts';
import { checkIoPermission } from '../system.ts';
import { exitIo } from './string.ts';

function portSize(cpu: Cpu, byteForm: boolean): number {
  return byteForm ? 1 : cpu.opsize32 ? 4 : 2;
}

function doIn(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  if (cpu.hostPorts[port]) {
    exitIo(cpu, port, size, false, 0);
    return;
  }
  const value = cpu.io.read(port, size);
  if (size === 1) cpu.reg8[0] = value;
  else if (size === 2) cpu.reg16[0] = value;
  else cpu.reg32[EAX] = value;
}

function doOut(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  const value = size === 1 ? cpu.reg8[0]! : size === 2 ? cpu.reg16[0]! : cpu.reg32[EAX]! >>> 0;
  if (cpu.hostPorts[port]) {
    exitIo(cpu, port, size, true, value);
    return;
  }
  cpu.io.write(port, size, value);
}

/** E4/E5 IN AL/eAX, Ib */
export function inIb(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => doIn(cpu, cpu.imm & 0xff, portSize(cpu, byteForm));
}
/** EC/ED IN AL/eAX, DX */
export function inDx(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => doIn(cpu, cpu.reg16[EDX << 1]!, portSize(cpu, byteForm));
}
/** E6/E7 OUT Ib, AL/eAX */
export function outIb(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => doOut(cpu, cpu.imm & 0xff, portSize(cpu, byteForm));
}
/** EE/EF OUT DX, AL/eAX */
export function outDx(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => doOut(cpu, cpu.reg16[EDX << 1]!, portSize(cpu, byteForm));
}
