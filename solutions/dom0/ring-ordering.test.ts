// Book §6.3.2 made observable: a guest front end written with the ring library
// (guests/lib/ring.asm) talks to the TypeScript back end of ring.ts over a shared page, on a CPU
// with the x86-TSO store buffer on (sim/cpu/store-buffer.ts). With the library's full barrier
// (XEN_MB = MFENCE) no seeded interleaving loses a wake-up; built without it, the front end's
// update of req_prod (or rsp_event) still sits in its store buffer when the back end makes its
// final check, nobody notifies anybody, and both sides wait for ever.
// xenlab: file from 06
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  assemble,
  bufferedStores,
  ESP,
  ExitReason,
  enterFlatProtectedMode,
  formatAsmError,
  Machine,
  Prng,
  setStoreBuffer,
} from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { SRING } from '../xen/abi.ts';
import {
  type BackRing,
  backRingInit,
  ringFinalCheckForRequests,
  ringPushResponsesAndCheckNotify,
  ringSlot,
  ringUnconsumedRequests,
  sharedRingInit,
} from './ring.ts';

const GUESTS = join(dirname(fileURLToPath(import.meta.url)), '../guests');

const CODE = 0x1000;
const STACK = 0x9000;
const RING = 0x10000;
/** Requests the front end sends; it publishes each with a push of its own. */
const COUNT = 12;
/** Ports the harness claims: the front end's notify, its wait, and its verdicts. */
const NOTIFY_PORT = 0xe0;
const WAIT_PORT = 0xe1;
const DONE_PORT = 0xe2;
const WRONG_PORT = 0xe3;
/** Virtual ns a run may take: a correct exchange needs a few thousand. */
const FUEL = 200_000;

/**
 * The front end: requests {id, id ^ KEY}, each push followed by the library's notify decision;
 * every response must be {id, (id ^ KEY) + 1}. It waits (OUT to WAIT_PORT, which like
 * SCHEDOP_block returns at once when a notification is already pending) only after the ring's
 * final check found nothing.
 */
const FRONT = `
bits 32
org ${CODE}
%include "lib/xen.inc"
KEY equ 0x5a5a5a5a

section .text
  mov eax, ${RING}
  mov ebx, front
  mov ecx, 8
  call ring_front_init
produce:
  cmp dword [sent], ${COUNT}
  jae push
  call ring_free_requests
  test eax, eax
  jz push
  mov eax, [ebx + FRONT_req_prod_pvt]
  call ring_slot
  mov ecx, [sent]
  mov [eax], ecx
  xor ecx, KEY
  mov [eax + 4], ecx
  inc dword [ebx + FRONT_req_prod_pvt]
  inc dword [sent]
push:
  call ring_push_requests_and_check_notify
  test eax, eax
  jz consume
  out ${NOTIFY_PORT}, al
consume:
  call ring_unconsumed_responses
  test eax, eax
  jz check
  mov eax, [ebx + FRONT_rsp_cons]
  call ring_slot
  mov ecx, [received]
  cmp [eax], ecx
  jne wrong
  xor ecx, KEY
  inc ecx
  cmp [eax + 4], ecx
  jne wrong
  inc dword [ebx + FRONT_rsp_cons]
  inc dword [received]
  jmp consume
check:
  cmp dword [received], ${COUNT}
  je done
  cmp dword [sent], ${COUNT}
  jae wait
  call ring_free_requests
  test eax, eax
  jnz produce
wait:
  call ring_final_check_for_responses
  test eax, eax
  jnz consume
  out ${WAIT_PORT}, al
  jmp consume
done:
  out ${DONE_PORT}, al
  jmp done
wrong:
  out ${WRONG_PORT}, al
  jmp wrong

section .data
sent:     dd 0
received: dd 0

section .bss
front: resb FRONT_size

%include "BARRIERS"
%include "lib/ring.asm"
`;

/** The ring library's barriers with XEN_MB emptied: the ring 6.3.2 warns about. */
const NO_FULL_BARRIER = `
%macro XEN_WMB 0
%endmacro
%macro XEN_RMB 0
%endmacro
%macro XEN_MB 0
%endmacro
`;

type Barriers = 'lib/barrier.asm' | 'no-full-barrier.asm';
const images = new Map<Barriers, Uint8Array>();

function frontImage(barriers: Barriers): Uint8Array {
  const built = images.get(barriers);
  if (built !== undefined) return built;
  const files = { ...asmSourcesUnder(GUESTS), 'no-full-barrier.asm': NO_FULL_BARRIER };
  const source = FRONT.replace('BARRIERS', barriers);
  const result = assemble(source, { fileName: 'front.asm', files, format: 'bin' });
  if (!result.ok) throw new Error(result.errors.map(formatAsmError).join('\n'));
  images.set(barriers, result.bytes);
  return result.bytes;
}

interface Outcome {
  /** 'done': every response checked; 'stuck': both sides waiting; 'fuel': out of fuel. */
  end: 'done' | 'stuck' | 'fuel';
  /** Requests in the ring that the back end has not consumed. */
  unserved: number;
  /** The front end's stores still buffered when it ended. */
  buffered: number;
  /** Times a notification woke a sleeping back end. */
  wakeups: number;
}

/**
 * The back end's turn: consume up to `budget` requests, answer each, publish the answers
 * (notifying the front end when its event index asks), and — when the ring is empty — make the
 * final check. Returns whether it stays awake.
 */
function serve(back: BackRing, budget: number, notifyFront: () => void): boolean {
  const mem = back.mem;
  for (let n = 0; n < budget && ringUnconsumedRequests(back) > 0; n++) {
    const request = ringSlot(back, back.reqCons);
    const id = mem.read32(request);
    const value = mem.read32(request + 4);
    back.reqCons++;
    const response = ringSlot(back, back.rspProdPvt);
    mem.write32(response, id);
    mem.write32(response + 4, value + 1);
    back.rspProdPvt++;
  }
  if (ringPushResponsesAndCheckNotify(back)) notifyFront();
  if (ringUnconsumedRequests(back) > 0) return true;
  return ringFinalCheckForRequests(back);
}

/**
 * One exchange of COUNT requests, interleaved by `seed`: it seeds the front end's store buffer
 * (unless `storeBuffer` is false), how many instructions the front end runs between the back
 * end's turns, and each turn's budget.
 */
function exchange(barriers: Barriers, seed: number, storeBuffer = true): Outcome {
  const m = new Machine({ memoryBytes: 0x40000 });
  const cpu = m.cpus[0]!;
  enterFlatProtectedMode(cpu);
  m.mem.writeBytes(CODE, frontImage(barriers));
  cpu.eip = CODE;
  cpu.reg32[ESP] = STACK;
  for (const port of [NOTIFY_PORT, WAIT_PORT, DONE_PORT, WRONG_PORT]) cpu.hostPorts[port] = 1;
  if (storeBuffer) setStoreBuffer(cpu, { seed });
  sharedRingInit(m.mem, RING);
  const back = backRingInit(m.mem, RING, 8);
  const schedule = new Prng(seed ^ 0x5bd1e995);

  let backAwake = true;
  let wakeups = 0;
  let frontWaiting = false;
  let frontPending = false;
  const notifyFront = () => {
    if (frontWaiting) frontWaiting = false;
    else frontPending = true;
  };
  const outcome = (end: Outcome['end']): Outcome => ({
    end,
    unserved: (m.mem.read32(RING + SRING.req_prod) - back.reqCons) >>> 0,
    buffered: bufferedStores(cpu),
    wakeups,
  });
  while (m.now() < FUEL) {
    if (!frontWaiting) {
      const exit = m.run(1 + schedule.below(24));
      if (exit === ExitReason.Io) {
        if (cpu.exitPort === DONE_PORT) return outcome('done');
        if (cpu.exitPort === WRONG_PORT) throw new Error(`seed ${seed}: a wrong response`);
        if (cpu.exitPort === NOTIFY_PORT && !backAwake) {
          backAwake = true;
          wakeups++;
        }
        if (cpu.exitPort === WAIT_PORT) {
          if (frontPending) frontPending = false;
          else frontWaiting = true;
        }
      } else if (exit !== ExitReason.Fuel) {
        throw new Error(`seed ${seed}: exit ${ExitReason[exit]} at ${cpu.eip.toString(16)}`);
      }
    }
    if (backAwake && (frontWaiting || schedule.below(3) === 0)) {
      backAwake = serve(back, 1 + schedule.below(4), notifyFront);
    }
    // Each side waits for the other's notification, and none will come.
    if (frontWaiting && !backAwake) return outcome('stuck');
  }
  return outcome('fuel');
}

const SEEDS = 200;

describe('shared ring on an x86-TSO store buffer (book §6.3.2)', () => {
  it('with the full barrier, no seeded interleaving loses a wake-up', () => {
    let wakeups = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const outcome = exchange('lib/barrier.asm', seed);
      expect({ seed, ...outcome }).toMatchObject({ seed, end: 'done', unserved: 0 });
      wakeups += outcome.wakeups;
    }
    // The back end did go to sleep and was woken, again and again.
    expect(wakeups).toBeGreaterThan(SEEDS);
  });

  it('without it, a wake-up is lost: both sides wait, with requests in the ring', () => {
    const stuck: number[] = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      const outcome = exchange('no-full-barrier.asm', seed);
      if (outcome.end === 'done') continue;
      // The hang: the front end waits for responses, the back end sleeps, and the request
      // that should have woken it sits in the ring, visible to everyone now.
      expect(outcome).toMatchObject({ end: 'stuck', buffered: 0 });
      expect(outcome.unserved).toBeGreaterThan(0);
      stuck.push(seed);
    }
    expect(stuck.length).toBeGreaterThan(0);
  });

  it('without the store buffer, even the ring without the barrier loses nothing', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const outcome = exchange('no-full-barrier.asm', seed, false);
      expect({ seed, ...outcome }).toMatchObject({ seed, end: 'done' });
    }
  });
});
