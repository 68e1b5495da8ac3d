// The debug console: Bochs' and QEMU's "port E9 hack". Every byte written to I/O port 0xE9 is
// console output; reading the port returns 0xE9, which is how software detects it.

import type { PortDevice } from './ports.ts';

export const DEBUG_CONSOLE_PORT = 0xe9;

export class DebugConsole implements PortDevice {
  private readonly bytes: number[] = [];

  /** Port reads return 0xE9 in the low byte (the detection convention), all ones above. */
  portRead(_port: number, size: 1 | 2 | 4): number {
    const ones = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return (ones & ~0xff) | DEBUG_CONSOLE_PORT;
  }

  /** Only the low byte of a wider write is a character. */
  portWrite(_port: number, _size: 1 | 2 | 4, value: number): void {
    this.bytes.push(value & 0xff);
  }

  /** Everything written so far, as bytes. */
  output(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  /** Everything written so far, decoded as Latin-1 text. */
  text(): string {
    let s = '';
    for (const b of this.bytes) s += String.fromCharCode(b);
    return s;
  }

  clear(): void {
    this.bytes.length = 0;
  }
}
