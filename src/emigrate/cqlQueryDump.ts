// Streams a CQL query into a lossless dump file page by page.
import { ExternalError } from '../errors.js';
import type { CqlColumnInfo, CqlParam, CqlSession } from '../adapters/cql.js';
import { CqlDumpWriter, dumpTypeOf, type CqlDumpColumn, type CqlDumpSource } from '../dumps/cqlDumpFormat.js';

export interface CqlEmigrateSpec {
  query: string;
  params: readonly CqlParam[];
  keyspace: string;
  table: string;
  /** The column names the query must return, in order (checked against Cassandra's result metadata). */
  columns: readonly string[];
  source: CqlDumpSource;
}

export interface CqlEmigrateOptions {
  pageSize: number;
  onProgress?(rows: number): void;
  /** When set, a query that returns no rows fails with this error and no dump replaces an earlier one. */
  noRows?: () => Error;
}

/**
 * Writes every row of `spec.query` to `outPath` as a CQL dump, one page in memory at a time. On any failure the
 * partial dump is deleted (no file that looks complete is left) and the error is rethrown.
 */
export async function emigrateOverCql(
  session: CqlSession,
  spec: CqlEmigrateSpec,
  outPath: string,
  opts: CqlEmigrateOptions,
): Promise<{ rows: number; file: string; bytes: number; sha256: string }> {
  const sealed = await dumpOverCql(session, spec, outPath, opts);
  return sealed.writer.commit();
}

/** A dump written and flushed under its temporary name, not yet in place: `writer.commit()` or `writer.abort()`. */
export interface SealedCqlDump {
  writer: CqlDumpWriter;
  rows: number;
  bytes: number;
  sha256: string;
}

/** Like emigrateOverCql, but leaves the dump sealed under its temporary name, so several dumps can be put in place together. */
export async function dumpOverCql(session: CqlSession, spec: CqlEmigrateSpec, outPath: string, opts: CqlEmigrateOptions): Promise<SealedCqlDump> {
  const startedAt = new Date().toISOString();
  let writer: CqlDumpWriter | undefined;
  let received = 0;
  try {
    for await (const page of session.scan(spec.query, spec.params, { pageSize: opts.pageSize })) {
      writer ??= await CqlDumpWriter.create(outPath, {
        source: spec.source,
        keyspace: spec.keyspace,
        table: spec.table,
        columns: dumpColumns(spec, page.columns),
        query: spec.query,
        params: spec.params.map(paramText),
        startedAt,
      });
      await writer.writeRows(page.rows);
      received += page.rows.length;
      opts.onProgress?.(received);
    }
    if (!writer) throw new ExternalError(`Cassandra returned no result for ${spec.query}`);
    if (writer.rowsWritten !== received) {
      throw new Error(`CQL dump of ${spec.keyspace}.${spec.table}: ${received} rows received, ${writer.rowsWritten} written`);
    }
    if (received === 0 && opts.noRows) throw opts.noRows();
    const { rows, bytes, sha256 } = await writer.seal();
    return { writer, rows, bytes, sha256 };
  } catch (err) {
    await writer?.abort();
    throw err;
  }
}

/** The dump's columns: the expected names, typed from Cassandra's metadata; any difference is an error. */
function dumpColumns(spec: CqlEmigrateSpec, got: readonly CqlColumnInfo[]): CqlDumpColumn[] {
  const gotNames = got.map((c) => c.name);
  if (gotNames.join('\0') !== spec.columns.join('\0')) {
    throw new ExternalError(
      `Cassandra returned columns (${gotNames.join(', ')}) for ${spec.keyspace}.${spec.table}; amu expects (${spec.columns.join(', ')})`,
    );
  }
  return got.map((c) => {
    const type = dumpTypeOf(c.type);
    if (!type) {
      throw new ExternalError(`Column ${spec.keyspace}.${spec.table}.${c.name} has CQL type ${c.type}, which amu cannot dump`);
    }
    return { name: c.name, type };
  });
}

function paramText(p: CqlParam): string {
  if (p === null) return 'null';
  if (Buffer.isBuffer(p)) return `0x${p.toString('hex')}`;
  if (p instanceof Date) return p.toISOString();
  return String(p);
}
