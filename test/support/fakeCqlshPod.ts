// Test helper: an exec handler for the fake Kubernetes API that plays amu's cqlsh client pod (cqlsh, COPY, cat, stat, rm) over in-memory tables.
import type { ExecHandler, ExecIO } from './fakeKubeApiServer.js';
import { formatCqlshTable } from './cqlshTableFormat.js';

export interface FakeTable {
  columns: string[];
  rows: (string | null)[][];
}

/** What cqlsh 6 prints on stderr whenever -p is used: a warning, not an error. */
export const PASSWORD_WARNING =
  'Warning: Using a password on the command line interface can be insecure.\nRecommendation: use the credentials file to securely provide the password.\n';

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
    const input = (counted ? await io.readStdin(Number(counted[1])) : await io.readStdin()).toString('utf8');
    this.cqlInputs.push(input);
    await io.stderr(PASSWORD_WARNING);
    if (!counted) {
      await io.stdout(`session got: ${input}`);
      return this.interactiveExitCode;
    }
    return this.runStatements(input, io);
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
