// The x86 CPU's architectural state: registers, segment descriptor caches, control registers,
// and the fields the decoder fills per instruction. Behaviour lives in the modules beside this
// one (decoder, flags, access, paging, interrupts, …); this file is only the state they share.
//
// Everything here is a number or a typed array, allocated once: the instruction loop must not
// allocate.

import type { PhysMemory } from '../memory/memory.ts';
import type { BlockStore } from './blocks.ts';
import { FpuState } from './fpu-state.ts';
import type { StoreBuffer } from './store-buffer.ts';

/** General registers, in encoding order. */
export const EAX = 0;
export const ECX = 1;
export const EDX = 2;
export const EBX = 3;
export const ESP = 4;
export const EBP = 5;
export const ESI = 6;
export const EDI = 7;

/** Segment registers, in encoding order. */
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
/** System segments kept in the same caches, after the six selectors. */
export const LDTR = 6;
export const TR = 7;

/** EFLAGS bits. */
export const FLAG_CF = 1 << 0;
export const FLAG_PF = 1 << 2;
export const FLAG_AF = 1 << 4;
export const FLAG_ZF = 1 << 6;
export const FLAG_SF = 1 << 7;
export const FLAG_TF = 1 << 8;
export const FLAG_IF = 1 << 9;
export const FLAG_DF = 1 << 10;
export const FLAG_OF = 1 << 11;
export const FLAG_IOPL = 3 << 12;
export const FLAG_NT = 1 << 14;
export const FLAG_RF = 1 << 16;
export const FLAG_VM = 1 << 17;
export const FLAG_AC = 1 << 18;
export const FLAG_VIF = 1 << 19;
export const FLAG_VIP = 1 << 20;
export const FLAG_ID = 1 << 21;
/** The six arithmetic flags, which instructions compute (lazily, see flags.ts). */
export const FLAGS_ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

/** Control register bits. */
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_PG = 1 << 31;
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_PGE = 1 << 7;
export const CR4_OSFXSR = 1 << 9;
export const EFER_NXE = 1 << 11;

/** Exception vectors. */
export const VEC_DE = 0;
export const VEC_DB = 1;
export const VEC_NMI = 2;
export const VEC_BP = 3;
export const VEC_OF = 4;
export const VEC_BR = 5;
export const VEC_UD = 6;
export const VEC_NM = 7;
export const VEC_DF = 8;
export const VEC_TS = 10;
export const VEC_NP = 11;
export const VEC_SS = 12;
export const VEC_GP = 13;
export const VEC_PF = 14;
export const VEC_MF = 16;
export const VEC_AC = 17;

/** Number of TLB entries (a power of two); see paging.ts. */
export const TLB_ENTRIES = 2048;
/** paging.ts's TLB_WRITE (supervisor) and its user twin: "a write may go straight to RAM". */
const TLB_WRITE_BITS = 2 | (2 << 3);

/** Why run() returned. Details of the exit are in Cpu.exit*. */
export enum ExitReason {
  /** The fuel budget is spent; the CPU can simply be resumed. */
  Fuel = 0,
  /** HLT executed (EIP is after the HLT). */
  Hlt = 1,
  /** IN/OUT/INS/OUTS on a port the host claimed; exitPort/exitSize/exitWrite describe it. */
  Io = 2,
  /**
   * PV host mode: a transfer to CPL 0 (exception, interrupt, INT n through a CPL-0 gate) that
   * the host handles instead of ring-0 code. exitVector/exitErrorCode/exitHasErrorCode/
   * exitSoftware describe it; the state is as it was at the faulting instruction (or, for INT n
   * and traps, after it), so the host can resume or bounce.
   */
  HostTrap = 3,
  /** Triple fault: the CPU would reset. */
  TripleFault = 4,
  /** The host asked the CPU to stop (Cpu.requestStop). */
  Stopped = 5,
}

/**
 * The I/O port bus seen by IN/OUT/INS/OUTS (the machine installs its devices here). `size` is
 * 1, 2 or 4 bytes; reads return the value zero-extended.
 */
export interface IoBus {
  read(port: number, size: number): number;
  write(port: number, size: number, value: number): void;
}

/** No devices: reads float high (all ones), writes are ignored. */
export const FLOATING_IO: IoBus = {
  read: (_port, size) => (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1),
  write: () => {},
};

/** Operating mode for CPL-0 transfers: bare hardware, or PV host mode (docs/architecture.md §3). */
export enum HostMode {
  /** Ring 0 runs x86 code: exceptions and interrupts go through the IDT as on hardware. */
  Bare = 0,
  /** Ring 0 is the host: any transfer to CPL 0 exits with ExitReason.HostTrap. */
  Pv = 1,
  // A VMX-like guest mode for HVM (chapter 13) will be a third mode here.
}

export class Cpu {
  readonly mem: PhysMemory;

  // --- General registers: one buffer seen as 32-, 16- and 8-bit registers (little-endian).
  readonly regBuffer = new ArrayBuffer(32);
  /** EAX…EDI, signed view; use `>>> 0` for unsigned. */
  readonly reg32 = new Int32Array(this.regBuffer);
  /** AX…DI at index 2*r. */
  readonly reg16 = new Uint16Array(this.regBuffer);
  /** AL at 0, CL at 4, DL at 8, BL at 12; AH at 1, CH at 5, DH at 9, BH at 13. */
  readonly reg8 = new Uint8Array(this.regBuffer);
  eip = 0;

  // --- Segment registers and their descriptor caches, indexed ES…GS, LDTR, TR.
  readonly segSelector = new Uint16Array(8);
  readonly segBase = new Int32Array(8);
  /** Effective limit in bytes (granularity applied). */
  readonly segLimit = new Uint32Array(8);
  /** Descriptor bytes 5 and 6 (type, S, DPL, P; AVL, D/B, G) as (byte6 << 8) | byte5. */
  readonly segAccess = new Uint16Array(8);
  /** Descriptor tables: GDTR and IDTR base and limit. */
  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;

  // --- Control, debug and model-specific state.
  cr0 = CR0_ET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  efer = 0;
  readonly dr = new Int32Array(8);
  /** Current privilege level (CS.RPL in protected mode, 0 in real mode). */
  cpl = 0;

  // --- EFLAGS: flags.ts owns the representation (lazy arithmetic flags); use getEflags/
  // setEflags from there rather than these fields.
  /** EFLAGS bits that are not computed lazily, and arithmetic flags when not lazy. */
  flags = 0x2;
  /** Which arithmetic flags must be computed from the lazy fields below. */
  flagsLazy = 0;
  lazyOp = 0;
  lazySize = 0;
  lazyDst = 0;
  lazySrc = 0;
  lazyResult = 0;

  // --- Per-instruction decode state, filled by the decoder (decode.ts).
  /** EIP of the first byte of the current instruction (prefixes included). */
  instrStart = 0;
  /** Operand size 32? Address size 32? (after prefixes and CS.D) */
  opsize32 = false;
  addrsize32 = false;
  /** Segment override (ES…GS) or -1. */
  segOverride = -1;
  /** 0, 0xF2 (REPNE) or 0xF3 (REP/REPE). */
  repPrefix = 0;
  lockPrefix = false;
  modrm = 0;
  /** Effective offset of the memory operand and its segment, when modrm.mod != 3. */
  eaOffset = 0;
  eaSegment = DS;
  imm = 0;
  imm2 = 0;

  // --- Faults and exits (see fault.ts).
  /** The fault being raised: vector, and error code or -1 when the vector has none. */
  faultVector = -1;
  faultErrorCode = -1;
  /** Set by an instruction or device that ends run(): an ExitReason, or -1. */
  pendingExit = -1;

  // --- Host interface.
  hostMode: HostMode = HostMode.Bare;
  /**
   * Ports the host handles itself (nonzero entry = claimed). IN/OUT on them end run() with
   * ExitReason.Io instead of touching `io`, with EIP already after the instruction:
   * - OUT: exitWrite = true, exitPort, exitSize (1/2/4), exitValue = the value written. The
   *   instruction is complete; the host just resumes.
   * - IN: exitWrite = false, exitPort, exitSize. AL/AX/EAX is unchanged; the host completes
   *   the IN by writing the value into AL, AX or EAX (by exitSize) before resuming.
   * - OUTS: one element is transferred per exit (ESI/ECX advanced, exitValue = the element);
   *   with REP and a count left, EIP stays on the instruction so resuming continues it.
   * - INS: not exited; a claimed port is read through `io` like any other.
   * I/O permission (IOPL, TSS bitmap) is checked before the exit.
   */
  readonly hostPorts = new Uint8Array(0x10000);
  /** Devices on the I/O bus (everything the host does not claim). */
  io: IoBus = FLOATING_IO;
  exitVector = 0;
  exitErrorCode = 0;
  exitHasErrorCode = false;
  /** The HostTrap came from INT n / INT3 / INTO (EIP already after the instruction). */
  exitSoftware = false;
  exitPort = 0;
  exitSize = 0;
  exitWrite = false;
  exitValue = 0;
  /** Instructions retired since reset; the machine derives virtual time from it. */
  instructions = 0;
  /**
   * Optional trace hook, called before each instruction; null costs nothing. A hook that sets
   * pendingExit (ExitReason.Stopped) ends run() before the instruction executes.
   */
  trace: ((cpu: Cpu) => void) | null = null;

  // --- x87/SSE-control state, owned by fpu.ts.
  readonly fpu = new FpuState();

  // --- System state owned by access.ts / paging.ts / system.ts.
  /**
   * The TLB: direct-mapped, TLB_ENTRIES entries indexed by linear page number. tlbTag holds the
   * linear page number (-1 = empty), tlbPhys the physical page base, tlbInfo the TLB_* bits of
   * paging.ts (which accesses may go straight to RAM, global, …).
   */
  readonly tlbTag = new Int32Array(TLB_ENTRIES).fill(-1);
  readonly tlbPhys = new Uint32Array(TLB_ENTRIES);
  readonly tlbInfo = new Uint16Array(TLB_ENTRIES);
  /** Instruction-fetch page cache: linear page base (1 = invalid), physical base, CPL seen. */
  fetchLinear = 1;
  fetchPhys = 0;
  fetchCpl = 0;
  /** Whether the TLB may hold pieces of a large page (INVLPG must then scan it all). */
  tlbHasLarge = false;
  /** RAM seen as aligned 16- and 32-bit words, for the fast paths. */
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;
  /** MSRs without a home elsewhere (system.ts). TSC = tscOffset + instructions. */
  tscOffset = 0;
  apicBase = 0xfee00900;
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;

  /** Decoded blocks (blocks.ts), allocated when the CPU first runs 32-bit code. */
  blocks: BlockStore | null = null;
  /** The x86-TSO store buffer (store-buffer.ts), or null: stores go straight to memory. */
  storeBuffer: StoreBuffer | null = null;

  constructor(mem: PhysMemory) {
    this.mem = mem;
    this.ram16 = new Uint16Array(mem.buffer, 0, mem.buffer.byteLength >>> 1);
    this.ram32 = new Int32Array(mem.buffer, 0, mem.buffer.byteLength >>> 2);
    mem.onCode((frame) => this.dropWriteAccess(frame));
  }

  /**
   * A frame now holds decoded instructions: writes to it must leave the TLB's direct path, so
   * that PhysMemory sees them and drops the stale decoding.
   */
  private dropWriteAccess(frame: number): void {
    const base = frame * 0x1000;
    for (let i = 0; i < TLB_ENTRIES; i++) {
      if (this.tlbPhys[i] === base) this.tlbInfo[i] = this.tlbInfo[i]! & ~TLB_WRITE_BITS;
    }
  }
}
