/**
 * Large edits off the calling thread. applyEdits and revertRecords are pure (text in, text out)
 * but proportional to the file and the model count: a 2,000-model takeover parses and checks a
 * 200-400 KB file several times, 100-300 ms of CPU in one stretch, which on the agent's event loop
 * means no socket answers, no watcher events and no timers meanwhile (issue 18 §2). Above a size
 * they run in a worker thread, the same code on a structured copy of the same input; the caller
 * awaits the answer and its loop keeps turning. Small ones (nearly all) run in place: a worker
 * costs a thread start and about 10 MiB while it lives, so it is started on the first large job
 * and ended after a second with nothing to do.
 */
import type { Worker as WorkerType } from 'node:worker_threads';
import { adapterFor, type ToolId } from '../adapters/index.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection } from '../adapters/types.ts';
import { applyEdits, revertRecords, toSlotRecords, type RevertResult, type SlotRecord } from '../formats/apply.ts';
import { ConfigFormatError, type Edit, type Format } from '../formats/slot.ts';

/** At or above either, a job goes to the worker. */
export const OFF_THREAD = { minChars: 64 * 1024, minEdits: 64, minValues: 2000 };

/** How long an idle worker is kept for the next job. */
const IDLE_MS = 1000;

export type Job =
  | { op: 'apply'; text: string; format: Format; edits: readonly Edit[]; file: string }
  | { op: 'revert'; text: string; format: Format; records: readonly SlotRecord[]; gatewayRoot: string; file: string }
  | { op: 'inspect'; tool: ToolId; texts: FileTexts; gw: GatewayIdentity; ctx: AdapterEnv };

/** What crosses back (a revert's records as indices, so the caller gets its own objects back). */
export type Answer =
  | { id: number; apply: Applied }
  | { id: number; revert: { text: string; reverted: number[]; kept: number[] } }
  | { id: number; inspect: Inspection }
  | { id: number; error: { config: boolean; message: string; file?: string; line?: number; column?: number } };

/** The job, run here: what the worker does with each message. */
export function runJob(id: number, job: Job): Answer {
  try {
    if (job.op === 'inspect') return { id, inspect: adapterFor(job.tool).inspect(job.texts, job.gw, job.ctx) };
    if (job.op === 'apply') {
      return { id, apply: applied(job.text, job.format, job.edits, job.file) };
    }
    const r = revertRecords(job.text, job.format, job.records, job.gatewayRoot, job.file);
    const at = new Map(job.records.map((x, i) => [x, i]));
    return { id, revert: { text: r.text, reverted: r.reverted.map((x) => at.get(x)!), kept: r.kept.map((x) => at.get(x)!) } };
  } catch (e) {
    const err = e as Partial<ConfigFormatError>;
    return {
      id,
      error: {
        config: e instanceof ConfigFormatError,
        message: String(err.message ?? e),
        ...(err.file !== undefined ? { file: err.file } : {}),
        ...(err.line !== undefined ? { line: err.line } : {}),
        ...(err.column !== undefined ? { column: err.column } : {}),
      },
    };
  }
}

/** The new text and the ledger's records of the edits (hashing 2,000 written values is 10-20 ms of its own). */
export interface Applied {
  text: string;
  records: SlotRecord[];
}

function applied(text: string, format: Format, edits: readonly Edit[], file: string): Applied {
  const r = applyEdits(text, format, edits, file);
  return { text: r.text, records: toSlotRecords(r.applied) };
}

/** Values, counted up to `budget` (a model list can be one edit holding 2,000 entries). */
function weight(v: unknown, budget: number): number {
  let n = 1;
  if (typeof v === 'object' && v !== null)
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      if (n >= budget) break;
      n += weight(x, budget - n);
    }
  return Math.min(n, budget);
}

const large = (text: string, values: readonly unknown[]) =>
  text.length >= OFF_THREAD.minChars || values.length >= OFF_THREAD.minEdits || weight(values, OFF_THREAD.minValues) >= OFF_THREAD.minValues;

let worker: WorkerType | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
let idle: NodeJS.Timeout | undefined;

function failAll(e: Error): void {
  for (const w of waiting.values()) w.reject(e);
  waiting.clear();
  worker = undefined;
}

function theWorker(): WorkerType {
  if (worker) return worker;
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  // The worker module next to this one, .ts or .js as this one is.
  const url = new URL(`./off-thread-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);
  // No inherited execArgv (the parent's flags are for the parent; V8's, like --lite-mode, are per
  // process anyway); its output is the parent's.
  const w = new Worker(url, { execArgv: [], stdout: false, stderr: false });
  w.on('message', (a: Answer) => {
    const p = waiting.get(a.id);
    waiting.delete(a.id);
    p?.resolve(a);
    if (waiting.size === 0) park();
  });
  w.on('error', (e) => failAll(new Error(`gwctl's edit worker failed: ${e.message}`)));
  w.on('exit', (code) => {
    if (worker === w) failAll(new Error(`gwctl's edit worker ended (exit code ${code})`));
  });
  worker = w;
  return w;
}

/** Nothing waiting: the worker does not hold the process open, and ends if no job comes. */
function park(): void {
  worker?.unref();
  clearTimeout(idle);
  idle = setTimeout(() => {
    const w = worker;
    worker = undefined;
    void w?.terminate();
  }, IDLE_MS);
  idle.unref();
}

function send(job: Job): Promise<Answer> {
  clearTimeout(idle);
  const w = theWorker();
  w.ref();
  const id = nextId++;
  return new Promise<Answer>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, job });
  });
}

function thrown(a: Extract<Answer, { error: unknown }>): Error {
  if (!a.error.config) return new Error(a.error.message);
  const e = new ConfigFormatError(a.error.file ?? '', '', {
    ...(a.error.line !== undefined ? { line: a.error.line } : {}),
    ...(a.error.column !== undefined ? { column: a.error.column } : {}),
  });
  e.message = a.error.message;
  return e;
}

/**
 * applyEdits and the ledger's records of it (toSlotRecords), in a worker when the file or the
 * edit list is large. Same result, same errors.
 */
export async function applyEditsOffThread(text: string, format: Format, edits: readonly Edit[], file: string, { force = false } = {}): Promise<Applied> {
  const values = edits.map((e) => e.value);
  if (!force && !large(text, values)) return applied(text, format, edits, file);
  const a = await send({ op: 'apply', text, format, edits, file });
  if ('error' in a) throw thrown(a);
  if (!('apply' in a)) throw new Error('internal: the edit worker answered another job');
  return a.apply;
}

/** revertRecords, in a worker when the file or the record list is large. Same result, same errors. */
export async function revertRecordsOffThread(
  text: string,
  format: Format,
  records: readonly SlotRecord[],
  gatewayRoot: string,
  file: string,
  { force = false } = {},
): Promise<RevertResult> {
  if (!force && !large(text, records)) return revertRecords(text, format, records, gatewayRoot, file);
  const a = await send({ op: 'revert', text, format, records, gatewayRoot, file });
  if ('error' in a) throw thrown(a);
  if (!('revert' in a)) throw new Error('internal: the edit worker answered another job');
  return { text: a.revert.text, reverted: a.revert.reverted.map((i) => records[i]!), kept: a.revert.kept.map((i) => records[i]!) };
}

/** adapter.inspect, in a worker when the tool's files are large (the status after a 2,000-model write). */
export async function inspectOffThread(tool: ToolId, texts: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv, { force = false } = {}): Promise<Inspection> {
  const size = Object.values(texts).reduce((n, t) => n + (t?.length ?? 0), 0);
  if (!force && size < OFF_THREAD.minChars) return adapterFor(tool).inspect(texts, gw, ctx);
  const a = await send({ op: 'inspect', tool, texts, gw, ctx });
  if ('error' in a) throw thrown(a);
  if (!('inspect' in a)) throw new Error('internal: the edit worker answered another job');
  return a.inspect;
}
