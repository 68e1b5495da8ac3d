// The book's figures (`<<< figure:NAME`), drawn at build time as SVG from what the code does: a
// guest is booted or run on the reference hypervisor (or chapter 1's monitor) and the figure is
// drawn from its state, so a figure cannot disagree with the code. Colours are VitePress's
// variables (style.css, .xenlab-figure), so each figure follows the light and dark themes.
// Node-only.

import { join } from 'node:path';
import { PhysMemory } from '../../sim/host.ts';
import { BLKIF_OP_READ, readRequest, readResponse } from '../../solutions/dom0/blkif.ts';
import { formatMac } from '../../solutions/dom0/bridge.ts';
import { MemoryDisk } from '../../solutions/dom0/disk.ts';
import { network } from '../../solutions/dom0/netback-xenbus.ts';
import { ringSlot } from '../../solutions/dom0/ring.ts';
import { Toolstack } from '../../solutions/dom0/toolstack.ts';
import { buildGuest } from '../../solutions/guests/index.ts';
import { HYPERVISOR_VIRT_START, VCPU_TIME_INFO } from '../../solutions/xen/abi.ts';
import { formatTrace } from '../../solutions/xen/hypercall.ts';
import { runDomains } from '../../solutions/xen/schedule.ts';
import { Xen } from '../../solutions/xen/xen.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildFat } from '../../tools/fat.ts';
import { hex } from './theme/guest/handle.ts';
import type { PageWalkView } from './theme/guest/inspectors.ts';
import { INSPECTORS } from './theme/guest/inspectors.ts';
import { pageTables } from './theme/guest/page-tables.ts';
import { type GuestSession, MonitorSession, PvSession, startGuest } from './theme/guest/session.ts';
import type { VcpuTimeInfoView } from './theme/guest/vcpu-time-info.ts';

/** A figure: its SVG and the sentence under it saying what run it was drawn from. */
export interface Figure {
  svg: string;
  caption: string;
}

const LINE = 18;
const CHAR = 7.2;

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A box with lines of text, the first in bold. */
function box(x: number, y: number, w: number, lines: string[], kind = ''): string {
  const h = lines.length * LINE + 10;
  const text = lines
    .map(
      (l, i) =>
        `<text x="${x + 8}" y="${y + 18 + i * LINE}"${i === 0 ? ' class="head"' : ''}>${escapeXml(l)}</text>`,
    )
    .join('');
  return `<rect class="${kind}" x="${x}" y="${y}" width="${w}" height="${h}" rx="4"/>${text}`;
}

function arrow(x1: number, y1: number, x2: number, y2: number, label = ''): string {
  const mid =
    label === ''
      ? ''
      : `<text class="label" x="${(x1 + x2) / 2 + 6}" y="${(y1 + y2) / 2 + 4}">${escapeXml(label)}</text>`;
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#xenlab-arrow)"/>${mid}`;
}

function svg(width: number, height: number, body: string, title: string): string {
  return (
    `<svg class="xenlab-figure" role="img" viewBox="0 0 ${width} ${height}" width="${width}" ` +
    `xmlns="http://www.w3.org/2000/svg"><title>${escapeXml(title)}</title><defs>` +
    '<marker id="xenlab-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ' +
    'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"/></marker></defs>' +
    `${body}</svg>`
  );
}

const boot = (name: string, files: Record<string, string>) => startGuest(name, files);

function runToEnd(session: GuestSession): void {
  while (!session.ended && session.instructions < session.budget) {
    if (!session.run(session.budget)) break;
  }
}

/** Chapter 1: what the monitor trapped and emulated, for popf-guard on each of its machines. */
function monitorTraps(files: Record<string, string>): Figure {
  const modes = [
    ['popf-guard-bare', 'on the bare CPU, ring 0'],
    ['popf-guard', 'deprivileged to ring 1'],
    ['popf-guard-rewritten', 'ring 1, code rewritten'],
  ] as const;
  const rows = modes.map(([name, how]) => {
    const s = boot(name, files);
    runToEnd(s);
    const counts = s instanceof MonitorSession ? [...s.vm.trapCounts] : [];
    return { name, how, counts, total: counts.reduce((n, [, c]) => n + c, 0) };
  });
  const most = Math.max(1, ...rows.map((r) => r.total));
  let body = '';
  rows.forEach((r, i) => {
    const y = 10 + i * 64;
    body += `<text x="10" y="${y + 14}" class="head">${escapeXml(`${r.name}: ${r.how}`)}</text>`;
    const w = Math.max(2, (r.total / most) * 400);
    body += `<rect class="bar" x="10" y="${y + 22}" width="${w}" height="18" rx="2"/>`;
    const detail = r.counts.map(([m, c]) => `${m} ×${c}`).join(', ');
    body += `<text x="${w + 18}" y="${y + 36}">${escapeXml(`${r.total} traps${detail ? `: ${detail}` : ''}`)}</text>`;
  });
  return {
    svg: svg(760, 10 + rows.length * 64, body, 'Traps taken by popf-guard on each machine'),
    caption: 'Traps the monitor took and emulated in a run of popf-guard on each of its machines.',
  };
}

/** Chapter 2: the guest's address space as the domain builder maps it for hello. */
function pvAddressSpace(files: Record<string, string>): Figure {
  const s = boot('hello', files);
  const { runs } = pageTables(s);
  const width = 720;
  let body = '';
  let y = 10;
  for (const r of [...runs].reverse()) {
    const end = r.linear + r.pages * 4096 - 1;
    const xen = r.linear >= HYPERVISOR_VIRT_START;
    const lines = [
      `linear ${hex(r.linear)}–${hex(end)}  (${r.pages} pages, ${r.flags})`,
      `→ machine ${hex(r.machine)}${xen ? '  ·  Xen’s hole: read-only to the guest' : ''}`,
    ];
    body += box(10, y, width - 20, lines, xen ? 'xen' : '');
    y += lines.length * LINE + 18;
  }
  return {
    svg: svg(width, y, body, 'The PV guest address space of hello at its first instruction'),
    caption:
      'hello’s address space at its first instruction: every run of pages its page tables map, ' +
      'top of memory first (from the page-tables inspector).',
  };
}

/** Chapter 3: vcpu_time_info, field by field, as Xen published it for gettimeofday. */
function timeRecord(files: Record<string, string>): Figure {
  const s = boot('gettimeofday', files);
  runToEnd(s);
  const v = INSPECTORS['vcpu-time-info']!(s, {}) as VcpuTimeInfoView;
  const values: Record<keyof typeof VCPU_TIME_INFO, string> = {
    version: `${v.version} (even: consistent)`,
    tsc_timestamp: String(v.tscTimestamp),
    system_time: `${v.systemTime} ns`,
    tsc_to_system_mul: `0x${hex(v.mul)}`,
    tsc_shift: String(v.shift),
    flags: `0x${hex(v.flags, 2)}`,
  };
  let body = '';
  let y = 10;
  for (const [field, offset] of Object.entries(VCPU_TIME_INFO)) {
    body += box(10, y, 520, [`+${offset}  ${field}`, values[field as keyof typeof values]]);
    y += 2 * LINE + 16;
  }
  return {
    svg: svg(540, y, body, 'vcpu_time_info as Xen published it'),
    caption:
      'vcpu_time_info (offsets from solutions/xen/abi.ts) as Xen had published it when ' +
      'gettimeofday powered off.',
  };
}

/** Chapter 4: the grant's life, from a run of the grant-share scenario. */
function grantLifecycle(files: Record<string, string>): Figure {
  const events: { domain: number; text: string }[] = [];
  /** Each domain's console so far, up to its last whole line: lines print by console_io. */
  const shown = new Map<number, number>();
  // The session's trace starts while it is being built (domain 0 sets up the grant tables).
  let s: ReturnType<typeof startGuest> | null = null;
  const printed = () => {
    if (!(s instanceof PvSession)) return;
    for (const [d, text] of s.xen.consoleOutput) {
      const end = text.lastIndexOf('\n') + 1;
      for (const line of text.slice(shown.get(d) ?? 0, end).split('\n')) {
        if (line.trim() !== '') events.push({ domain: d, text: `“${line.trim()}”` });
      }
      shown.set(d, end);
    }
  };
  s = startGuest('grant-share', files, {
    trace: (line) => {
      printed();
      // The two guests' lanes: domain 0's setup_table before they boot is the toolstack's.
      const m = /^d(\d+)v\d+ grant_table_op\(cmd=(\w+).*\) = (-?\d+)$/.exec(line);
      if (m !== null && m[1] !== '0')
        events.push({ domain: Number(m[1]), text: `${m[2]} = ${m[3]}` });
    },
  });
  runToEnd(s);
  printed();
  const lanes = [...new Set(events.map((e) => e.domain))].sort();
  const laneX = (d: number) => 20 + lanes.indexOf(d) * 380;
  let body = lanes
    .map(
      (d) =>
        `<text class="head" x="${laneX(d)}" y="20">d${d} ${d === lanes[0] ? 'grant-share' : 'grant-map'}</text>`,
    )
    .join('');
  events.forEach((e, i) => {
    const y = 40 + i * 26;
    const text = e.text.length > 48 ? `${e.text.slice(0, 47)}…` : e.text;
    body += `<rect class="${e.text.startsWith('GNTTABOP') ? 'call' : ''}" x="${laneX(e.domain)}" y="${y}" width="${text.length * CHAR + 16}" height="20" rx="3"/>`;
    body += `<text x="${laneX(e.domain) + 8}" y="${y + 14}">${escapeXml(text)}</text>`;
  });
  return {
    svg: svg(780, 50 + events.length * 26, body, 'A grant from grant-share to grant-map, in order'),
    caption:
      'A run of the grant-share scenario: each domain’s grant-table hypercalls (filled) and ' +
      'what it printed, in the order they happened.',
  };
}

/** Chapter 5: the walk of hello's first instruction's address through its PAE tables. */
function pageWalk(files: Record<string, string>): Figure {
  const s = boot('hello', files);
  const walk = INSPECTORS['page-walk']!(s, { address: s.cpu.eip }) as PageWalkView;
  let body = box(10, 10, 200, ['CR3', `machine ${hex(walk.cr3)}`]);
  walk.steps.forEach((step, i) => {
    const y = 10 + i * 84;
    body += i === 0 ? arrow(210, 30, 250, 30) : arrow(290, y - 20, 290, y);
    body += box(250, y, 460, [
      `${step.level}[${step.slot}] = ${hex(step.value[0])}:${hex(step.value[1])}`,
      `frame ${hex(step.frame, 5)} · d${step.owner} · ${step.type}${step.pinned ? ' (pinned)' : ''}`,
      `type count ${step.typeCount} · count ${step.count}`,
    ]);
  });
  const last = 10 + walk.steps.length * 84;
  if (walk.machine !== null) {
    body += arrow(290, last - 20, 290, last);
    body += box(
      250,
      last,
      460,
      ['the instruction’s first byte', `machine ${hex(walk.machine)}`],
      'xen',
    );
  }
  return {
    svg: svg(720, last + 60, body, `The page walk of linear ${hex(walk.address)}`),
    caption:
      `The walk of linear ${hex(walk.address)} (hello’s first instruction) through its PAE ` +
      'tables, with what Xen’s frame table says of each frame (from the page-walk inspector).',
  };
}

/** "10.0.0.2" from the four bytes of `f` at `at`. */
const ipAt = (f: Uint8Array, at: number): string => Array.from(f.subarray(at, at + 4)).join('.');

/** What a frame of the ping scenario is, in tcpdump's words (Ethernet, ARP, IPv4, ICMP echo). */
function describeFrame(f: Uint8Array): string {
  const type = (f[12]! << 8) | f[13]!;
  if (type === 0x0806 && f[21] === 1) return `ARP who-has ${ipAt(f, 38)} tell ${ipAt(f, 28)}`;
  if (type === 0x0806 && f[21] === 2) return `ARP ${ipAt(f, 28)} is-at ${formatMac(f, 22)}`;
  if (type === 0x0800 && f[23] === 1) {
    const what = f[34] === 8 ? 'echo request' : f[34] === 0 ? 'echo reply' : `ICMP type ${f[34]}`;
    const seq = (f[40]! << 8) | f[41]!;
    return `${ipAt(f, 26)} > ${ipAt(f, 30)}: ICMP ${what}, seq ${seq}`;
  }
  return `ethertype 0x${type.toString(16).padStart(4, '0')}`;
}

/** Chapter 9: every frame the bridge forwarded in a run of the ping scenario. */
function packetTrace(files: Record<string, string>): Figure {
  const s = startGuest('ping', files);
  if (!(s instanceof PvSession)) throw new Error('packet-trace: ping is not a PV scenario');
  const rows: { from: string; to: string; text: string; length: number }[] = [];
  network(s.xen, s.toolstack.xenstored).bridge.tap((e) => {
    const to = e.to.length === 0 ? '(nobody)' : e.to.join(', ');
    rows.push({ from: e.from, to, text: describeFrame(e.frame), length: e.frame.length });
  });
  runToEnd(s);
  let body = '<text class="head" x="20" y="20">from</text>';
  body +=
    '<text class="head" x="110" y="20">to</text><text class="head" x="200" y="20">bytes</text>';
  body += '<text class="head" x="260" y="20">frame</text>';
  rows.forEach((r, i) => {
    const y = 34 + i * 26;
    body += `<rect class="${r.text.startsWith('ARP') ? 'call' : ''}" x="10" y="${y}" width="700" height="20" rx="3"/>`;
    body += `<text x="20" y="${y + 14}">${escapeXml(r.from)}</text>`;
    body += `<text x="110" y="${y + 14}">${escapeXml(r.to)}</text>`;
    body += `<text x="200" y="${y + 14}">${r.length}</text>`;
    body += `<text x="260" y="${y + 14}">${escapeXml(r.text)}</text>`;
  });
  return {
    svg: svg(720, 44 + rows.length * 26, body, 'Frames across the bridge between ping and pong'),
    caption:
      'A run of the ping scenario: every frame domain 0’s bridge forwarded, in order — the port ' +
      'it came in by, the ports it went out of, and what it is.',
  };
}

/**
 * Chapter 9: the life of the disk guest's first read, from its request in a ring slot to the
 * response it takes back: the guest's and domain 0's hypercalls in order, with the request and
 * the response as the ring holds them.
 */
function blkRequestLife(files: Record<string, string>): Figure {
  const rows: { lane: 0 | 1; lines: string[] }[] = [];
  let xen: Xen | null = null;
  let seen: 'waiting' | 'request' | 'served' | 'done' = 'waiting';
  const connection = () =>
    toolstack === null ? null : ([...toolstack.vbds.blkback.bus.devices.values()][0]?.conn ?? null);
  let toolstack: Toolstack | null = null;
  xen = new Xen(new PhysMemory(40 << 20), {
    trace: (t) => {
      const conn = connection();
      if (conn === null || seen === 'done') return;
      const call = formatTrace(t).replace(/^d\d+v\d+ /, '');
      if (seen === 'waiting' && t.domid !== 0 && call.includes('EVTCHNOP_send')) {
        const req = readRequest(xen!.mem, ringSlot(conn.ring, conn.ring.reqCons));
        const published = xen!.mem.read32(conn.ring.sring) !== conn.ring.reqCons;
        if (!published || req.operation !== BLKIF_OP_READ) return;
        const seg = req.segments[0]!;
        rows.push({
          lane: 0,
          lines: [
            `request in ring slot ${conn.ring.reqCons % conn.ring.nrEnts}, req_prod ${conn.ring.reqCons + 1}`,
            `operation READ, id ${req.idLo}, sector_number ${req.sectorNumber}, nr_segments ${req.nrSegments}`,
            `seg[0]: gref ${seg.gref}, first_sect ${seg.firstSect}, last_sect ${seg.lastSect}`,
          ],
        });
        rows.push({ lane: 0, lines: ['notifies domain 0', call] });
        seen = 'request';
      } else if (seen === 'request' && t.domid === 0 && call.includes('GNTTABOP_copy')) {
        rows.push({
          lane: 1,
          lines: [
            'blkback, at domain 0’s turn: copies the request out, checks it',
            'reads the sectors, copies them into the granted page:',
            call,
          ],
        });
        seen = 'served';
      } else if (seen === 'served' && t.domid === 0 && call.includes('EVTCHNOP_send')) {
        const rsp = readResponse(xen!.mem, ringSlot(conn.ring, conn.ring.rspProdPvt - 1));
        rows.push({
          lane: 1,
          lines: [
            `response in slot ${(conn.ring.rspProdPvt - 1) % conn.ring.nrEnts}, rsp_prod ${conn.ring.rspProdPvt}`,
            `id ${rsp.idLo}, operation ${rsp.operation}, status ${rsp.status}${rsp.status === 0 ? ' (BLKIF_RSP_OKAY)' : ''}`,
            `notifies the guest: ${call}`,
          ],
        });
        seen = 'done';
      }
    },
  });
  toolstack = new Toolstack(xen);
  const guest = toolstack.create(buildGuest('disk.asm', files), {
    name: 'disk',
    memoryMiB: 32,
    cmdline: '',
  });
  const hello = new TextEncoder().encode('Hello, disk!\n');
  toolstack.attachDisk(
    guest,
    new MemoryDisk(buildFat([{ path: '/HELLO.TXT', data: hello }], { size: 1 << 20 })),
  );
  toolstack.start(guest);
  runDomains(xen, 40_000_000);
  const laneX = (lane: 0 | 1) => 20 + lane * 330;
  let body =
    `<text class="head" x="${laneX(0)}" y="20">d${guest.domid} disk (blkfront, in the guest)</text>` +
    `<text class="head" x="${laneX(1)}" y="20">d0 blkback (TypeScript)</text>`;
  let y = 34;
  for (const row of rows) {
    body += box(
      laneX(row.lane) - (row.lane === 1 ? 250 : 0),
      y,
      580,
      row.lines,
      row.lane === 1 ? 'xen' : '',
    );
    y += row.lines.length * LINE + 22;
  }
  return {
    svg: svg(700, y + 10, body, 'The life of one blkif read request'),
    caption:
      'A run of the disk guest on a FAT image: its first read, from the request it put in the ' +
      'ring through domain 0’s grant copy to the response (values read from the ring as the run ' +
      'went).',
  };
}

const FIGURES: Record<string, (files: Record<string, string>) => Figure> = {
  'monitor-traps': monitorTraps,
  'pv-address-space': pvAddressSpace,
  'time-record': timeRecord,
  'grant-lifecycle': grantLifecycle,
  'page-walk': pageWalk,
  'blk-request-life': blkRequestLife,
  'packet-trace': packetTrace,
};

/** Every figure, by name. */
export function renderFigures(root: string): Map<string, Figure> {
  const files = asmSourcesUnder(join(root, 'solutions/guests'));
  return new Map(Object.entries(FIGURES).map(([name, draw]) => [name, draw(files)]));
}
