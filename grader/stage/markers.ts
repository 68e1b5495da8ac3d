// Reading the chapter markers of solutions/ (solutions/README.md): which lines of a file exist in
// which chapter, and where each exercise body and its starter lie. The stager (generate.ts)
// builds snapshots from what this returns; every marker mistake is reported with file:line.

/** A marker mistake, at a line of a solutions/ file. */
export interface MarkerError {
  file: string;
  /** 1-based. */
  line: number;
  message: string;
}

/** The language a file's markers are written in: its line comment. */
export function commentOf(path: string): '//' | ';' | undefined {
  if (/\.(ts|mts|js|mjs)$/.test(path)) return '//';
  if (/\.(asm|inc)$/.test(path)) return ';';
  return undefined;
}

export interface Region {
  name: string;
  from: string;
  until?: string;
  /** Line numbers (1-based) of the opening and closing marker. */
  start: number;
  end: number;
}

export interface ExerciseBody {
  id: string;
  /** The chapter the exercise belongs to: its region's or else its file's. */
  chapter: string;
  start: number;
  end: number;
  /** The `starter` marker's line, when the exercise has a custom starter body. */
  starter?: number;
  region?: Region;
}

/** A parsed solutions/ file. Lines are 1-based; `kinds[i]` describes line i + 1. */
export interface MarkedFile {
  path: string;
  comment: '//' | ';';
  /** The `file from NN` chapter. */
  from: string;
  fromLine: number;
  lines: string[];
  regions: Region[];
  exercises: ExerciseBody[];
  /** For every line: the marker it is, or the region/exercise it lies in. */
  owners: LineOwner[];
}

export type LineOwner =
  | { kind: 'marker' }
  | { kind: 'code'; region?: Region; exercise?: ExerciseBody; starter: boolean };

const MARKER = /^\s*(\/\/|;)\s*xenlab:\s*(.*?)\s*$/;
const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface ParseContext {
  /** Chapter ids in book order (chapters/index.ts). */
  chapters: readonly string[];
}

/** The result of parsing one file: undefined `file` when it has no `file from` marker. */
export interface ParseResult {
  file?: MarkedFile;
  errors: MarkerError[];
}

/** Parses the markers of one file (`path` relative to solutions/). */
export function parseMarkers(path: string, text: string, ctx: ParseContext): ParseResult {
  const comment = commentOf(path);
  const errors: MarkerError[] = [];
  if (comment === undefined) return { errors };
  const lines = text.split('\n');
  const error = (line: number, message: string) => errors.push({ file: path, line, message });
  const chapter = (line: number, id: string | undefined, what: string): string | undefined => {
    if (id !== undefined && ctx.chapters.includes(id)) return id;
    error(line, `${what}: "${id ?? ''}" is not a chapter id of chapters/index.ts`);
    return undefined;
  };

  let from: string | undefined;
  let fromLine = 0;
  let region: Region | undefined;
  let exercise: ExerciseBody | undefined;
  const regions: Region[] = [];
  const exercises: ExerciseBody[] = [];
  const owners: LineOwner[] = [];

  lines.forEach((text, i) => {
    const n = i + 1;
    const m = MARKER.exec(text);
    if (m === null || m[1] !== comment) {
      if (exercise?.starter !== undefined && !isCommented(text, comment)) {
        error(n, `starter line of ${exercise.id} must be commented out with "${comment} "`);
      }
      owners.push({ kind: 'code', region, exercise, starter: exercise?.starter !== undefined });
      return;
    }
    owners.push({ kind: 'marker' });
    const [keyword, ...args] = m[2]!.split(/\s+/);
    if (keyword !== 'file' && from === undefined) {
      error(n, `"${keyword}" marker before the file's "${comment} xenlab: file from NN"`);
    }
    switch (keyword) {
      case 'file': {
        if (from !== undefined || fromLine !== 0) {
          error(n, 'a second "file from" marker');
          return;
        }
        fromLine = n;
        if (args.length !== 2 || args[0] !== 'from') {
          error(n, 'expected "file from NN"');
          return;
        }
        from = chapter(n, args[1], 'file from');
        return;
      }
      case 'region': {
        const ok =
          (args.length === 3 && args[1] === 'from') ||
          (args.length === 5 && args[1] === 'from' && args[3] === 'until');
        if (!ok) {
          error(n, 'expected "region NAME from NN" or "region NAME from NN until MM"');
          return;
        }
        if (region !== undefined || exercise !== undefined) {
          const open = region?.name ?? exercise!.id;
          error(n, `region ${args[0]} opens inside ${open}: markers do not nest`);
          return;
        }
        const name = args[0]!;
        if (!NAME.test(name)) error(n, `region name "${name}" is not kebab-case`);
        const start = chapter(n, args[2], `region ${name}`) ?? args[2]!;
        const until = args[4] === undefined ? undefined : chapter(n, args[4], `region ${name}`);
        if (until !== undefined && ctx.chapters.indexOf(until) <= ctx.chapters.indexOf(start)) {
          error(n, `region ${name}: "until ${until}" must come after "from ${start}"`);
        }
        region = { name, from: start, until, start: n, end: 0 };
        regions.push(region);
        return;
      }
      case 'exercise': {
        if (args.length !== 1) {
          error(n, 'expected "exercise ID"');
          return;
        }
        if (exercise !== undefined) {
          error(n, `exercise ${args[0]} opens inside exercise ${exercise.id}: markers do not nest`);
          return;
        }
        const id = args[0]!;
        const owner = region?.from ?? from ?? '';
        const prefix = /^([0-9]{2}|[A-Z])-[a-z0-9]+(?:-[a-z0-9]+)*$/.exec(id)?.[1];
        if (prefix === undefined) {
          error(
            n,
            `exercise id "${id}" is not a chapter-prefixed kebab-case id like 02-start-info`,
          );
        } else if (prefix !== owner && owner !== '') {
          error(
            n,
            `exercise ${id} lies in code of chapter ${owner}; its id names chapter ${prefix}`,
          );
        }
        exercise = { id, chapter: owner, start: n, end: 0, region };
        exercises.push(exercise);
        return;
      }
      case 'starter': {
        if (args.length !== 0) error(n, 'expected "starter" alone');
        if (exercise === undefined) error(n, '"starter" outside an exercise');
        else if (exercise.starter !== undefined) error(n, `a second "starter" in ${exercise.id}`);
        else exercise.starter = n;
        return;
      }
      case 'end': {
        const name = args[0];
        if (args.length !== 1) {
          error(n, 'expected "end NAME"');
          return;
        }
        if (exercise !== undefined) {
          if (name !== exercise.id)
            error(n, `"end ${name}" closes nothing: ${exercise.id} is open`);
          else {
            exercise.end = n;
            exercise = undefined;
          }
          return;
        }
        if (region !== undefined) {
          if (name !== region.name)
            error(n, `"end ${name}" closes nothing: ${region.name} is open`);
          else {
            region.end = n;
            region = undefined;
          }
          return;
        }
        error(n, `"end ${name}" closes nothing: no region or exercise is open`);
        return;
      }
      default:
        error(n, `unknown marker "${keyword}" (file, region, exercise, starter, end)`);
    }
  });
  if (exercise !== undefined) error(exercise.start, `exercise ${exercise.id} is never ended`);
  if (region !== undefined) error(region.start, `region ${region.name} is never ended`);
  if (from === undefined) return { errors };
  return {
    file: { path, comment, from, fromLine, lines, regions, exercises, owners },
    errors,
  };
}

/** A starter line: commented out with the language's line comment (`// x`, `//`), or blank. */
function isCommented(text: string, comment: string): boolean {
  const t = text.trimStart();
  return t === '' || t === comment || t.startsWith(`${comment} `);
}

/** The starter line with its comment removed, keeping its indentation. */
export function uncomment(text: string, comment: string): string {
  const indent = text.length - text.trimStart().length;
  const t = text.trimStart();
  return t === comment || t === '' ? '' : text.slice(0, indent) + t.slice(comment.length + 1);
}
