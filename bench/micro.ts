// `npx tsx bench/micro.ts`: nanoseconds per instruction for single instruction forms, to see
// where the interpreter's time goes (`npm run bench` measures whole workloads). Each form runs
// 64 times per iteration of a DEC ECX / JNZ loop, a million iterations, in flat 32-bit ring 0
// with paging on; the figure is the best of five runs after a warm-up. Bodies must not touch
// ECX or EIP. MICRO=hex,hex… times one body of your own instead of the list.

import { CR0_PG, ECX, ESI, ESP, enterFlatProtectedMode, Machine, writeCr } from '../sim/host.ts';

const CODE_ADDR = 0x1000;
const PAGE_DIRECTORY = 0x10000;
const PAGE_TABLE = 0x11000;
const DATA = 0x200000;
const ITERATIONS = 1_000_000;
const BODY_REPEAT = 64;

const FORMS: [string, number[]][] = [
  ['nop', [0x90]],
  ['mov eax, esi', [0x8b, 0xc6]],
  ['add eax, ebx', [0x01, 0xd8]],
  ['inc ebx', [0x43]],
  ['and ebx, imm32', [0x81, 0xe3, 0xff, 0xff, 0x00, 0x00]],
  ['add esi, imm8', [0x83, 0xc6, 0x00]],
  ['mov eax, [esi]', [0x8b, 0x06]],
  ['mov [esi], eax', [0x89, 0x06]],
  ['jnz (to the next)', [0x75, 0x00]],
];

/** MOV ECX, n; BODY_REPEAT × body; DEC ECX; JNZ back; HLT. */
function program(body: number[]): Uint8Array {
  const bytes = [0xb9, ...le32(ITERATIONS)];
  const top = bytes.length;
  for (let i = 0; i < BODY_REPEAT; i++) bytes.push(...body);
  bytes.push(0x49);
  bytes.push(0x0f, 0x85, ...le32(top - (bytes.length + 6)), 0xf4);
  return new Uint8Array(bytes);
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function nsPerInstruction(image: Uint8Array): number {
  const machine = new Machine({ memoryBytes: 8 << 20 });
  const mem = machine.mem;
  mem.writeBytes(CODE_ADDR, image);
  mem.write32(PAGE_DIRECTORY, PAGE_TABLE | 3);
  for (let page = 0; page < 1024; page++) mem.write32(PAGE_TABLE + 4 * page, (page << 12) | 3);
  const cpu = machine.cpus[0]!;
  enterFlatProtectedMode(cpu, 0);
  writeCr(cpu, 3, PAGE_DIRECTORY);
  writeCr(cpu, 0, cpu.cr0 | CR0_PG);
  cpu.eip = CODE_ADDR;
  cpu.reg32[ESP] = 0x80000;
  cpu.reg32[ESI] = DATA;
  const start = now();
  machine.run(1e12);
  const ns = (now() - start) * 1e9;
  if (cpu.reg32[ECX] !== 0) throw new Error('micro: the loop did not finish');
  return ns / cpu.instructions;
}

/** Seconds of wall-clock time, or of CPU time with BENCH_CLOCK=cpu (see index.ts). */
function now(): number {
  if (process.env.BENCH_CLOCK !== 'cpu') return performance.now() / 1000;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function best(body: number[]): number {
  const image = program(body);
  nsPerInstruction(image); // warm-up
  let min = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) min = Math.min(min, nsPerInstruction(image));
  return min;
}

const custom = process.env.MICRO;
const forms: [string, number[]][] =
  custom === undefined ? FORMS : [[custom, custom.split(',').map((h) => Number.parseInt(h, 16))]];
for (const [name, body] of forms) {
  console.log(`${name.padEnd(18)} ${best(body).toFixed(1)} ns`);
}
