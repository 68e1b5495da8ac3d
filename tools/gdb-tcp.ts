// The TCP edge of the gdb stub (gdb-stub.ts): `target remote 127.0.0.1:PORT`, one client at a
// time; each connection gets a fresh GdbStub over the same guest (book §2.7, debugging a guest).

import { createServer, type Server, type Socket } from 'node:net';
import { type DebugTarget, GdbStub } from './gdb-stub.ts';

/** A listening stub: the connection's stub (null when none) and a way to stop listening. */
export interface GdbServer {
  readonly server: Server;
  readonly port: number;
  /** The connected client's stub, or null. */
  stub(): GdbStub | null;
  /** Resolves at the next thing the run loop must look at: bytes in or a client change. */
  activity(): Promise<void>;
  close(): void;
}

/** Listens on 127.0.0.1:`port` (0: any free port) for gdb. */
export async function listenGdb(target: DebugTarget, port: number): Promise<GdbServer> {
  let current: { stub: GdbStub; socket: Socket } | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const server = createServer((socket) => {
    if (current !== null) {
      socket.end();
      return;
    }
    socket.setNoDelay(true);
    const stub = new GdbStub(target, (bytes) => {
      if (!socket.destroyed) socket.write(bytes, 'latin1');
    });
    // gdb connects to a stopped target, as on a real machine halted by a debug probe.
    stub.stop();
    current = { stub, socket };
    socket.on('data', (data: Buffer) => {
      stub.receive(data.toString('latin1'));
      if (stub.closed) socket.end();
      poke();
    });
    socket.on('close', () => {
      if (!stub.closed) stub.disconnect();
      if (current?.stub === stub) current = null;
      poke();
    });
    socket.on('error', () => socket.destroy());
    poke();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address !== null ? address.port : port,
    stub: () => current?.stub ?? null,
    activity: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      }),
    close: () => {
      current?.socket.destroy();
      server.close();
    },
  };
}
