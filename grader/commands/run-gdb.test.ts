import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  assemble,
  type Cpu,
  CS,
  DS,
  EAX,
  ES,
  FS,
  GS,
  getEflags,
  PhysMemory,
  SS,
  translateForHost,
} from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { checksum, frame } from '../../tools/gdb-stub.ts';
import { type DomainView, loadHypervisor, REFERENCE_TREE } from './run.ts';
import { runUnderGdb } from './run-gdb.ts';

/** chapter 05's count guest and its labels, from the assembler's symbol table. */
function countGuest() {
  const files = asmSourcesUnder(join(REFERENCE_TREE, 'guests'));
  const r = assemble(files['count.asm']!, { fileName: 'count.asm', files, format: 'elf' });
  if (!r.ok) throw new Error('count.asm does not assemble');
  return { image: r.bytes, symbols: r.symbols };
}

function countSource(): string {
  return asmSourcesUnder(join(REFERENCE_TREE, 'guests'))['count.asm']!;
}

/** A guest booted on the reference, served to gdb in-process on a free port. */
async function bootUnderGdb(wait: boolean) {
  const hv = await loadHypervisor(REFERENCE_TREE);
  let output = '';
  const xen = new hv.Xen(new PhysMemory(36 << 20), {
    console: (_d, bytes) => {
      output += Buffer.from(bytes).toString('latin1');
    },
    log: () => {},
  });
  const toolstack = new hv.Toolstack(xen);
  const { image, symbols } = countGuest();
  const [domain] = toolstack.boot('count', () => image, { memoryMiB: 32, cmdline: '' }) as [
    DomainView,
  ];
  const cpu = (domain as DomainView & { vcpus: { cpu: Cpu }[] }).vcpus[0]!.cpu;
  let listening!: (port: number) => void;
  const port = new Promise<number>((resolve) => {
    listening = resolve;
  });
  const done = runUnderGdb(
    hv,
    xen,
    { domain, toolstack },
    {
      port: 0,
      wait,
      fuel: 50_000_000,
      listening,
    },
  );
  return { port: await port, done, cpu, domain, symbols, console: () => output };
}

/** A client that speaks the protocol itself: acks, checksums, one reply per request. */
class Client {
  private data = '';
  private waiting: (() => void) | null = null;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.data += d.toString('latin1');
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<Client> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return new Client(socket);
  }

  /** The next byte that is an ack or a nak. */
  async ack(): Promise<string> {
    for (;;) {
      const c = this.data[0];
      if (c === '+' || c === '-') {
        this.data = this.data.slice(1);
        return c;
      }
      await this.more();
    }
  }

  /** The next whole packet's body, its checksum checked, acked. */
  async packet(): Promise<string> {
    for (;;) {
      const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(this.data);
      if (m !== null) {
        this.data = this.data.slice(m[0].length);
        expect(m[2]).toBe(checksum(m[1]!));
        this.socket.write('+');
        return m[1]!;
      }
      await this.more();
    }
  }

  async request(body: string): Promise<string> {
    this.socket.write(frame(body));
    expect(await this.ack()).toBe('+');
    return this.packet();
  }

  private more(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

/** gdb's little-endian register hex for 32-bit values. */
function le32(value: number): string {
  return Buffer.from(Uint32Array.of(value >>> 0).buffer).toString('hex');
}

function registersOf(cpu: Cpu): string {
  const gprs = Array.from(cpu.reg32, (v) => le32(v)).join('');
  const segs = [CS, SS, DS, ES, FS, GS].map((s) => le32(cpu.segSelector[s]!)).join('');
  return gprs + le32(cpu.eip) + le32(getEflags(cpu)) + segs;
}

const hex = (n: number) => n.toString(16);

describe('xenlab run --gdb: the remote protocol over TCP', () => {
  it('breaks at a label, reads registers and memory as the sim has them, steps, continues', async () => {
    const g = await bootUnderGdb(true);
    const c = await Client.open(g.port);
    expect(await c.request('qSupported:xmlRegisters=i386')).toMatch(/PacketSize=[0-9a-f]+/);
    expect(await c.request('qXfer:features:read:target.xml:0,fff')).toMatch(
      /^l<\?xml.*<architecture>i386<\/architecture><feature name="org.gnu.gdb.i386.core">/,
    );
    expect(await c.request('?')).toBe('T05thread:1;');
    expect(await c.request('qfThreadInfo')).toBe('m1');
    // --gdb-wait: nothing ran yet, the vCPU is at the kernel's entry.
    expect(g.cpu.instructions).toBe(0);
    expect(await c.request('g')).toBe(registersOf(g.cpu));

    const sum = g.symbols.get('main.sum')!;
    expect(await c.request(`Z0,${hex(sum)},1`)).toBe('OK');
    expect(await c.request('c')).toBe('T05thread:1;');
    expect(g.cpu.eip).toBe(sum);
    const regs = await c.request('g');
    expect(regs).toBe(registersOf(g.cpu));
    expect(regs.slice(64, 72)).toBe(le32(sum));

    // Held: however long gdb looks, no instruction runs and virtual time stands still.
    const held = g.cpu.instructions;
    for (let i = 0; i < 5; i++) await c.request('g');
    expect(g.cpu.instructions).toBe(held);

    // Memory through the guest's page tables: "step " at says_step.
    const text = g.symbols.get('says_step')!;
    expect(await c.request(`m${hex(text)},5`)).toBe(Buffer.from('step ').toString('hex'));
    expect(await c.request('m10000000,4')).toBe('E14');
    // A write lands where the page tables say, and reads back.
    const step = g.symbols.get('step')!;
    const phys = translateForHost(g.cpu, step, false);
    const before = g.cpu.mem.read32(phys);
    expect(await c.request(`M${hex(step)},4:${le32(before)}`)).toBe('OK');
    expect(await c.request(`m${hex(step)},4`)).toBe(le32(before));

    // One step retires exactly one instruction.
    expect(await c.request('s')).toBe('T05thread:1;');
    expect(g.cpu.instructions).toBe(held + 1);
    expect(g.cpu.eip).not.toBe(sum);
    expect(await c.request(`p8`)).toBe(le32(g.cpu.eip));
    // A register write is the sim's register.
    expect(await c.request(`P0=${le32(0x1234)}`)).toBe('OK');
    expect(g.cpu.reg32[EAX]).toBe(0x1234);
    expect(await c.request('vCont?')).toBe('vCont;c;C;s;S');
    expect(await c.request('vCont;s:1')).toBe('T05thread:1;');
    expect(g.cpu.instructions).toBe(held + 2);

    expect(await c.request(`z0,${hex(sum)},1`)).toBe('OK');
    expect(await c.request('D')).toBe('OK');
    const result = await g.done;
    expect(g.domain.shutdownReason).toBe(0);
    expect(result.outcome).toBe('idle');
    expect(g.console()).toContain('step 12: ');
  });

  it('answers malformed packets and bad checksums as the protocol says; the guest keeps its state', async () => {
    const g = await bootUnderGdb(true);
    const c = await Client.open(g.port);
    const regs = await c.request('g');
    c.socket.write('$g#00');
    expect(await c.ack()).toBe('-');
    expect(await c.request('mzz,4')).toBe('E01');
    expect(await c.request('M0,4:zz')).toBe('E01');
    expect(await c.request('Pzz')).toBe('E01');
    expect(await c.request('G1234')).toBe('E01');
    expect(await c.request('Z0,notanaddress,1')).toBe('E01');
    expect(await c.request('Hg99')).toBe('E01');
    // Watchpoints: not supported (empty), so gdb falls back to software ones.
    expect(await c.request('Z2,1000,4')).toBe('');
    expect(await c.request('qNothingLikeThis')).toBe('');
    expect(await c.request('g')).toBe(regs);
    expect(g.cpu.instructions).toBe(0);
    // A client gone in the middle of a packet: the guest runs on as without gdb.
    c.socket.write('$m0,');
    c.socket.destroy();
    await g.done;
    expect(g.domain.shutdownReason).toBe(0);
    expect(g.console()).toContain('step 12: ');
  });

  it('Ctrl-C stops the running guest with SIGINT, and k ends only the guest', async () => {
    const g = await bootUnderGdb(true);
    const c = await Client.open(g.port);
    c.socket.write(frame('c'));
    expect(await c.ack()).toBe('+');
    // Interrupt once the guest is visibly under way (its third step printed).
    while (!g.console().includes('step 3:')) await new Promise((resolve) => setImmediate(resolve));
    c.socket.write('\x03');
    expect(await c.packet()).toBe('T02thread:1;');
    expect(g.console()).not.toContain('step 12:');
    const held = g.cpu.instructions;
    expect(await c.request('g')).toBe(registersOf(g.cpu));
    expect(g.cpu.instructions).toBe(held);
    c.socket.write(frame('k'));
    expect(await c.ack()).toBe('+');
    await g.done;
    expect(g.domain.state).toBe('destroyed');
  });
});

const GDB = '/usr/bin/gdb';
const bin = fileURLToPath(new URL('../../bin/xenlab.js', import.meta.url));

describe.skipIf(!existsSync(GDB))(
  'xenlab run --gdb with Debian’s gdb (skipped: no /usr/bin/gdb, package gdb)',
  () => {
    it('loads count’s ELF symbols, breaks on a label, continues, reads registers and memory, steps, kills', async () => {
      const { image, symbols } = countGuest();
      const elf = join(mkdtempSync(join(tmpdir(), 'xenlab-gdb-')), 'count.elf');
      writeFileSync(elf, image);
      const run = spawn(process.execPath, [
        bin,
        'run',
        elf,
        '--gdb',
        '0',
        '--gdb-wait',
        '--input',
        '',
      ]);
      let err = '';
      const port = await new Promise<number>((resolve) => {
        run.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /gdb stub on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m !== null) resolve(Number(m[1]));
        });
      });
      const sum = symbols.get('main.sum')!;
      const says = symbols.get('says_step')!;
      const gdb = spawn(GDB, [
        '-nx',
        '-batch',
        elf,
        '-ex',
        `target remote 127.0.0.1:${port}`,
        '-ex',
        "break 'main.sum'",
        '-ex',
        'continue',
        '-ex',
        'info registers eip ecx',
        '-ex',
        'x/s &says_step',
        '-ex',
        'x/i $pc',
        '-ex',
        'info line *$pc',
        '-ex',
        'stepi',
        '-ex',
        'p/x $eip',
        '-ex',
        'kill',
      ]);
      let out = '';
      gdb.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const gdbCode = await new Promise((resolve) => gdb.on('close', resolve));
      const runCode = await new Promise((resolve) => run.on('close', resolve));
      expect(gdbCode).toBe(0);
      expect(out).toContain(`Breakpoint 1 at 0x${hex(sum)}`);
      // gdb prints the label main.sum as main[sum] outside disassembly.
      expect(out).toMatch(new RegExp(`eip +0x${hex(sum)} +0x${hex(sum)} <main\\[sum\\]>`));
      expect(out).toMatch(/ecx +0x0 +0\n/);
      expect(out).toContain(`0x${hex(says)}:\t"step "`);
      expect(out).toMatch(/<main\.sum>:\trol +\$0x5,%eax/);
      // The assembler's .debug_line: the source line of the breakpoint's instruction.
      const line = countSource().split('\n').indexOf('  rol eax, 5') + 1;
      expect(out).toContain(
        `Line ${line} of "count.asm" starts at address 0x${hex(sum)} <main.sum>`,
      );
      // rol eax, 5 is three bytes long.
      expect(out).toContain(`$1 = 0x${hex(sum + 3)}`);
      expect(out).toContain('killed');
      expect(err).toContain('(count.elf) destroyed');
      expect(runCode).not.toBe(0);
    });
  },
);
