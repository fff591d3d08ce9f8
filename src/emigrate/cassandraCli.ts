// Edge 4.50–4.52.00: dumps the org's row of keyvaluemaps_r21 with cassandra-cli and checks it is complete.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { ExternalError, InputError, UsageError } from '../errors.js';
import { findOnPath, isExecutable, runStreaming } from '../adapters/process.js';
import { DurableDumpWriter } from '../dumps/durableWriter.js';
import { noRowsError } from '../dumps/emptyOrg.js';
import { clearLeftovers } from '../dumps/leftovers.js';
import { mkdirPrivate } from '../fs/secureFs.js';
import { DUMP_READ_BYTES, readLines } from '../dumps/lines.js';
import { CLI_GET_LIMIT, parseCliDump } from '../dumps/edgeCliDump.js';
import { kvmDumpPath, metadataPath, replaceDumpAndMetadata } from '../dumps/layout.js';
import type { DumpReader, DumpedTable } from './reader.js';

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
  /** Accept an org with no rows (else it is refused as a likely misspelt org). */
  allowEmpty?: boolean;
  /** Things the user should know that are not errors (leftovers of a killed run removed). */
  onNote?: (text: string) => void;
}

export type EmigrateResult = Omit<DumpedTable, 'table'>;

/** Org names go into a cassandra-cli string literal: only the characters Edge allows in org names are accepted. */
export function checkOrgName(org: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(org)) {
    throw new UsageError(`organization name "${org}" is not a valid Edge organization name (letters, digits, - _ .)`);
  }
}

export function cassandraCliInput(org: string): string {
  return `use keyvaluemap;\nget keyvaluemaps_r21['${org}'];\n`;
}

/** Quotes a word for a POSIX shell when it holds anything but safe characters. */
function shellWord(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  if (!/["$`\\!]/.test(word)) return `"${word}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface HandCommandOptions {
  org: string;
  host: string;
  port?: number;
  cassandraCli?: string;
}

/**
 * The shell command that makes the same dump as emigrateWithCassandraCli, for hosts where amu cannot run: the
 * same program, arguments and input, its output into `<org>-kvms.out`. It holds no secret (cassandra-cli needs none).
 */
export function handCommand(o: HandCommandOptions): { command: string; dumpName: string; input: string } {
  checkOrgName(o.org);
  const program = o.cassandraCli ?? DEFAULT_CASSANDRA_CLI;
  const args = ['-h', o.host, ...(o.port ? ['-p', String(o.port)] : [])];
  const input = cassandraCliInput(o.org);
  const dumpName = path.basename(kvmDumpPath('.', o.org));
  const lines = input.split('\n').filter(Boolean).map(shellWord);
  const pipeline = `printf '%s\\n' ${lines.join(' ')} | ${[program, ...args].map(shellWord).join(' ')} > ${shellWord(dumpName)}`;
  // umask 077: the dump holds encrypted KVM values and their wrapped keys; only its owner may read it.
  return { command: `(umask 077 && ${pipeline})`, dumpName, input };
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
  await clearLeftovers([finalPath, metadataPath(finalPath)], (text) => options.onNote?.(text));
  const args = ['-h', options.host, ...(options.port ? ['-p', String(options.port)] : [])];
  const input = cassandraCliInput(options.org);
  const startedAt = new Date().toISOString();
  options.onCommand?.(`${program} ${args.join(' ')} <<< ${JSON.stringify(input)}`);
  const dump = await DurableDumpWriter.create(finalPath);
  const sink = dump.writable((n) => options.onProgress?.(n));
  try {
    const outcome = await runStreaming({ file: program, args, stdin: input, stdout: sink, env: options.env, signal: options.signal });
    sink.end();
    await finished(sink);
    if (outcome.failedToStart) throw new ExternalError(`cannot run ${program}: ${outcome.startError ?? 'unknown error'}`);
    if (outcome.exitCode !== 0) {
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
      throw new ExternalError(`cassandra-cli ${how}; no dump was written`, failureDetails(outcome.stderrTail));
    }
    const sealed = await dump.seal();
    const rows = await countRecords(dump.tempPath, `the output of cassandra-cli for org ${options.org}`).catch((err: unknown) => {
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
    if (rows === 0 && !options.allowEmpty) throw noRowsError('opdk', options.org, `keyvaluemaps_r21 (cassandra-cli at ${options.host})`);
    await replaceDumpAndMetadata(dump, {
      reader: 'cassandra-cli',
      org: options.org,
      command: `${program} ${args.join(' ')}`,
      input,
      host: options.host,
      startedAt,
      finishedAt: new Date().toISOString(),
      rows,
      bytes: sealed.bytes,
      sha256: sealed.sha256,
      ...(options.allowEmpty ? { allowEmpty: true } : {}),
    });
    const size = sealed.bytes;
    return { file: finalPath, rows, bytes: size };
  } catch (err) {
    sink.destroy();
    await dump.abort();
    throw err;
  }
}

/** The cassandra-cli reader: one text dump of the org's row of keyvaluemaps_r21 (progress in bytes). */
export function cassandraCliReader(options: Omit<CassandraCliEmigrateOptions, 'org' | 'emigrateDir' | 'onProgress' | 'allowEmpty' | 'onNote'>): DumpReader {
  return {
    name: 'cassandra-cli',
    async dump({ org, emigrateDir, onProgress, allowEmpty, onNote }) {
      const table = 'keyvaluemaps_r21';
      const result = await emigrateWithCassandraCli({
        ...options,
        org,
        emigrateDir,
        onProgress: (bytes) => onProgress?.(table, bytes),
        ...(allowEmpty ? { allowEmpty } : {}),
        ...(onNote ? { onNote } : {}),
      });
      return [{ table, ...result }];
    },
  };
}
