/**
 * Evaluation reports on disk: every `report.json` written by `lmrec evaluate --out <dir>` found in
 * the configured directories (the directory itself, or up to two levels below it), identified by its
 * folder path relative to the directory it was found in.
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';

/** What kind of protocol produced a report. */
export type ReportKind = 'protocol' | 'cold-start' | 'unknown';

/** One report as listed. */
export interface ReportSummary {
  /** Stable id: the report's folder relative to its reports directory (`/`-separated). */
  id: string;
  kind: ReportKind;
  /** Protocol name and dataset, for people. */
  title: string;
  dataset?: string;
  /** Models it compares. */
  models: string[];
  /** When the run finished, when the report says so (ISO 8601). */
  finishedAt?: string;
  /** File modification time, ms since epoch. */
  modifiedAt: number;
  /** True for a sample report shipped with lmrec (found in a `sampleDirs` directory), not a run on this engine's data. */
  sample?: boolean;
}

/** One report with its parsed document. */
export interface ReportDocument {
  summary: ReportSummary;
  report: unknown;
}

const FILE = 'report.json';
const MAX_DEPTH = 2;
/** Larger files are skipped: a report is a few kilobytes. */
const MAX_BYTES = 8 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function summarize(id: string, doc: unknown, modifiedAt: number): ReportSummary | undefined {
  if (!isRecord(doc) || !Array.isArray(doc.models)) return undefined;
  const models = doc.models.filter(isRecord).map((m) => (typeof m.kind === 'string' ? m.kind : '?'));
  const dataset = isRecord(doc.dataset) && typeof doc.dataset.name === 'string' ? doc.dataset.name : undefined;
  let kind: ReportKind = 'unknown';
  let name = 'report';
  if (isRecord(doc.protocol)) {
    kind = 'protocol';
    name = typeof doc.protocol.name === 'string' ? doc.protocol.name : 'protocol';
  } else if (isRecord(doc.config) && isRecord(doc.chanceRecall)) {
    kind = 'cold-start';
    name = 'item cold-start';
  }
  const summary: ReportSummary = { id, kind, title: dataset === undefined ? name : `${name} on ${basename(dataset)}`, models, modifiedAt };
  if (dataset !== undefined) summary.dataset = dataset;
  if (typeof doc.finishedAt === 'string') summary.finishedAt = doc.finishedAt;
  return summary;
}

async function findFiles(root: string, dir: string, depth: number, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  if (entries.some((e) => e.isFile() && e.name === FILE)) out.push(join(dir, FILE));
  if (depth >= MAX_DEPTH) return;
  for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    await findFiles(root, join(dir, e.name), depth + 1, out);
  }
}

/** Reads reports from a list of directories (missing directories are simply empty). */
export interface ReportDirectory {
  /** The directories searched, absolute. */
  readonly dirs: readonly string[];
  /** Of those, the directories of bundled sample reports. */
  readonly sampleDirs: readonly string[];
  /** Every readable report, newest first. */
  list(): Promise<ReportSummary[]>;
  /** One report by id, or undefined. */
  get(id: string): Promise<ReportDocument | undefined>;
}

/** Options of {@link createReportDirectory}. */
export interface ReportDirectoryOptions {
  /** Directories of sample reports shipped with lmrec: searched after `dirs`, their reports marked `sample`. */
  sampleDirs?: readonly string[];
}

/** Creates a {@link ReportDirectory} over `dirs` (resolved against the working directory). */
export function createReportDirectory(dirs: readonly string[], options: ReportDirectoryOptions = {}): ReportDirectory {
  const samples = [...new Set((options.sampleDirs ?? []).map((d) => resolve(d)))];
  const roots = [...new Set([...dirs.map((d) => resolve(d)).filter((d) => !samples.includes(d)), ...samples])];

  async function scan(): Promise<{ summary: ReportSummary; file: string }[]> {
    const found: { summary: ReportSummary; file: string }[] = [];
    const taken = new Set<string>();
    for (const root of roots) {
      const files: string[] = [];
      await findFiles(root, root, 0, files);
      for (const file of files) {
        try {
          const info = await stat(file);
          if (info.size > MAX_BYTES) continue;
          const folder = relative(root, join(file, '..')).split(sep).join('/');
          let id = folder === '' ? basename(root) : folder;
          for (let n = 2; taken.has(id); n++) id = `${folder || basename(root)}-${n}`;
          const summary = summarize(id, JSON.parse(await readFile(file, 'utf8')) as unknown, info.mtimeMs);
          if (summary === undefined) continue;
          if (samples.includes(root)) summary.sample = true;
          taken.add(id);
          found.push({ summary, file });
        } catch {
          // An unreadable or half-written report is left out rather than failing the listing.
        }
      }
    }
    return found.sort((a, b) => b.summary.modifiedAt - a.summary.modifiedAt || a.summary.id.localeCompare(b.summary.id));
  }

  return {
    dirs: roots,
    sampleDirs: samples,
    async list() {
      return (await scan()).map((f) => f.summary);
    },
    async get(id) {
      const hit = (await scan()).find((f) => f.summary.id === id);
      if (hit === undefined) return undefined;
      return { summary: hit.summary, report: JSON.parse(await readFile(hit.file, 'utf8')) as unknown };
    },
  };
}
