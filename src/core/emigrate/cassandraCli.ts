// Edge 4.50–4.52.00: dumps the org's row of keyvaluemaps_r21 with cassandra-cli and checks it is complete.
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { finished } from 'node:stream/promises';
import { ExternalError, InputError, UsageError } from '../../cli/errors.js';
import { findOnPath, isExecutable, runStreaming } from '../../adapters/process.js';
import { FILE_MODE, mkdirPrivate, temporaryNameFor } from '../fs/secureFs.js';
import { HashingCounter } from '../io/hashingCounter.js';
import { DUMP_READ_BYTES, readLines } from '../io/lines.js';
import { CLI_GET_LIMIT, parseCliDump } from '../opdk/cliDump.js';
import { kvmDumpPath, writeDumpMetadata } from './dumpFiles.js';

export const DEFAULT_CASSANDRA_CLI = '/opt/apigee/apigee-cassandra/bin/cassandra-cli';

export interface CassandraCliEmigrateOptions {
  org: string;
  emigrateDir: string;
  host: string;
  port?: number;
  cassandraCli?: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  onCommand?: (text: string) => void;
}

export interface EmigrateResult {
  file: string;
  rows: number;
  bytes: number;
}

/** Org names go into a cassandra-cli string literal: only the characters Edge allows in org names are accepted. */
export function checkOrgName(org: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(org)) {
    throw new UsageError(`organization name "${org}" is not a valid Edge organization name (letters, digits, - _ .)`);
  }
}

export function cassandraCliInput(org: string): string {
  return `use keyvaluemap;\nget keyvaluemaps_r21['${org}'];\n`;
}

/** The explicit path, else the Edge install path, else cassandra-cli on PATH. */
export async function locateCassandraCli(explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new UsageError(`--cassandra-cli ${explicit} is not an executable file`);
  }
  if (await isExecutable(DEFAULT_CASSANDRA_CLI)) return DEFAULT_CASSANDRA_CLI;
  const onPath = await findOnPath('cassandra-cli', env.PATH);
  if (onPath) return onPath;
  throw new ExternalError('cassandra-cli not found', [
    `Looked at ${DEFAULT_CASSANDRA_CLI} and on PATH.`,
    'Run amu on an Edge Cassandra or management node, or name the program with --cassandra-cli (CASSANDRA_CLI).',
    'Edge 4.52.02 and later have no cassandra-cli: read over CQL instead.',
  ]);
}

async function countRecords(file: string, label: string): Promise<number> {
  const parsed = parseCliDump(readLines(createReadStream(file, { highWaterMark: DUMP_READ_BYTES }), { source: label }), label);
  let rows = 0;
  for await (const column of parsed) {
    void column;
    rows += 1;
  }
  return rows;
}

function failureDetails(stderrTail: string): string[] {
  const lines = stderrTail.trim().split('\n').filter(Boolean).slice(-10);
  return lines.length > 0 ? ['cassandra-cli said:', ...lines.map((l) => `  ${l}`)] : [];
}

export async function emigrateWithCassandraCli(options: CassandraCliEmigrateOptions): Promise<EmigrateResult> {
  checkOrgName(options.org);
  const program = await locateCassandraCli(options.cassandraCli, options.env);
  await mkdirPrivate(options.emigrateDir);
  const finalPath = kvmDumpPath(options.emigrateDir, options.org);
  const tmp = temporaryNameFor(finalPath);
  const args = ['-h', options.host, ...(options.port ? ['-p', String(options.port)] : [])];
  const input = cassandraCliInput(options.org);
  const startedAt = new Date().toISOString();
  options.onCommand?.(`${program} ${args.join(' ')} <<< ${JSON.stringify(input)}`);
  const counter = new HashingCounter((n) => options.onProgress?.(n));
  const sink = createWriteStream(tmp, { mode: FILE_MODE, flags: 'wx' });
  counter.pipe(sink);
  try {
    const outcome = await runStreaming({ file: program, args, stdin: input, stdout: counter, env: options.env, ...(options.signal ? { signal: options.signal } : {}) });
    counter.end();
    await finished(sink);
    if (outcome.failedToStart) throw new ExternalError(`cannot run ${program}: ${outcome.startError ?? 'unknown error'}`);
    if (outcome.exitCode !== 0) {
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
      throw new ExternalError(`cassandra-cli ${how}; no dump was written`, failureDetails(outcome.stderrTail));
    }
    const rows = await countRecords(tmp, `the output of cassandra-cli for org ${options.org}`).catch((err: unknown) => {
      if (err instanceof InputError) {
        throw new ExternalError(`cassandra-cli's output is incomplete or not a dump: ${err.message}; no dump was written`, [
          ...err.details,
          ...failureDetails(outcome.stderrTail),
        ]);
      }
      throw err;
    });
    if (rows >= CLI_GET_LIMIT) {
      throw new ExternalError(`cassandra-cli returned ${rows} columns, its limit for one row: the dump may be cut short; no dump was written`, [
        'Read this org over CQL instead (see README-amu.md).',
      ]);
    }
    const { size } = await fsp.stat(tmp);
    await fsp.rename(tmp, finalPath);
    await writeDumpMetadata(finalPath, {
      reader: 'cassandra-cli',
      org: options.org,
      command: `${program} ${args.join(' ')}`,
      input,
      host: options.host,
      startedAt,
      finishedAt: new Date().toISOString(),
      rows,
      bytes: size,
      sha256: counter.digest(),
    });
    return { file: finalPath, rows, bytes: size };
  } catch (err) {
    sink.destroy();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}
