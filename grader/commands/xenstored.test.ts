import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REFERENCE_TREE } from './run.ts';
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
});
