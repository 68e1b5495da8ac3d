// The I/O port space (Intel SDM vol. 1 §19.2): 64 Ki byte-wide ports; a device owns a range.
// Unclaimed ports read as all ones and ignore writes, as on a PC's ISA bus.

export interface PortDevice {
  portRead(port: number, size: 1 | 2 | 4): number;
  portWrite(port: number, size: 1 | 2 | 4, value: number): void;
}

/** Implements cpu.ts's IoBus: the machine installs it as every CPU's `io`. */
export class PortBus {
  /** Index into `devices` + 1 for each port; 0 = unclaimed. */
  private readonly owner = new Uint16Array(0x10000);
  private readonly devices: PortDevice[] = [];

  /** Gives ports [first, first+count) to `device`; a port has at most one owner. */
  register(first: number, count: number, device: PortDevice): void {
    let index = this.devices.indexOf(device);
    if (index < 0) index = this.devices.push(device) - 1;
    for (let p = first; p < first + count; p++) {
      if (p > 0xffff) throw new RangeError(`PortBus.register: port ${p} is beyond 0xFFFF`);
      if (this.owner[p] !== 0) throw new Error(`PortBus.register: port ${p} is already owned`);
      this.owner[p] = index + 1;
    }
  }

  /** True when some device owns `port`. */
  claimed(port: number): boolean {
    return this.owner[port & 0xffff] !== 0;
  }

  read(port: number, size: number): number {
    const owner = this.owner[port & 0xffff]!;
    if (owner === 0) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return this.devices[owner - 1]!.portRead(port & 0xffff, size as 1 | 2 | 4);
  }

  write(port: number, size: number, value: number): void {
    const owner = this.owner[port & 0xffff]!;
    if (owner !== 0) this.devices[owner - 1]!.portWrite(port & 0xffff, size as 1 | 2 | 4, value);
  }
}
