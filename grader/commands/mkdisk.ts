// `xenlab mkdisk FOLDER OUT.img`: a FAT disk image holding a folder's files, for
// `xenlab run --disk` (book §9.1), made without system tools (tools/fat.ts).

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { buildFat, FatError } from '../../tools/fat.ts';
import { fatInputsUnder } from '../../tools/fat-folder.ts';
import { EXIT } from '../exit-codes.ts';

export interface MkdiskOptions {
  size?: number;
  partition?: boolean;
  label?: string;
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** '64M', '1440K', '2097152' → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (m === null) throw new InvalidArgumentError('a size in bytes, or with K, M or G (64M)');
  return Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
}

/** Builds the image of `folder` into `out`; returns its size in bytes. */
export function mkdisk(folder: string, out: string, options: MkdiskOptions = {}): number {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new FatError(`${folder}: not a folder`);
  }
  const image = buildFat(fatInputsUnder(folder), {
    size: options.size,
    partition: options.partition === true,
    label: options.label,
  });
  writeFileSync(out, image);
  return image.length;
}

export function register(program: Command): void {
  program
    .command('mkdisk')
    .description('make a FAT disk image from a folder, for xenlab run --disk')
    .argument('<folder>', 'the files to put on the disk (subfolders too)')
    .argument('<out>', 'the image file to write')
    .option('--size <bytes>', 'the image size: 64M, 1440K, … (default: what fits)', parseSize)
    .option('--partition', 'an MBR partition table with one partition at 1 MiB')
    .option('--label <name>', 'the volume label (up to 11 characters)')
    .action((folder: string, out: string, options: MkdiskOptions) => {
      try {
        const bytes = mkdisk(folder, out, options);
        console.error(`mkdisk: ${out}: ${bytes} bytes`);
      } catch (e) {
        console.error(`xenlab mkdisk: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = e instanceof FatError ? EXIT.usage : EXIT.failed;
      }
    });
}
