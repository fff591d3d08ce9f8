// The reader of Edge cassandra-cli dumps for the export (CQL line dumps are read by core/dump/dumpReaders.ts).
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { readLines } from './lines.js';
import { parseCliDump } from './edgeCliDump.js';
import type { EdgeColumn, EdgeColumnReader } from '../export/edgeSource.js';

export function cassandraCliColumns(file: string): EdgeColumnReader {
  const label = path.basename(file);
  return async function* columns(): AsyncIterable<EdgeColumn> {
    for await (const column of parseCliDump(readLines(createReadStream(file)), label)) {
      yield { name: column.name, value: column.value, where: `${label}:${column.lineNo}` };
    }
  };
}
