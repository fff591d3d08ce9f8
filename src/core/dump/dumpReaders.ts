// Opens the dumps of the emigrate folder for export, whichever reader wrote them: text dumps or amu CQL line dumps.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../cli/errors.js';
import { DUMP_READ_BYTES, readLines } from '../io/lines.js';
import { isCqlDump, readCqlDump, type CqlDumpHeader } from './cqlDumpFormat.js';
import { descriptorRowFrom, entryRowFrom } from '../hybrid/entryRows.js';
import type { EdgeColumn, EdgeColumnReader } from '../export/edgeSource.js';
import type { HybridDumpReaders } from '../export/hybridSource.js';

/** The first line of a file (up to 64 KB), to tell an amu CQL dump from a tool's text output. */
async function firstLine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? text : text.slice(0, end);
  } finally {
    await handle.close();
  }
}

export async function isCqlDumpFile(file: string): Promise<boolean> {
  return isCqlDump(await firstLine(file));
}

function rowsOf(file: string, expect: { source: 'edge' | 'hybrid'; table: string }, onHeader?: (header: CqlDumpHeader) => void) {
  const label = path.basename(file);
  const check = (header: CqlDumpHeader) => {
    if (header.source !== expect.source || header.table !== expect.table) {
      throw new InputError(`${label}: a CQL dump of ${header.source} ${header.keyspace}.${header.table}, not of ${expect.source} ${expect.table}`);
    }
    onHeader?.(header);
  };
  return readCqlDump(readLines(createReadStream(file, { highWaterMark: DUMP_READ_BYTES }), { source: label }), label, check);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Edge columns (column1, value) of keyvaluemaps_r21 from a CQL dump: the same records a cassandra-cli dump gives.
 * Over CQL the compact table's columns may be text or blob (unconfirmed); blob cells hold UTF-8 text.
 */
export function cqlEdgeColumns(file: string): EdgeColumnReader {
  const label = path.basename(file);
  return async function* columns(): AsyncIterable<EdgeColumn> {
    const blob = new Set<string>();
    const onHeader = (h: CqlDumpHeader) => h.columns.filter((c) => c.type === 'blob').forEach((c) => blob.add(c.name));
    for await (const row of rowsOf(file, { source: 'edge', table: 'keyvaluemaps_r21' }, onHeader)) {
      const where = `${label}:${row.lineNo}`;
      const text = (column: string): string => {
        const cell = row.cells[column];
        if (cell == null) throw new InputError(`${where}: ${column} is null`);
        if (!blob.has(column)) return cell;
        try {
          return utf8.decode(Buffer.from(cell, 'base64'));
        } catch {
          throw new InputError(`${where}: ${column} (blob) is not UTF-8 text`);
        }
      };
      yield { name: text('column1'), value: text('value'), where };
    }
  };
}

/** Hybrid kvm_map_entry and kvm_map_descriptor rows from CQL dumps: the same records the cqlsh dumps give. */
export function cqlHybridReaders(entryDump: string, descriptorDump?: string): HybridDumpReaders {
  const readers: HybridDumpReaders = {
    entries: async function* entries() {
      for await (const row of rowsOf(entryDump, { source: 'hybrid', table: 'kvm_map_entry' })) yield entryRowFrom(row, entryDump);
    },
    entryName: entryDump,
  };
  if (descriptorDump !== undefined) {
    readers.descriptors = async function* descriptors() {
      for await (const row of rowsOf(descriptorDump, { source: 'hybrid', table: 'kvm_map_descriptor' })) yield descriptorRowFrom(row, descriptorDump);
    };
    readers.descriptorName = descriptorDump;
  }
  return readers;
}
