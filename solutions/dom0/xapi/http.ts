// The Xen API over HTTP on 127.0.0.1: the Node-only edge of the portable server, and the loop
// that keeps the machine running between requests: book §11.1; xapi listens on port 80/443 of
// the host (here a port of the caller's choosing, on the loopback only).
// xenlab: file from 11
//
// What protects the server from its clients lives here: a body larger than MAX_BODY gets 413
// and the connection closed, a client that sends too slowly is cut off after REQUEST_TIMEOUT_MS,
// and everything else is the portable core's business (server.ts).

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RunOutcome } from '../../xen/schedule.ts';
import type { Vms } from '../vms.ts';
import { XapiServer, type XapiServerOptions } from './server.ts';

/** The largest request body accepted (bytes). */
export const MAX_BODY = 1 << 20;
/** A request must arrive whole within this time. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Guest instructions run per turn of the event loop while a guest can run. */
const RUN_SLICE = 200_000;
/** How long the loop sleeps when nothing can run. */
const IDLE_POLL_MS = 20;

export interface HttpOptions
  extends Omit<XapiServerOptions, 'clock' | 'newSessionId' | 'consoleBase'> {
  port: number;
  /** Guest instructions run per turn of the event loop (0: the machine runs only when asked). */
  runSlice?: number;
}

export interface RunningXapi {
  server: Server;
  xapi: XapiServer;
  port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

async function serve(xapi: XapiServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const body = declared > MAX_BODY ? null : await readBody(req);
  if (body === null) {
    res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`request body over ${MAX_BODY} bytes\n`);
    req.socket.destroySoon();
    return;
  }
  const out = xapi.handle({ method: req.method ?? 'GET', url: req.url ?? '/', body });
  res.writeHead(out.status, { 'content-type': out.contentType });
  res.end(out.body);
}

/** Keeps the guests running between requests until `stopped()`. */
function runMachine(vms: Vms, slice: number, stopped: () => boolean): void {
  const turn = () => {
    if (stopped()) return;
    let outcome: RunOutcome;
    try {
      outcome = vms.run(slice);
    } catch (e) {
      // A bug below the API stops the machine, not the server: clients still get answers.
      console.error(`xapi: the machine stopped: ${e instanceof Error ? e.stack : String(e)}`);
      return;
    }
    if (outcome === RunOutcome.Panic) console.error('xapi: Xen panicked; the machine stopped');
    else if (outcome === RunOutcome.FuelExhausted) setImmediate(turn);
    else setTimeout(turn, IDLE_POLL_MS);
  };
  setImmediate(turn);
}

/** Serves the Xen API of `options.vms` on 127.0.0.1:`options.port` (0: any free port). */
export function listenXapi(options: HttpOptions): Promise<RunningXapi> {
  const xapi = new XapiServer({
    ...options,
    clock: Date.now,
    newSessionId: randomUUID,
  });
  const server = createServer((req, res) => {
    serve(xapi, req, res).catch(() => res.destroy());
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  let stopped = false;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      xapi.ctx.consoleBase = `http://127.0.0.1:${port}`;
      const slice = options.runSlice ?? RUN_SLICE;
      if (slice > 0) runMachine(options.vms, slice, () => stopped);
      resolve({
        server,
        xapi,
        port,
        close: () =>
          new Promise((done) => {
            stopped = true;
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
