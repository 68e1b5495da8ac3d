// Assembler diagnostics: every problem in the source becomes an AsmError carrying
// `file:line:col`, never an exception that escapes assemble().

/** Where a line came from: the file and 1-based line, plus the text as written there. */
export interface SourceLine {
  file: string;
  line: number;
  text: string;
  /** Macro invocations this line was expanded from, innermost first ("file:line"). */
  expandedFrom?: readonly string[];
}

export interface AsmError {
  file: string;
  line: number;
  /** 1-based column of the offending token (1 when the whole line is at fault). */
  col: number;
  reason: string;
  /** The source line as written. */
  source: string;
}

/** Formats an error as `file:line:col: reason` followed by the source line. */
export function formatAsmError(e: AsmError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.reason}\n    ${e.source}`;
}

/**
 * Thrown inside the assembler for a problem with one line; caught at the line loop and turned
 * into an AsmError, so one bad line does not hide the next.
 */
export class LineError extends Error {
  constructor(
    readonly reason: string,
    readonly col = 1,
  ) {
    super(reason);
  }
}
