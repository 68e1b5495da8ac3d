import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { minimalKernel } from '../../chapters/testing/elf.ts';
import { loadHypervisor, REFERENCE_TREE, RUN_EXIT, runGuest } from './run.ts';
import { loadXenstored, startXenstored } from './xenstored.ts';

/** XS_READ of `path` over the socket: the reply's payload as text. */
function readOver(socket: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket, () => {
      const payload = Buffer.from(`${path}\0`);
      const header = Buffer.alloc(16);
      header.writeUInt32LE(2, 0);
      header.writeUInt32LE(payload.length, 12);
      s.write(Buffer.concat([header, payload]));
    });
    let got = Buffer.alloc(0);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 16 && got.length >= 16 + got.readUInt32LE(12)) {
        s.destroy();
        resolve(got.subarray(16).toString('latin1'));
      }
    });
    s.on('error', reject);
  });
}

describe('xenlab xenstored', () => {
  test('serves the reference xenstored, with domain 0’s entries, on the socket', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'xenlab-xsd-')), 'socket');
    const stop = await startXenstored(await loadXenstored(REFERENCE_TREE), socket);
    try {
      expect(await readOver(socket, '/local/domain/0/name')).toBe('Domain-0');
    } finally {
      stop();
    }
  });

  test('a tree without xenstored is a usage error', async () => {
    await expect(
      loadXenstored(join(REFERENCE_TREE, '..', 'chapters', '05-memory', 'src')),
    ).rejects.toThrow(/no xenstored yet/);
  });

  test('xenlab run --xenstore-socket serves the guest’s store while it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenlab-run-xs-'));
    const socket = join(dir, 'socket');
    const kernel = join(dir, 'spin.elf');
    writeFileSync(kernel, minimalKernel([0xeb, 0xfe]));
    const hv = await loadHypervisor(REFERENCE_TREE);
    const running = runGuest(hv, REFERENCE_TREE, kernel, {
      fuel: 4_000_000,
      memory: 8,
      cmdline: '',
      xenstoreSocket: socket,
    });
    // The socket appears once the domain is built; ask it while the guest spins.
    let name: string | undefined;
    for (let i = 0; i < 100 && name === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      name = await readOver(socket, '/local/domain/1/name').catch(() => undefined);
    }
    expect(name).toBe('spin.elf');
    expect(await running).toBe(RUN_EXIT.fuelExhausted);
  });
});
