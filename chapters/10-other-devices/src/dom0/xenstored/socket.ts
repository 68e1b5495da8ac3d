// Your working copy for chapter 10, generated from solutions/dom0/xenstored/socket.ts by npx xenlab stage.
// xenstored's Unix-domain socket, where domain 0's tools connect (xenstore-read, libxl, pyxs):
// book §8.2; Xen tools/xenstored/posix.c, tools/libs/store/xs.c (XENSTORED_PATH).
//
// The Node-only edge of xenstored: each client of the socket is a privileged connection of
// domain 0, as on a real host where only root may open /run/xenstored/socket. Everything else
// is the portable daemon of xenstored.ts.

import { unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { Xenstored } from './xenstored.ts';

/** Serves `xs` on a Unix socket at `path` (a stale socket file there is replaced). */
export function listenXenstored(xs: Xenstored, path: string): Promise<Server> {
  try {
    unlinkSync(path);
  } catch {
    // Nothing there.
  }
  const server = createServer((socket) => {
    const conn = xs.connect(0, {
      send: (bytes) => {
        socket.write(bytes);
      },
      backlog: () => 0,
      close: () => {
        socket.end();
      },
    });
    socket.on('data', (data) => {
      xs.receive(conn, new Uint8Array(data.buffer, data.byteOffset, data.length));
    });
    socket.on('close', () => xs.disconnect(conn));
    socket.on('error', () => xs.disconnect(conn));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}
