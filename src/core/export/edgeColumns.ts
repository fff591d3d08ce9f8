// The reader of Edge cassandra-cli dumps for the export (CQL line dumps are read by core/dump/dumpReaders.ts).
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { DUMP_READ_BYTES, readLines } from '../io/lines.js';
import { parseCliDump } from '../opdk/cliDump.js';
import type { EdgeColumn, EdgeColumnReader } from './edgeSource.js';

export function cassandraCliColumns(file: string): EdgeColumnReader {
  const label = path.basename(file);
  return async function* columns(): AsyncIterable<EdgeColumn> {
    for await (const column of parseCliDump(readLines(createReadStream(file, { highWaterMark: DUMP_READ_BYTES }), { source: label }), label)) {
      yield { name: column.name, value: column.value, where: `${label}:${column.lineNo}` };
    }
  };
}
