// Readers of Edge column dumps for the export: cassandra-cli text (and, by sniffing, the CQL line dump).
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../cli/errors.js';
import { readLines } from '../io/lines.js';
import { parseCliDump } from '../opdk/cliDump.js';
import type { EdgeColumn, EdgeColumnReader } from './edgeSource.js';

/** Fails with a clear message when the dump is missing, naming the command that makes it. */
export async function checkDumpExists(file: string, makeWith: string): Promise<void> {
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) throw new InputError(`${file} is not a file`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`no dump at ${file}`, [`Make it first with: ${makeWith}`]);
    }
    throw err;
  }
}

export function cassandraCliColumns(file: string): EdgeColumnReader {
  const label = path.basename(file);
  return async function* columns(): AsyncIterable<EdgeColumn> {
    for await (const column of parseCliDump(readLines(createReadStream(file)), label)) {
      yield { name: column.name, value: column.value, where: `${label}:${column.lineNo}` };
    }
  };
}
