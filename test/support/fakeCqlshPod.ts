// Test helper: an exec handler for the fake Kubernetes API that plays amu's cqlsh client pod (cqlsh, COPY, cat, stat, rm) over in-memory tables.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecHandler, ExecIO } from './fakeKubeApiServer.js';
import { formatCqlshTable } from './cqlshTableFormat.js';

/** The pod's environment, as the manifest sets it from the datastore secret. */
export interface FakePodEnv {
  APIGEE_DML_USER: string;
  APIGEE_DML_PASSWORD: string;
  CASSANDRA_HOST: string;
}

/** What the image's own ~/.cassandra/cqlshrc holds: amu keeps its other sections and replaces [authentication]. */
export const IMAGE_CQLSHRC = '[connection]\nfactory = cqlshlib.ssl.ssl_transport_factory\n[authentication]\nusername = image-default\n[ssl]\ncertfile = /opt/apigee/ssl/ca.crt\n';

/** A stand-in `cqlsh` for the script amu runs: records its argv, the cqlshrc it was given (mode, text) and its stdin. */
const STUB_CQLSH = `#!/usr/bin/env bash
rec="$FAKE_CQLSH_RECORD"
printf '%s\\0' "$@" > "$rec.argv"
rc=""; prev=""
for a in "$@"; do
  [ "$prev" = --cqlshrc ] && rc="$a"
  case "$a" in --cqlshrc=*) rc="\${a#--cqlshrc=}" ;; esac
  prev="$a"
done
printf '%s' "$rc" > "$rec.rcpath"
if [ -n "$rc" ] && [ -f "$rc" ]; then stat -c %a "$rc" > "$rec.mode"; cat "$rc" > "$rec.rc"; fi
cat > "$rec.stdin"
`;

/** One run of amu's cqlsh script under bash, as the pod would run it, seen from the stub cqlsh. */
interface ScriptRun {
  exitCode: number;
  stderr: string;
  argv: string[];
  stdin: Buffer;
  rcPath: string;
  rcMode: string;
  rcText: string;
}

export interface FakeTable {
  columns: string[];
  rows: (string | null)[][];
}

/** What cqlsh 4.1+ prints on stderr when the cqlshrc holds credentials: a warning, not an error. */
export const RC_WARNING =
  'Notice: Credentials in the cqlshrc file is deprecated and will be ignored in the future.\nPlease use a credentials file to specify the username and password.\n';

/** A scripted failure of the statement that mentions `match`. */
export interface CqlFailure {
  match: string;
  /** Cut the table output inside its last row. */
  truncate?: boolean;
  /** Text written on stderr. */
  stderr?: string;
  exitCode?: number;
}

/** A cqlsh client pod: tables, a file system under /tmp, and a record of every exec. */
export class FakeCqlshPod {
  /** Problems with how cqlsh got its credentials (a password in argv, no 0600 cqlshrc): each fails the cqlsh run. */
  readonly credentialProblems: string[] = [];
  /** The argv cqlsh itself was started with in the pod, for every cqlsh run. */
  readonly cqlshArgv: string[][] = [];
  private sandbox: string | undefined;

  constructor(readonly env: FakePodEnv = { APIGEE_DML_USER: 'dml_user', APIGEE_DML_PASSWORD: 'fake-dml-P@ss %d w0rd', CASSANDRA_HOST: 'apigee-cassandra-default.apigee.svc.cluster.local' }) {}

  readonly tables = new Map<string, FakeTable>();
  readonly files = new Map<string, Buffer>();
  /** The argv of every exec, in order. */
  readonly execs: string[][] = [];
  /** The stdin of every cqlsh run. */
  readonly cqlInputs: string[] = [];
  /** What the pod printed on stdout for each statement text. */
  readonly printed = new Map<string, string>();
  failures: CqlFailure[] = [];
  /** Exit code of interactive sessions (cqlsh without a counted stdin). */
  interactiveExitCode = 0;
  /** Chunk size of table output on stdout. */
  chunkSize = 4096;

  addTable(name: string, table: FakeTable): void {
    this.tables.set(name, table);
  }

  readonly handler: ExecHandler = async (command, io) => {
    this.execs.push(command);
    if (command[0] === 'bash' && command[1] === '-c' && (command[2] ?? '').includes('cqlsh')) return this.cqlsh(command, io);
    return this.tool(command, io);
  };

  private async cqlsh(command: string[], io: ExecIO): Promise<number> {
    const counted = /head -c (\d+)/.exec(command[2] ?? '');
    const sent = counted ? await io.readStdin(Number(counted[1])) : await io.readStdin();
    const run = await this.runScript(command, sent);
    const problems = this.credentialCheck(run);
    if (problems.length > 0) {
      this.credentialProblems.push(...problems);
      await io.stderr(`${run.stderr}Connection error: ('Unable to connect to any servers', {'10.0.0.1:9042': AuthenticationFailed('${problems.join('; ')}')})\n`);
      return 2;
    }
    const input = run.stdin.toString('utf8');
    this.cqlInputs.push(input);
    await io.stderr(RC_WARNING);
    if (!counted) {
      await io.stdout(`session got: ${input}`);
      return this.interactiveExitCode;
    }
    return this.runStatements(input, io);
  }

  /** A private folder with the stub cqlsh and a HOME holding the image's cqlshrc. */
  private sandboxDir(): string {
    if (this.sandbox && existsSync(this.sandbox)) return this.sandbox;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amu-fake-cqlsh-pod-'));
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'cqlsh'), STUB_CQLSH);
    chmodSync(path.join(dir, 'bin', 'cqlsh'), 0o755);
    mkdirSync(path.join(dir, 'home', '.cassandra'), { recursive: true });
    writeFileSync(path.join(dir, 'home', '.cassandra', 'cqlshrc'), IMAGE_CQLSHRC);
    mkdirSync(path.join(dir, 'tmp'));
    this.sandbox = dir;
    return dir;
  }

  /** Removes the sandbox (tests call it when done; a leftover is only a temp folder without secrets of users). */
  dispose(): void {
    if (this.sandbox) rmSync(this.sandbox, { recursive: true, force: true });
    this.sandbox = undefined;
  }

  /** Runs amu's exec argv under the real bash, with the pod's environment and the stub as cqlsh. */
  private async runScript(command: string[], input: Buffer): Promise<ScriptRun> {
    const dir = this.sandboxDir();
    const record = path.join(dir, `run-${this.cqlshArgv.length}`);
    const child = spawn(command[0]!, command.slice(1), {
      env: { ...this.env, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`, HOME: path.join(dir, 'home'), TMPDIR: path.join(dir, 'tmp'), FAKE_CQLSH_RECORD: record },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    const read = (suffix: string) => (existsSync(record + suffix) ? readFileSync(record + suffix) : Buffer.alloc(0));
    const argv = read('.argv').toString('utf8').split('\0').slice(0, -1);
    const run = { exitCode, stderr: Buffer.concat(stderr).toString('utf8'), argv, stdin: read('.stdin'), rcPath: read('.rcpath').toString('utf8'), rcMode: read('.mode').toString('utf8').trim(), rcText: read('.rc').toString('utf8') };
    for (const suffix of ['.argv', '.stdin', '.rcpath', '.mode', '.rc']) rmSync(record + suffix, { force: true });
    this.cqlshArgv.push(argv);
    return run;
  }

  /** What a careful pod would object to: credentials in argv, no private cqlshrc holding them, a cqlshrc left behind. */
  private credentialCheck(run: ScriptRun): string[] {
    const problems: string[] = [];
    if (run.exitCode !== 0 && run.argv.length === 0) return [`the script failed before cqlsh ran (exit ${run.exitCode}): ${run.stderr.trim()}`];
    const joined = run.argv.join('\0');
    if (joined.includes(this.env.APIGEE_DML_PASSWORD)) problems.push('the DML password is in the argv of cqlsh');
    if (run.argv.some((a) => a === '-p' || a.startsWith('--password'))) problems.push('cqlsh got a password option');
    if (!run.rcPath) problems.push('cqlsh got no --cqlshrc');
    else {
      if (run.rcMode !== '600') problems.push(`the cqlshrc has mode ${run.rcMode || 'unknown'}, not 600`);
      const auth = /^\[authentication\]\nusername = (.*)\npassword = (.*)\n/m.exec(run.rcText);
      if (!auth || auth[1] !== this.env.APIGEE_DML_USER || auth[2] !== this.env.APIGEE_DML_PASSWORD) problems.push('the cqlshrc does not hold the DML user and password');
      if (run.rcText.split('[authentication]').length !== 2) problems.push('the cqlshrc has more than one [authentication] section');
      if (!run.rcText.includes('[ssl]\ncertfile = /opt/apigee/ssl/ca.crt')) problems.push("the image's cqlshrc settings were dropped");
      if (existsSync(path.dirname(run.rcPath)) && run.rcPath.startsWith(this.sandbox ?? '\0')) problems.push('the cqlshrc was left behind');
    }
    return problems;
  }

  private async runStatements(input: string, io: ExecIO): Promise<number> {
    const statements = input.split('\n').map((s) => s.trim()).filter(Boolean);
    let pagingOff = false;
    for (const statement of statements) {
      if (statement === 'PAGING OFF;') {
        pagingOff = true;
        continue;
      }
      const failure = this.failures.find((f) => statement.includes(f.match));
      const code = await this.runStatement(statement, pagingOff, failure, io);
      if (code !== 0) return code;
    }
    return 0;
  }

  private async runStatement(statement: string, pagingOff: boolean, failure: CqlFailure | undefined, io: ExecIO): Promise<number> {
    if (failure?.stderr) {
      await io.stderr(failure.stderr);
      return failure.exitCode ?? 0;
    }
    if (statement.startsWith('COPY ')) return this.copy(statement, io);
    const result = this.select(statement);
    if (!result) {
      await io.stderr(`<stdin>:2:InvalidRequest: Error from server: code=2200 [Invalid query] message="unconfigured table in ${statement}"\n`);
      return 2;
    }
    const text = formatCqlshTable(result.columns, result.rows, { pagingOff, truncate: failure?.truncate === true });
    this.printed.set(statement, text);
    for (let i = 0; i < text.length; i += this.chunkSize) await io.stdout(text.slice(i, i + this.chunkSize));
    return failure?.exitCode ?? 0;
  }

  /** The few SELECT shapes amu sends. */
  private select(statement: string): FakeTable | undefined {
    if (statement === 'SELECT keyspace_name, table_name FROM system_schema.tables;') {
      const names = ['system_auth.roles', 'system_schema.tables', ...this.tables.keys()];
      return { columns: ['keyspace_name', 'table_name'], rows: names.map((n) => n.split('.')) };
    }
    const m = /^SELECT (\*|tid) FROM (\w+\.\w+)(?: WHERE tid = '([^']*)' ALLOW FILTERING)?( LIMIT 1)?;$/.exec(statement);
    const table = m ? this.tables.get(m[2]!) : undefined;
    if (!m || !table) return undefined;
    const tidAt = table.columns.indexOf('tid');
    let rows = m[3] === undefined ? table.rows : table.rows.filter((r) => r[tidAt] === m[3]);
    if (m[4]) rows = rows.slice(0, 1);
    return m[1] === 'tid' ? { columns: ['tid'], rows: rows.map((r) => [r[tidAt]!]) } : { columns: table.columns, rows };
  }

  private async copy(statement: string, io: ExecIO): Promise<number> {
    const m = /^COPY (\w+\.\w+) TO '([^']+)' WITH HEADER = TRUE;$/.exec(statement);
    const table = m ? this.tables.get(m[1]!) : undefined;
    if (!m || !table) {
      await io.stderr(`<stdin>:1:Improper COPY command.\n`);
      return 2;
    }
    this.files.set(m[2]!, Buffer.from(csv(table), 'utf8'));
    const n = table.rows.length;
    await io.stdout(`Using 1 child processes\n\nStarting copy of ${m[1]} with columns [${table.columns.join(', ')}].\n`);
    await io.stdout(`Processed: ${n} rows; Rate:      10 rows/s; Avg. rate:      10 rows/s\n${n} rows exported to 1 files in 0.105 seconds.\n`);
    return 0;
  }

  /** mkdir, stat, cat, rm in the pod's /tmp. */
  private async tool(command: string[], io: ExecIO): Promise<number> {
    const file = command[command.length - 1]!;
    const data = this.files.get(file);
    switch (command[0]) {
      case 'mkdir':
        return 0;
      case 'stat':
      case 'cat':
        if (!data) {
          await io.stderr(`${command[0]}: cannot open '${file}': No such file or directory\n`);
          return 1;
        }
        await io.stdout(command[0] === 'stat' ? `${data.length}\n` : data);
        return 0;
      case 'rm':
        this.files.delete(file);
        return 0;
      default:
        await io.stderr(`${command[0]}: command not found\n`);
        return 127;
    }
  }
}

/** CSV as cqlsh COPY TO writes it with HEADER = TRUE (null as an empty field). */
export function csv(table: FakeTable): string {
  const field = (v: string | null) => (v === null ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [table.columns, ...table.rows].map((row) => row.map(field).join(',')).join('\n') + '\n';
}
