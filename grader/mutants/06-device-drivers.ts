// Mutants of chapter 06's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

export const MUTANTS_06: readonly Mutant[] = [
  // 06-ring-indices
  {
    name: 'ring-slot-unmasked',
    exercise: '06-ring-indices',
    file: 'dom0/ring.ts',
    search: 'const slot = i & (r.nrEnts - 1);',
    replace: 'const slot = i;',
    why: 'an index names its slot modulo the ring size; unmasked, it runs off the page',
  },
  {
    name: 'ring-free-off-by-one',
    exercise: '06-ring-indices',
    file: 'dom0/ring.ts',
    search: 'return r.nrEnts - inFlight;',
    replace: 'return r.nrEnts - 1 - inFlight;',
    why: 'a ring of N slots holds N requests: keeping one slot empty is another protocol',
  },
  {
    name: 'ring-free-unwrapped',
    exercise: '06-ring-indices',
    file: 'dom0/ring.ts',
    search: 'const inFlight = idx(r.reqProdPvt - r.rspCons);',
    replace: 'const inFlight = r.reqProdPvt - r.rspCons;',
    why: 'index differences are modulo 2^32: past the wrap the producer index is the smaller',
  },
  {
    name: 'ring-responses-unwrapped',
    exercise: '06-ring-indices',
    file: 'dom0/ring.ts',
    search: 'return idx(published - r.rspCons);',
    replace: 'return Math.max(0, published - r.rspCons);',
    why: 'responses published across the 2^32 wrap are still there to consume',
  },
  {
    name: 'ring-requests-uncapped',
    exercise: '06-ring-indices',
    file: 'dom0/ring.ts',
    search: 'return Math.min(requests, room);',
    replace: 'return requests;',
    why: 'a wild req_prod must not make the back end read slots it has not answered yet',
  },
  // 06-ring-notify
  {
    name: 'notify-compares-unwrapped',
    exercise: '06-ring-notify',
    file: 'dom0/ring.ts',
    search: 'return idx(next - event) < idx(next - old);',
    replace: 'return event > old && event <= next;',
    why: 'comparing indices with > breaks at the 2^32 wrap; distances from `next` do not',
  },
  {
    name: 'notify-includes-old',
    exercise: '06-ring-notify',
    file: 'dom0/ring.ts',
    search: 'return idx(next - event) < idx(next - old);',
    replace: 'return idx(next - event) <= idx(next - old);',
    why: 'an event index equal to the old producer index asked for a message already sent',
  },
  {
    name: 'final-check-requests-no-recheck',
    exercise: '06-ring-notify',
    file: 'dom0/ring.ts',
    search: `  write(r, SRING.req_event, r.reqCons + 1);
  // mb: the event index is visible before we read req_prod again.
  return ringUnconsumedRequests(r) > 0;`,
    replace: `  write(r, SRING.req_event, r.reqCons + 1);
  return false;`,
    why: 'a request published between the first look and arming req_event wakes nobody',
  },
  {
    name: 'final-check-event-at-cons',
    exercise: '06-ring-notify',
    file: 'dom0/ring.ts',
    search: 'write(r, SRING.req_event, r.reqCons + 1);',
    replace: 'write(r, SRING.req_event, r.reqCons);',
    why: 'the event index names the next message (cons + 1): at cons, no push ever notifies',
  },
  {
    name: 'final-check-responses-no-recheck',
    exercise: '06-ring-notify',
    file: 'dom0/ring.ts',
    search: `  write(r, SRING.rsp_event, r.rspCons + 1);
  // mb
  return ringUnconsumedResponses(r) > 0;`,
    replace: `  write(r, SRING.rsp_event, r.rspCons + 1);
  return false;`,
    why: 'the front end, too, must look again after arming rsp_event',
  },
  // 06-console-drain
  {
    name: 'drain-unmasked',
    exercise: '06-console-drain',
    file: 'dom0/xenconsoled.ts',
    search: 'bytes[i] = mem.read8(ring + XENCONS.out + (idx(cons + i) & (XENCONS_OUT_SIZE - 1)));',
    replace: 'bytes[i] = mem.read8(ring + XENCONS.out + idx(cons + i));',
    why: 'a byte’s slot is its index modulo the ring’s 2048 bytes',
  },
  {
    name: 'drain-full-ring-refused',
    exercise: '06-console-drain',
    file: 'dom0/xenconsoled.ts',
    search: 'if (pending > XENCONS_OUT_SIZE) {',
    replace: 'if (pending >= XENCONS_OUT_SIZE) {',
    why: 'a ring holding exactly 2048 bytes is full, not broken',
  },
  {
    name: 'drain-cons-not-published',
    exercise: '06-console-drain',
    file: 'dom0/xenconsoled.ts',
    search: '  mem.write32(ring + XENCONS.out_cons, prod);\n  return bytes;',
    replace: '  return bytes;',
    why: 'until out_cons moves, the guest cannot reuse the slots and the bytes drain again',
  },
  // 06-console-write
  {
    name: 'cons-write-full-off-by-one',
    exercise: '06-console-write',
    file: 'guests/lib/xencons.asm',
    search: '  jae .publish                         ; full',
    replace: '  ja .publish                          ; full',
    why: 'with 2048 bytes pending the ring is full: one more overwrites an unread byte',
  },
  {
    name: 'cons-write-unmasked',
    exercise: '06-console-write',
    file: 'guests/lib/xencons.asm',
    search: '  and ebx, XENCONS_OUT_SIZE - 1\n  mov al, [esi]',
    replace: '  mov al, [esi]',
    why: 'the slot is out_prod masked by 2047: unmasked, bytes land past `out`, on the indices',
  },
  {
    name: 'cons-write-drops-when-full',
    exercise: '06-console-write',
    file: 'guests/lib/xencons.asm',
    search:
      '  call yield                           ; full: let the back end drain it, then look again\n  jmp .batch',
    replace: '  jmp .done',
    why: 'a full ring must stop the writer until there is room, never drop the rest',
  },
  {
    name: 'cons-write-no-notify',
    exercise: '06-console-write',
    file: 'guests/lib/xencons.asm',
    search: '  mov [edi + XENCONS_out_prod], edx\n  call xencons_notify',
    replace: '  mov [edi + XENCONS_out_prod], edx',
    why: 'the back end sleeps until the console’s event channel tells it there is output',
  },
];
