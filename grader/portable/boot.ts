// The portable core as a browser page uses it: assemble the hello guest, boot it on the
// reference hypervisor, and report what happened. Imports nothing Node-only, so the same
// function runs in Node and, bundled, in Chromium; portable.test.ts compares the two runs.

import { assemble, disassemble, formatAsmError, PhysMemory, runSelfTest } from '../../sim/host.ts';
import { Toolstack } from '../../solutions/dom0/toolstack.ts';
import { buildGuest } from '../../solutions/guests/index.ts';
import { formatTrace } from '../../solutions/xen/hypercall.ts';
import { runDomains } from '../../solutions/xen/schedule.ts';
import { Xen } from '../../solutions/xen/xen.ts';

export interface BootReport {
  /** The sim's self-test passed. */
  selfTest: boolean;
  /** The hello kernel as assembled, hex. */
  imageHex: string;
  /** A hypercall stub assembled and disassembled again. */
  stubListing: string[];
  console: string;
  trace: string[];
  shutdownReason: number;
  instructions: number;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Boots `hello` from `guestFiles` (paths under solutions/guests → source text). */
export function bootHello(guestFiles: Record<string, string>): BootReport {
  const image = buildGuest('hello.asm', guestFiles);
  const decoder = new TextDecoder();
  let consoleText = '';
  const trace: string[] = [];
  const xen = new Xen(new PhysMemory(36 << 20), {
    console: (_d, bytes) => {
      consoleText += decoder.decode(bytes, { stream: true });
    },
    trace: (t) => trace.push(formatTrace(t)),
  });
  const [domain] = new Toolstack(xen).boot('hello', () => image, { memoryMiB: 32 });
  const result = runDomains(xen, 10_000_000);
  const stub = assemble('bits 32\nmov eax, 18\nint 0x82\nret\n', { format: 'bin' });
  if (!stub.ok) throw new Error(stub.errors.map((e) => formatAsmError(e)).join('\n'));
  return {
    selfTest: runSelfTest().ok,
    imageHex: hex(image),
    stubListing: disassemble(stub.bytes, { bits: 32 }).map((l) => l.text),
    console: consoleText,
    trace,
    shutdownReason: domain!.shutdownReason,
    instructions: result.instructions,
  };
}
