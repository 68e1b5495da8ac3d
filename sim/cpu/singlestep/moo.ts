// Reader for the SingleStepTests MOO format (docs/testdata.md, "The MOO format"): a sequence of
// chunks (4-byte id, u32 length, payload); a file holds a MOO header and TEST chunks, each with
// NAME, BYTS, INIT, FINA, optional EXCP and HASH. Pure: takes the bytes after gunzip.

/** Register order of a REGS chunk bitmask (bit i = REG_NAMES[i] present). */
export const REG_NAMES = [
  'ax',
  'bx',
  'cx',
  'dx',
  'cs',
  'ss',
  'ds',
  'es',
  'sp',
  'bp',
  'si',
  'di',
  'ip',
  'flags',
] as const;

export interface MooState {
  /** Bit i set when register REG_NAMES[i] is present. */
  regMask: number;
  /** Values by REG_NAMES index (0 when absent). */
  regs: Uint16Array;
  /** Physical address and byte value pairs. */
  ramAddress: Uint32Array;
  ramValue: Uint8Array;
}

export interface MooTest {
  index: number;
  name: string;
  bytes: Uint8Array;
  init: MooState;
  final: MooState;
  /** Exception raised by the instruction: vector and the physical address of pushed FLAGS. */
  exception: { vector: number; flagsAddress: number } | null;
  /** SHA-1 as lowercase hex. */
  hash: string;
}

class Reader {
  constructor(
    readonly view: DataView,
    public pos: number,
    readonly end: number,
  ) {}
  u8(): number {
    return this.view.getUint8(this.pos++);
  }
  u16(): number {
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  id(): string {
    let s = '';
    for (let i = 0; i < 4; i++) s += String.fromCharCode(this.u8());
    return s;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos, n).slice();
    this.pos += n;
    return b;
  }
  /** Iterates the chunks in [pos, end): calls `visit(id, reader over payload)`. */
  chunks(visit: (id: string, payload: Reader) => void): void {
    while (this.pos + 8 <= this.end) {
      const id = this.id();
      const length = this.u32();
      const start = this.pos;
      visit(id, new Reader(this.view, start, start + length));
      this.pos = start + length;
    }
  }
}

function emptyState(): MooState {
  return {
    regMask: 0,
    regs: new Uint16Array(REG_NAMES.length),
    ramAddress: new Uint32Array(0),
    ramValue: new Uint8Array(0),
  };
}

function readState(r: Reader): MooState {
  const state = emptyState();
  r.chunks((id, p) => {
    if (id === 'REGS') {
      state.regMask = p.u16();
      for (let i = 0; i < REG_NAMES.length; i++) {
        if (state.regMask & (1 << i)) state.regs[i] = p.u16();
      }
    } else if (id === 'RAM ') {
      const n = p.u32();
      state.ramAddress = new Uint32Array(n);
      state.ramValue = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        state.ramAddress[i] = p.u32();
        state.ramValue[i] = p.u8();
      }
    }
  });
  return state;
}

function readTest(r: Reader): MooTest {
  const test: MooTest = {
    index: r.u32(),
    name: '',
    bytes: new Uint8Array(0),
    init: emptyState(),
    final: emptyState(),
    exception: null,
    hash: '',
  };
  r.chunks((id, p) => {
    switch (id) {
      case 'NAME': {
        const n = p.u32();
        test.name = new TextDecoder().decode(p.bytes(n));
        break;
      }
      case 'BYTS':
        test.bytes = p.bytes(p.u32());
        break;
      case 'INIT':
        test.init = readState(p);
        break;
      case 'FINA':
        test.final = readState(p);
        break;
      case 'EXCP':
        test.exception = { vector: p.u8(), flagsAddress: p.u32() };
        break;
      case 'HASH':
        test.hash = Array.from(p.bytes(20), (b) => b.toString(16).padStart(2, '0')).join('');
        break;
    }
  });
  return test;
}

/** Parses a whole (decompressed) MOO file. */
export function parseMoo(data: Uint8Array): MooTest[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tests: MooTest[] = [];
  new Reader(view, 0, data.byteLength).chunks((id, p) => {
    if (id === 'TEST') tests.push(readTest(p));
  });
  return tests;
}
