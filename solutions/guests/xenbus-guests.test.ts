// The guest side of XenStore and XenBus in assembly (lib/xenstore.asm's writes, lib/xenbus.asm):
// a test kernel drives the routines over its real ring against domain 0's xenstored, and the
// test reads the store afterwards (book §8.4.2, §9.1.1).

import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest } from './index.ts';

const sources = asmSourcesUnder(new URL('.', import.meta.url).pathname);

/** A kernel whose main is `body`, with the XenStore and XenBus libraries; its console. */
function run(body: string, before?: (ts: Toolstack, domid: number) => void, fuel = 3_000_000) {
  const program = [
    '%include "lib/head.asm"',
    '%include "lib/xenstore.asm"',
    '%include "lib/xenbus.asm"',
    'section .text',
    'main:',
    '  call xs_init',
    body,
    '  ret',
    'show:',
    '  push eax',
    '  call print_dec',
    '  mov esi, nl',
    '  call print',
    '  pop eax',
    '  ret',
    'section .data',
    'nl: db 13, 10, 0',
  ].join('\n');
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const d = ts.create(buildGuest('t.asm', { ...sources, 't.asm': program }), {
    name: 'xbtest',
    memoryMiB: 8,
    cmdline: '',
  });
  before?.(ts, d.domid);
  ts.start(d);
  runDomains(xen, fuel);
  const lines = ts.console(d).split('\r\n');
  return { xen, ts, d, lines, home: `/local/domain/${d.domid}` };
}

describe('the guest’s XenStore writes (lib/xenstore.asm)', () => {
  it('writes, reads back numbers, makes and removes nodes, over its own ring', () => {
    const { ts, home, lines, xen } = run(`
  mov esi, p_greeting
  mov edi, v_hello
  call xs_write
  call show
  mov esi, p_n
  mov eax, 4294967295 - 4000000000
  call xs_write_number
  call show
  mov esi, p_n
  call xs_read_number
  call show
  mov esi, p_dir
  mov eax, XS_MKDIR
  call xs_path_op
  call show
  mov esi, p_gone
  mov edi, v_hello
  call xs_write
  mov esi, p_gone
  mov eax, XS_RM
  call xs_path_op
  call show
  mov esi, p_greeting
  call xs_read_number
  call show
  mov esi, p_name
  mov edi, v_hello
  call xs_write
  call show
  mov esi, xs_reply
  call print
  ret
section .data
p_greeting: db "data/greeting", 0
p_n: db "data/n", 0
p_dir: db "data/dir", 0
p_gone: db "data/gone", 0
p_name: db "name", 0
v_hello: db "hello", 0
`);
    expect(lines, xen.logLines.join('\n')).toEqual([
      '0', // write
      '0', // write_number
      '294967295', // read back
      '0', // mkdir
      '0', // rm
      String(2 ** 32 - 1), // -1: "hello" is no number
      '16', // XS_ERROR: name is the toolstack's, read-only for the guest
      'EACCES',
    ]);
    expect(ts.xs.read(`${home}/data/greeting`)).toBe('hello');
    expect(ts.xs.read(`${home}/data/n`)).toBe('294967295');
    expect(ts.xs.read(`${home}/data/dir`)).toBe('');
    expect(ts.xs.tryRead(`${home}/data/gone`)).toBeUndefined();
    expect(ts.xs.read(`${home}/name`)).toBe('xbtest');
  });

  it('finds its device and its back end, switches state, waits for the back end’s on a watch', () => {
    let backend = '';
    const { ts, home, lines, xen, d } = run(
      `
  mov esi, p_class
  call xenbus_find_device
  call show
  mov esi, xb_front
  call print
  mov esi, nl
  call print
  call xenbus_read_backend
  call show
  mov eax, [xb_backend_id]
  call show
  mov esi, xb_back
  call print
  mov esi, nl
  call print
  mov eax, XenbusStateInitialised
  call xenbus_switch_state
  mov eax, XenbusStateConnected
  call xenbus_wait_backend_state
  call show
  ret
section .data
p_class: db "device/vbd", 0
`,
      (ts, domid) => {
        backend = `/local/domain/0/backend/vbd/${domid}/51712`;
        const front = `/local/domain/${domid}/device/vbd/51712`;
        ts.xs.mkdir(front);
        ts.xs.setPerms(front, [`n${domid}`, 'r0']);
        ts.xs.write(`${front}/backend`, backend);
        ts.xs.write(`${front}/backend-id`, '0');
        ts.xs.write(`${front}/state`, '1');
        ts.xs.write(`${backend}/state`, '2');
        ts.xs.setPerms(`${backend}/state`, ['n0', `r${domid}`]);
      },
      600_000,
    );
    // The guest waits: the back end has not connected.
    expect(lines.slice(0, 5), xen.logLines.join('\n')).toEqual([
      '51712',
      'device/vbd/51712',
      '0',
      '0',
      backend,
    ]);
    expect(lines).toHaveLength(6);
    expect(ts.xs.read(`${home}/device/vbd/51712/state`)).toBe('3');
    // The back end connects: the watch wakes the guest, which reads the state and returns.
    ts.xs.write(`${backend}/state`, '4');
    runDomains(xen, 600_000);
    expect(ts.console(d).split('\r\n').slice(5)).toEqual(['4', '']);
  });
});
