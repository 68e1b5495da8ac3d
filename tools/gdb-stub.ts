// GDB's remote serial protocol for a guest's vCPUs (book §2.7, debugging a guest; GDB manual,
// "Remote Protocol", and features/i386/32bit-core.xml for the register set). Portable: it
// sees bytes in and bytes out; the TCP edge is gdb-tcp.ts.
//
// The stub never writes the guest's memory or debug registers to break: breakpoints (Z0 and
// Z1 alike) are checked by a trace hook on each vCPU that stops the CPU before the instruction
// at a breakpoint runs, so the guest cannot see them. While gdb holds the guest its domain is
// paused and the caller runs nothing, so virtual time (instruction counts) stands still.

import {
  type Cpu,
  CS,
  DS,
  ES,
  ExitReason,
  FS,
  GS,
  getEflags,
  loadSegment,
  SS,
  setEflags,
  translateForHost,
} from '../sim/host.ts';

/** What the stub debugs: one guest, its vCPUs as gdb's threads 1, 2, … */
export interface DebugTarget {
  readonly cpus: readonly Cpu[];
  /** Stops the guest's vCPUs from being scheduled (a domain pause). */
  hold(): void;
  /** Undoes one hold(). */
  release(): void;
  /** gdb's `kill`: ends the guest; the hypervisor and other domains keep running. */
  kill(): void;
}

/** Signals in stop replies (GDB's numbering). */
const SIGINT = 2;
const SIGTRAP = 5;

/** The largest packet we accept, as qSupported announces it (hex). */
const PACKET_SIZE = 0x4000;

/** Segment registers in gdb's order after eflags. */
const SEGMENTS = [CS, SS, DS, ES, FS, GS] as const;
/** gdb's register numbers: 0–7 the GPRs (x86 encoding order), 8 eip, 9 eflags, 10–15 segments. */
const EIP = 8;
const EFLAGS = 9;
const CORE_REGISTERS = 16;
/** The EFLAGS bits gdb may change: the status flags and DF (IF, IOPL and VM stay Xen's). */
const GUEST_FLAGS = 0xcd5;
/** The x87 registers of the core feature (16–23 st0–7, 80 bits; 24–31 control, 32 bits). */
const X87_LAST = 31;

/** The target description: the i386 core register set, in gdb's numbering. */
export const TARGET_XML = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
  '<target version="1.0"><architecture>i386</architecture>',
  '<feature name="org.gnu.gdb.i386.core">',
  ...['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'].map((name) => {
    const type = name === 'esp' || name === 'ebp' ? 'data_ptr' : 'int32';
    return `<reg name="${name}" bitsize="32" type="${type}"/>`;
  }),
  '<reg name="eip" bitsize="32" type="code_ptr"/>',
  '<reg name="eflags" bitsize="32" type="int32"/>',
  ...['cs', 'ss', 'ds', 'es', 'fs', 'gs'].map(
    (n) => `<reg name="${n}" bitsize="32" type="int32"/>`,
  ),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `<reg name="st${i}" bitsize="80" type="i387_ext"/>`),
  ...['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'].map(
    (n) => `<reg name="${n}" bitsize="32" type="int" group="float"/>`,
  ),
  '</feature></target>',
].join('');

/** The checksum of a packet body: the sum of its bytes modulo 256, two hex digits. */
export function checksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum = (sum + body.charCodeAt(i)) & 0xff;
  return sum.toString(16).padStart(2, '0');
}

/** A packet as it goes on the wire: `$body#xx`. */
export function frame(body: string): string {
  return `$${body}#${checksum(body)}`;
}

/** A 32-bit value as gdb's target-order (little-endian) hex. */
function hex32(value: number): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += ((value >>> (i * 8)) & 0xff).toString(16).padStart(2, '0');
  return out;
}

/** Little-endian hex of 4 bytes back to a value, or null when it is not 8 hex digits. */
function parseHex32(text: string): number | null {
  if (!/^[0-9a-fA-F]{8}$/.test(text)) return null;
  let value = 0;
  for (let i = 3; i >= 0; i--)
    value = (value << 8) | Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return value >>> 0;
}

/** A big-endian hex number as gdb writes addresses and lengths, or null. */
function parseNumber(text: string | undefined): number | null {
  if (text === undefined || !/^[0-9a-fA-F]{1,8}$/.test(text)) return null;
  return Number.parseInt(text, 16);
}

/** Ctrl-C as gdb sends it outside any packet: stop the running guest. */
const INTERRUPT = '\x03';

/** The first index in `text` of `a` or `b`, or -1. */
function firstOf(text: string, a: string, b: string): number {
  const i = text.indexOf(a);
  const j = text.indexOf(b);
  return i < 0 ? j : j < 0 ? i : Math.min(i, j);
}

/** Replies that are errors: a malformed request, an unmapped address, a bad register. */
const E_MALFORMED = 'E01';
const E_FAULT = 'E14';
const E_REGISTER = 'E16';

/** How the guest is held: stopped for gdb, or running (continuing or stepping). */
type Mode = 'stopped' | 'running';

/** One gdb connection's view of a guest: feed it bytes, it answers through `send`. */
export class GdbStub {
  private mode: Mode = 'running';
  private inbox = '';
  private readonly breakpoints = new Set<number>();
  /** The thread (index into cpus) g/G/m/M act on, and the one that stopped last. */
  private current = 0;
  /** Per vCPU: the instruction count it resumed at (no breakpoint check there), else -1. */
  private readonly resumedAt: number[];
  /** The vCPU single-stepping, or -1. */
  private stepping = -1;
  private readonly hook = (cpu: Cpu) => this.check(cpu);
  /** Set by D and k and by a disconnect: the connection is over. */
  closed = false;

  constructor(
    private readonly target: DebugTarget,
    private readonly send: (bytes: string) => void,
  ) {
    this.resumedAt = target.cpus.map(() => -1);
  }

  /** Is the guest held by the debugger (the caller must not run it)? */
  get held(): boolean {
    return this.mode === 'stopped';
  }

  /** Holds the guest before anything is asked (gdb connects to a stopped target). */
  stop(): void {
    if (this.mode === 'stopped') return;
    this.mode = 'stopped';
    this.target.hold();
  }

  /** Bytes from gdb: acks, Ctrl-C, and packets, answered in order. */
  receive(bytes: string): void {
    this.inbox += bytes;
    for (;;) {
      const start = firstOf(this.inbox, '$', INTERRUPT);
      if (start < 0) {
        this.inbox = '';
        return;
      }
      if (this.inbox[start] === INTERRUPT) {
        this.inbox = this.inbox.slice(start + 1);
        this.interrupt();
        continue;
      }
      const hash = this.inbox.indexOf('#', start);
      if (hash < 0 || hash + 3 > this.inbox.length) {
        this.inbox = this.inbox.slice(start);
        return;
      }
      const body = this.inbox.slice(start + 1, hash);
      const sum = this.inbox.slice(hash + 1, hash + 3);
      this.inbox = this.inbox.slice(hash + 3);
      if (sum.toLowerCase() !== checksum(body)) {
        this.send('-');
        continue;
      }
      this.send('+');
      const reply = this.handle(body);
      if (reply !== null) this.send(frame(reply));
    }
  }

  /** The guest ended while gdb was attached: tell it (W, with the exit status). */
  exited(status: number): void {
    this.send(frame(`W${(status & 0xff).toString(16).padStart(2, '0')}`));
    this.closed = true;
  }

  /** The connection went away: breakpoints go, and the guest runs on as without gdb. */
  disconnect(): void {
    this.detach();
    this.closed = true;
  }

  private interrupt(): void {
    if (this.mode !== 'running') return;
    this.stop();
    this.clearHooks();
    this.send(frame(this.stopReply(SIGINT)));
  }

  /** One packet's answer, or null for none (a resume answers when the guest stops). */
  private handle(body: string): string | null {
    const kind = body[0];
    switch (kind) {
      case '?':
        this.stop();
        return this.stopReply(SIGTRAP);
      case 'g':
        return this.readRegisters();
      case 'G':
        return this.writeRegisters(body.slice(1));
      case 'p':
        return this.readRegister(parseNumber(body.slice(1)));
      case 'P':
        return this.writeRegisterPacket(body.slice(1));
      case 'm':
        return this.readMemory(body.slice(1));
      case 'M':
        return this.writeMemory(body.slice(1));
      case 'c':
        return this.resume(-1, body.slice(1));
      case 's':
        return this.resume(this.current, body.slice(1));
      case 'Z':
      case 'z':
        return this.breakpoint(kind === 'Z', body.slice(1));
      case 'H':
        return this.selectThread(body.slice(2));
      case 'T':
        return this.thread(body.slice(1)) === null ? E_MALFORMED : 'OK';
      case 'D':
        this.detach();
        this.closed = true;
        return 'OK';
      case 'k':
        this.clearHooks();
        this.closed = true;
        this.target.kill();
        return null;
      case 'v':
        return this.vPacket(body);
      case 'q':
        return this.query(body);
      default:
        return '';
    }
  }

  private query(body: string): string {
    if (body.startsWith('qSupported')) {
      return `PacketSize=${PACKET_SIZE.toString(16)};qXfer:features:read+;vContSupported+`;
    }
    if (body === 'qAttached') return '1';
    if (body === 'qC') return `QC${this.current + 1}`;
    if (body === 'qfThreadInfo') return `m${this.target.cpus.map((_, i) => i + 1).join(',')}`;
    if (body === 'qsThreadInfo') return 'l';
    const xfer = /^qXfer:features:read:target\.xml:([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(body);
    if (xfer !== null) {
      const offset = Number.parseInt(xfer[1]!, 16);
      const length = Number.parseInt(xfer[2]!, 16);
      const chunk = TARGET_XML.slice(offset, offset + length);
      return (offset + length >= TARGET_XML.length ? 'l' : 'm') + chunk;
    }
    if (body.startsWith('qXfer:features:read:')) return E_MALFORMED;
    return '';
  }

  private vPacket(body: string): string | null {
    if (body === 'vCont?') return 'vCont;c;C;s;S';
    if (!body.startsWith('vCont;')) return '';
    // The first action that steps names the vCPU to step; everything else continues.
    let step = -1;
    for (const action of body.slice(6).split(';')) {
      const [what = '', tid] = action.split(':');
      if (!/^[cCsS]/.test(what)) return E_MALFORMED;
      if (what[0] !== 's' && what[0] !== 'S') continue;
      const t = tid === undefined ? this.current : this.thread(tid);
      if (t === null) return E_MALFORMED;
      if (step < 0) step = t;
    }
    return this.resume(step, '');
  }

  /** A thread id as gdb writes it (1-based, hex; 0 and -1 mean any): a vCPU index or null. */
  private thread(text: string): number | null {
    if (text === '-1' || text === '0') return this.current;
    const n = parseNumber(text);
    if (n === null || n < 1 || n > this.target.cpus.length) return null;
    return n - 1;
  }

  private selectThread(text: string): string {
    const t = this.thread(text);
    if (t === null) return E_MALFORMED;
    this.current = t;
    return 'OK';
  }

  private stopReply(signal: number): string {
    return `T${signal.toString(16).padStart(2, '0')}thread:${(this.current + 1).toString(16)};`;
  }

  private get cpu(): Cpu {
    return this.target.cpus[this.current]!;
  }

  private readRegisters(): string {
    let out = '';
    for (let n = 0; n < CORE_REGISTERS; n++) out += hex32(this.register(n));
    return out;
  }

  private register(n: number): number {
    const cpu = this.cpu;
    if (n < EIP) return cpu.reg32[n]!;
    if (n === EIP) return cpu.eip;
    if (n === EFLAGS) return getEflags(cpu);
    return cpu.segSelector[SEGMENTS[n - 10]!]!;
  }

  private readRegister(n: number | null): string {
    if (n === null) return E_MALFORMED;
    if (n < CORE_REGISTERS) return hex32(this.register(n));
    // The x87 state is not offered: 'x' marks its bytes unavailable.
    if (n <= X87_LAST) return 'xx'.repeat(n < 24 ? 10 : 4);
    return E_REGISTER;
  }

  private writeRegisters(text: string): string {
    if (text.length < CORE_REGISTERS * 8) return E_MALFORMED;
    const values: number[] = [];
    for (let n = 0; n < CORE_REGISTERS; n++) {
      const v = parseHex32(text.slice(n * 8, n * 8 + 8));
      if (v === null) return E_MALFORMED;
      values.push(v);
    }
    for (let n = 0; n < CORE_REGISTERS; n++) {
      if (!this.writeRegister(n, values[n]!)) return E_REGISTER;
    }
    return 'OK';
  }

  private writeRegisterPacket(text: string): string {
    const [number, value] = text.split('=');
    const n = parseNumber(number);
    const v = parseHex32(value ?? '');
    if (n === null || v === null) return E_MALFORMED;
    if (n >= CORE_REGISTERS) return E_REGISTER;
    return this.writeRegister(n, v) ? 'OK' : E_REGISTER;
  }

  /** Writes register n; a segment takes only a selector the CPU would load. */
  private writeRegister(n: number, value: number): boolean {
    const cpu = this.cpu;
    if (n < EIP) cpu.reg32[n] = value;
    else if (n === EIP) cpu.eip = value;
    else if (n === EFLAGS) setEflags(cpu, value, GUEST_FLAGS);
    else {
      const seg = SEGMENTS[n - 10]!;
      if (cpu.segSelector[seg] === value) return true;
      return loadSegment(cpu, seg, value);
    }
    return true;
  }

  /** `addr,length`: the two numbers, or null. */
  private range(text: string): [number, number] | null {
    const [a, l] = text.split(',');
    const addr = parseNumber(a);
    const length = parseNumber(l);
    if (addr === null || length === null || length > PACKET_SIZE / 2) return null;
    return [addr, length];
  }

  /** m: bytes through the guest's page tables; stops short at an unmapped page (E14 at once). */
  private readMemory(text: string): string {
    const range = this.range(text);
    if (range === null) return E_MALFORMED;
    const [addr, length] = range;
    const cpu = this.cpu;
    let out = '';
    for (let i = 0; i < length; i++) {
      const phys = translateForHost(cpu, (addr + i) >>> 0, false);
      if (phys < 0) return i === 0 ? E_FAULT : out;
      out += cpu.mem.read8(phys).toString(16).padStart(2, '0');
    }
    return out;
  }

  /** M: all the bytes or none (E14 when any page is unmapped or read-only to the host). */
  private writeMemory(text: string): string {
    const [head = '', data = ''] = text.split(':');
    const range = this.range(head);
    if (range === null || data.length !== range[1] * 2 || !/^[0-9a-fA-F]*$/.test(data)) {
      return E_MALFORMED;
    }
    const [addr, length] = range;
    const cpu = this.cpu;
    const phys: number[] = [];
    for (let i = 0; i < length; i++) {
      const p = translateForHost(cpu, (addr + i) >>> 0, true);
      if (p < 0) return E_FAULT;
      phys.push(p);
    }
    phys.forEach((p, i) => {
      cpu.mem.write8(p, Number.parseInt(data.slice(i * 2, i * 2 + 2), 16));
    });
    return 'OK';
  }

  /** Z0/Z1 (and z): breakpoints by linear address; watchpoints (2–4) are not supported. */
  private breakpoint(insert: boolean, text: string): string {
    const [type, a, kind] = text.split(',');
    if (type !== '0' && type !== '1')
      return type === '2' || type === '3' || type === '4' ? '' : E_MALFORMED;
    const addr = parseNumber(a);
    if (addr === null || parseNumber(kind) === null) return E_MALFORMED;
    if (insert) this.breakpoints.add(addr);
    else this.breakpoints.delete(addr);
    return 'OK';
  }

  /** c/s (optionally at an address): the guest runs; the reply comes when it stops. */
  private resume(step: number, at: string): string | null {
    if (at !== '') {
      const addr = parseNumber(at);
      if (addr === null) return E_MALFORMED;
      this.cpu.eip = addr;
    }
    if (this.mode === 'running') return null;
    this.stepping = step;
    this.target.cpus.forEach((cpu, i) => {
      this.resumedAt[i] = cpu.instructions;
      cpu.trace = this.breakpoints.size > 0 || step >= 0 ? this.hook : null;
    });
    this.mode = 'running';
    this.target.release();
    return null;
  }

  /** The trace hook: stops a vCPU before a breakpoint, or after its one step. */
  private check(cpu: Cpu): void {
    const i = this.target.cpus.indexOf(cpu);
    if (this.mode !== 'running' || i < 0) return;
    const moved = cpu.instructions !== this.resumedAt[i];
    const stepped = this.stepping === i && moved;
    const linear = (cpu.segBase[CS]! + cpu.eip) >>> 0;
    if (!stepped && !(moved && this.breakpoints.has(linear))) return;
    cpu.pendingExit = ExitReason.Stopped;
    this.current = i;
    this.stop();
    this.clearHooks();
    this.send(frame(this.stopReply(SIGTRAP)));
  }

  private clearHooks(): void {
    this.stepping = -1;
    for (const cpu of this.target.cpus) if (cpu.trace === this.hook) cpu.trace = null;
  }

  private detach(): void {
    this.breakpoints.clear();
    this.clearHooks();
    if (this.mode === 'stopped') {
      this.mode = 'running';
      this.target.release();
    }
  }
}
