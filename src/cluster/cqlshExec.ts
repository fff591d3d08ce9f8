// Runs cqlsh (and small helper commands) in amu's client pod over exec: CQL on stdin, output streamed, errors found in stderr.
import { Readable, Writable } from 'node:stream';
import type { KubeAdapter } from '../adapters/kube/index.js';
import { ExternalError, InputError } from '../errors.js';
import { readLines } from '../dumps/lines.js';
import { cqlshCommand, type ClientPod } from './clientPod.js';
import { parseCqlshTable, type CqlshRow, type CqlshSummary } from '../dumps/cqlshTable.js';

/** The stderr kept for messages (the end of it). */
const STDERR_KEPT = 64 * 1024;
/** Lines shown in an error message. */
const LINES_SHOWN = 10;

/**
 * Lines of cqlsh's stderr that mean a statement failed: statement errors (`<stdin>:1:InvalidRequest ...`),
 * connection failures and COPY's own failure reports (copyutil.py). Other stderr text (cqlsh 6's
 * notice "Credentials in the cqlshrc file is deprecated") is only a warning.
 */
const ERROR_LINE_RES: readonly RegExp[] = [
  /^<stdin>:\d+:/,
  /^Connection error:/,
  /^Error for /,
  /^Exported \d+ ranges out of \d+ total ranges/,
  /^Child process \d+ died/,
  /^Can't open /,
  /^Unrecognized COPY (TO|FROM) options/,
  /^Invalid column name /,
  /^No column specified/,
  /^Failed to /,
];

/** The result of one cqlsh run. */
export interface CqlshRun {
  exitCode: number;
  /** The end of stderr (the last 64 KB). */
  stderr: string;
  /** The exec argv (holds no secret: credentials are variable names resolved in the pod). */
  argv: string[];
}

/** A sink that keeps what is written to it as text: all of it, or only the last `limit` characters. */
export class TextSink extends Writable {
  private chunks: Buffer[] = [];
  private text = '';

  constructor(private readonly limit?: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.limit === undefined) this.chunks.push(chunk);
    else this.text = (this.text + chunk.toString('utf8')).slice(-this.limit);
    done();
  }

  get value(): string {
    return this.limit === undefined ? Buffer.concat(this.chunks).toString('utf8') : this.text;
  }
}

/** A pass-through that counts and hashes (SHA-256) the bytes going through it. */
/** `PAGING OFF;` then the statement, one per line: what amu sends on cqlsh's stdin for a SELECT. */
export function selectInput(statement: string): string {
  return `PAGING OFF;\n${statement}\n`;
}

/** The text that names the pod in messages: `apigee/amu-cqlsh`. */
export function podRef(pod: ClientPod): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Runs cqlsh in the pod with `cql` on stdin (read as a counted byte string, so it ends on any exec protocol). */
export async function runCqlsh(kube: KubeAdapter, pod: ClientPod, cql: string, stdout: Writable, extraArgs: string[] = []): Promise<CqlshRun> {
  const input = Buffer.from(cql, 'utf8');
  const argv = cqlshCommand({ stdinBytes: input.length, extraArgs });
  const stderr = new TextSink(STDERR_KEPT);
  const { exitCode } = await kube.exec(pod.namespace, pod.name, pod.container, argv, { stdin: input, stdout, stderr });
  return { exitCode, stderr: stderr.value, argv };
}

/** Lines of stderr that report a failure. */
export function cqlshErrorLines(stderr: string): string[] {
  return stderr.split('\n').map((l) => l.trimEnd()).filter((l) => ERROR_LINE_RES.some((re) => re.test(l)));
}

/** Non-blank lines of stderr that report no failure. */
export function cqlshOtherLines(stderr: string): string[] {
  const errors = new Set(cqlshErrorLines(stderr));
  return stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '' && !errors.has(l));
}

/** Indented last lines of a text, for error details. */
function lastLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-LINES_SHOWN).map((l) => `  ${l}`);
}

/** Throws when cqlsh exited non-zero or reported an error on stderr; `what` names the work ("dump of kvm_map_entry"). */
export function checkCqlshRun(run: CqlshRun, what: string, onWarning?: (line: string) => void): void {
  const errors = cqlshErrorLines(run.stderr);
  if (run.exitCode !== 0 || errors.length > 0) {
    const how = run.exitCode !== 0 ? `cqlsh exited with code ${run.exitCode}` : 'cqlsh reported an error';
    const shown = errors.length > 0 ? errors.slice(-LINES_SHOWN).map((l) => `  ${l}`) : lastLines(run.stderr);
    const headline = errors[0] ?? cqlshOtherLines(run.stderr).at(-1);
    throw new ExternalError(`${what} failed: ${how}${headline ? `: ${headline}` : ''}`, shown.length > 0 ? ['cqlsh said:', ...shown] : []);
  }
  for (const line of cqlshOtherLines(run.stderr)) onWarning?.(`cqlsh: ${line}`);
}

/** A SELECT result read whole (for small tables: schema, contract_ref). */
export interface CqlshResult {
  columns: string[];
  rows: CqlshRow[];
  summary: CqlshSummary;
}

/** Parses cqlsh table text; a table that does not parse is cqlsh misbehaving, so an ExternalError. */
export async function parseCqlshText(text: string, label: string): Promise<CqlshResult> {
  const rows: CqlshRow[] = [];
  const parsed = parseCqlshTable(readLines(Readable.from([Buffer.from(text, 'utf8')]), { source: label }), label);
  try {
    for (;;) {
      const next = await parsed.next();
      if (next.done) return { columns: next.value.columns, rows, summary: next.value };
      rows.push(next.value);
    }
  } catch (err) {
    if (err instanceof InputError) throw new ExternalError(`cqlsh's answer to ${label} is incomplete or not a table: ${err.message}`, err.details);
    throw err;
  }
}

/** Runs one SELECT (with PAGING OFF) and reads its result whole. */
export async function queryCqlsh(kube: KubeAdapter, pod: ClientPod, statement: string, label: string, onWarning?: (line: string) => void): Promise<CqlshResult> {
  const stdout = new TextSink();
  const run = await runCqlsh(kube, pod, selectInput(statement), stdout);
  checkCqlshRun(run, label, onWarning);
  return parseCqlshText(stdout.value, label);
}

/** The result of a helper command (mkdir, stat, rm) with small output. */
export interface CommandRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a small helper command in the pod and collects its output. */
export async function runInPod(kube: KubeAdapter, pod: ClientPod, argv: string[]): Promise<CommandRun> {
  const stdout = new TextSink(STDERR_KEPT);
  const stderr = new TextSink(STDERR_KEPT);
  const { exitCode } = await kube.exec(pod.namespace, pod.name, pod.container, argv, { stdout, stderr });
  return { exitCode, stdout: stdout.value, stderr: stderr.value };
}

/** Runs a helper command and throws with its stderr when it fails. */
export async function runInPodChecked(kube: KubeAdapter, pod: ClientPod, argv: string[]): Promise<string> {
  const run = await runInPod(kube, pod, argv);
  if (run.exitCode !== 0) {
    throw new ExternalError(`\`${argv.join(' ')}\` in pod ${podRef(pod)} exited with code ${run.exitCode}`, lastLines(run.stderr));
  }
  return run.stdout;
}
