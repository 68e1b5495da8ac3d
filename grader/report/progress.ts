// Progress while a grade runs, on stderr: a bar redrawn in place on a terminal, a plain line
// per finished test otherwise (CI logs, pipes).

import type { GradedTest } from '../grading.ts';

export interface ProgressPrinter {
  onProgress(done: number, total: number): void;
  onTest(test: GradedTest): void;
  /** Clears the bar before the report is printed. */
  done(): void;
}

const WIDTH = 30;

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): ProgressPrinter {
  let drawn = false;
  if (stream.isTTY) {
    return {
      onProgress(done, total) {
        const filled = total === 0 ? 0 : Math.round((done / total) * WIDTH);
        stream.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} tests`,
        );
        drawn = true;
      },
      onTest() {},
      done() {
        if (drawn) stream.write('\r\x1b[K');
      },
    };
  }
  return {
    onProgress() {},
    onTest(t) {
      stream.write(`${t.status === 'passed' ? 'pass' : 'FAIL'}  ${t.exercise} › ${t.name}\n`);
    },
    done() {},
  };
}
