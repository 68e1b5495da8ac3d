// `npm run singlestep:slice -- SRC DEST`: writes the compact slice of a SingleStepTests directory
// that the repository carries (docs/testdata.md). For every opcode file of SRC it keeps the first
// FIRST_TESTS tests, the first test that raises an exception and the first test of each
// out-of-scope rule (scope.ts), as the original TEST chunks, byte for byte; the MOO header gets
// the new test count (META, generator metadata no reader uses, is kept as it is). metadata.json,
// revocation_list.txt and LICENSE are copied. Node-only.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { listOpcodeFiles, readRevocations } from './files.ts';
import { parseMoo } from './moo.ts';
import { outOfScope } from './scope.ts';

/** Tests kept from the start of every opcode file. */
const FIRST_TESTS = 6;
/** Files copied unchanged beside the opcode files. */
const COPIED = ['metadata.json', 'revocation_list.txt', 'LICENSE'];

interface Chunk {
  id: string;
  bytes: Uint8Array;
}

function splitChunks(data: Uint8Array): Chunk[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const chunks: Chunk[] = [];
  for (let pos = 0; pos + 8 <= data.byteLength; ) {
    const id = String.fromCharCode(...data.subarray(pos, pos + 4));
    const end = pos + 8 + view.getUint32(pos + 4, true);
    chunks.push({ id, bytes: data.subarray(pos, end) });
    pos = end;
  }
  return chunks;
}

/** Rewrites the u32 at `offset` of a chunk's payload, which must hold `from`. */
function rewriteCount(chunk: Chunk, offset: number, from: number, to: number): Uint8Array {
  const copy = chunk.bytes.slice();
  const view = new DataView(copy.buffer);
  const at = 8 + offset;
  if (view.getUint32(at, true) !== from) {
    throw new Error(`${chunk.id} chunk does not hold the test count ${from} at ${offset}`);
  }
  view.setUint32(at, to, true);
  return copy;
}

/** The TEST chunks of one file to keep, in file order. */
function selectTests(tests: Chunk[], revoked: Set<string>): Chunk[] {
  const keep = new Set<number>();
  const found = new Set<string>();
  let first = 0;
  tests.forEach((chunk, i) => {
    const [test] = parseMoo(chunk.bytes);
    if (test === undefined || revoked.has(test.hash)) return;
    if (first < FIRST_TESTS) {
      keep.add(i);
      first++;
    }
    // What makes the test worth keeping beyond the first ones: its out-of-scope rule, or the
    // exception it raises.
    const kind = outOfScope(test) ?? (test.exception === null ? undefined : 'exception');
    if (kind !== undefined && !found.has(kind)) {
      found.add(kind);
      keep.add(i);
    }
  });
  return tests.filter((_, i) => keep.has(i));
}

function sliceFile(path: string, revoked: Set<string>): { data: Uint8Array; tests: number } {
  const chunks = splitChunks(gunzipSync(readFileSync(path)));
  const tests = chunks.filter((c) => c.id === 'TEST');
  const kept = selectTests(tests, revoked);
  const out = chunks
    .filter((c) => c.id !== 'TEST')
    .map((c) => {
      if (c.id === 'MOO ') return rewriteCount(c, 4, tests.length, kept.length);
      return c.bytes;
    });
  out.push(...kept.map((c) => c.bytes));
  return { data: Buffer.concat(out), tests: kept.length };
}

const [src, dest] = process.argv.slice(2);
if (src === undefined || dest === undefined) {
  console.error('usage: npm run singlestep:slice -- SRC-DIR DEST-DIR');
  process.exit(2);
}
mkdirSync(dest, { recursive: true });
const revoked = readRevocations(src);
let total = 0;
let bytes = 0;
for (const file of listOpcodeFiles(src)) {
  const { data, tests } = sliceFile(file.path, revoked);
  const gz = gzipSync(data, { level: 9 });
  writeFileSync(join(dest, basename(file.path)), gz);
  total += tests;
  bytes += gz.byteLength;
}
for (const name of COPIED) copyFileSync(join(src, name), join(dest, name));
console.log(`${total} tests, ${bytes} bytes of opcode files, in ${dest}`);
