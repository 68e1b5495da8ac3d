// `xenlab run GUEST --gdb PORT`: runs the domains with GDB's remote stub serving the guest
// (tools/gdb-stub.ts over tools/gdb-tcp.ts); book §2.7, debugging a guest.

import type { Cpu } from '../../sim/host.ts';
import type { DebugTarget } from '../../tools/gdb-stub.ts';
import { listenGdb } from '../../tools/gdb-tcp.ts';
import { UsageError } from '../chapters.ts';
import type { DomainView, Hypervisor } from './run.ts';

/** What the stub needs of a domain and its toolstack (pause, unpause, destroy: domctl's). */
interface Debuggable {
  domain: DomainView & { vcpus?: readonly { cpu: Cpu }[] };
  toolstack: object;
}

type Lifecycle = 'pause' | 'unpause' | 'destroy';

/** The guest as the stub sees it: its vCPUs, held and released by pausing the domain. */
export function debugTarget({ domain, toolstack }: Debuggable): DebugTarget {
  const { pause, unpause, destroy } = toolstack as Partial<
    Record<Lifecycle, (d: DomainView) => void>
  >;
  if (domain.vcpus === undefined || !pause || !unpause || !destroy) {
    throw new UsageError('--gdb needs a hypervisor whose toolstack pauses domains (chapter 04 on)');
  }
  return {
    cpus: domain.vcpus.map((v) => v.cpu),
    hold: () => pause.call(toolstack, domain),
    release: () => unpause.call(toolstack, domain),
    kill: () => destroy.call(toolstack, domain),
  };
}

/** Guest instructions between two looks at the socket. */
const GDB_CHUNK = 100_000;

/**
 * Runs the domains while serving gdb on 127.0.0.1:`port`. Nothing runs while gdb holds the
 * guest (so virtual time stands still) nor, with `wait`, before gdb's first `continue`.
 */
export async function runUnderGdb(
  hv: Hypervisor,
  xen: object,
  guest: Debuggable,
  options: { port: number; wait: boolean; fuel: number; listening?: (port: number) => void },
): Promise<{ outcome: string; instructions: number }> {
  const server = await listenGdb(debugTarget(guest), options.port);
  options.listening?.(server.port);
  console.error(
    `xenlab run: gdb stub on 127.0.0.1:${server.port}` +
      (options.wait ? ', waiting for gdb before the first instruction' : ''),
  );
  let waiting = options.wait;
  let instructions = 0;
  try {
    for (;;) {
      const stub = server.stub();
      if (stub !== null) waiting = false;
      if (waiting || stub?.held === true) {
        await server.activity();
        continue;
      }
      const result = hv.runDomains(xen, Math.min(GDB_CHUNK, options.fuel - instructions));
      instructions += result.instructions;
      await new Promise((resolve) => setImmediate(resolve));
      if (server.stub()?.held === true) continue;
      if (result.outcome !== hv.RunOutcome.FuelExhausted || instructions >= options.fuel) {
        const reason = guest.domain.shutdownReason;
        if (reason >= 0) server.stub()?.exited(reason);
        return { outcome: result.outcome, instructions };
      }
    }
  } finally {
    server.close();
  }
}
