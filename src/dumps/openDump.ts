// Opens the org's dump in the emigrate folder for export, whichever reader wrote it: cassandra-cli or cqlsh text, or an amu CQL line dump.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { readLines } from './lines.js';
import { fileChunks } from './lineBlocks.js';
import { isCqlDump, parseCqlDumpHeader, readCqlDump, type CqlDumpHeader } from './cqlDumpFormat.js';
import type { EdgeDumpLayout } from '../export/parallel/protocol.js';
import { parseCliDump, shortenRecordLine } from './edgeCliDump.js';
import { type HybridDescriptorRow, type HybridEntryRow } from './hybridRows.js';
import {
  cqlDescriptorBatches,
  cqlEntryBatches,
  cqlshDescriptorBatches,
  cqlshEntryBatches,
  scanCqlEntryFile,
  scanCqlshEntryFile,
  type EntryRowSink,
} from './hybridBlockRows.js';
import { checkDumpExists, descriptorDumpPath, kvmDumpPath } from './layout.js';

/** One column of the org's row: the Thrift column name and its JSON value, with where it was read. */
export interface EdgeColumn {
  name: string;
  value: string;
  where: string;
}

/**
 * Reads the dump from the start each time it is called (the source makes two passes). With `headersOnly`, a long
 * value may come shortened to what names its KVM and flag (Edge's layout read from its ends): enough for a first pass.
 */
export type EdgeColumnReader = (options?: { headersOnly?: boolean }) => AsyncIterable<EdgeColumn>;

/** One `kvm_map_entry` row, whatever reader produced it (cqlsh table, CQL line dump). */
export type EntryRowLike = HybridEntryRow;
/** One `kvm_map_descriptor` row, whatever reader produced it. */
export type DescriptorRowLike = HybridDescriptorRow;

/** Row sources; each function reads its dump from the start (the source makes two passes), in batches of rows in dump order. */
export interface HybridDumpReaders {
  entries: () => AsyncIterable<readonly EntryRowLike[]>;
  /** The same rows as `entries`, plain ones as cell ranges (no objects): a faster pass, where the reader has one. */
  scanEntries?: (sink: EntryRowSink) => Promise<void>;
  descriptors?: () => AsyncIterable<readonly DescriptorRowLike[]>;
  /** Names the entry dump in origins and messages (`<name>:<line>`); default "kvm_map_entry". */
  entryName?: string;
  /** Names the descriptor dump; default "kvm_map_descriptor". */
  descriptorName?: string;
}

/**
 * The Edge dump of `org`: its file, a reader of its columns, and how its rows are laid out when the export's second
 * pass can take the file in chunks of lines: cassandra-cli text, or a CQL dump whose column1 and value are text
 * (undefined for anything else, e.g. blob cells: the reader then does the second pass too).
 */
export async function openEdgeDump(emigrateDir: string, org: string): Promise<{ file: string; columns: EdgeColumnReader; layout: EdgeDumpLayout | undefined }> {
  const file = kvmDumpPath(emigrateDir, org);
  await checkDumpExists(file, `amu kvms emigrate --src opdk --org ${org} --emigrate-dir ${emigrateDir}`);
  const first = await firstLine(file);
  if (!isCqlDump(first)) return { file, columns: cassandraCliColumns(file), layout: { format: 'cli' } };
  return { file, columns: cqlEdgeColumns(file), layout: cqlEdgeLayout(first) };
}

/** Where column1 and value are in a CQL dump's rows, when both are text; undefined when the header says otherwise. */
function cqlEdgeLayout(headerLine: string): EdgeDumpLayout | undefined {
  let header: CqlDumpHeader;
  try {
    header = parseCqlDumpHeader(headerLine, 'header');
  } catch {
    return undefined;
  }
  const nameAt = header.columns.findIndex((c) => c.name === 'column1');
  const valueAt = header.columns.findIndex((c) => c.name === 'value');
  if (nameAt < 0 || valueAt < 0 || header.columns[nameAt]!.type !== 'text' || header.columns[valueAt]!.type !== 'text') return undefined;
  return { format: 'cql', nameAt, valueAt };
}

/** The hybrid dumps of `org`: the entry dump's file and readers of its rows (and of the descriptors, when dumped). */
export async function openHybridDump(emigrateDir: string, org: string): Promise<{ file: string; readers: HybridDumpReaders }> {
  const entries = kvmDumpPath(emigrateDir, org);
  await checkDumpExists(entries, `amu kvms emigrate --src hybrid --org ${org} --emigrate-dir ${emigrateDir} --hybrid-version <version>`);
  const descriptorFile = descriptorDumpPath(emigrateDir, org);
  const descriptors = (await isFile(descriptorFile)) ? descriptorFile : undefined;
  const readers = (await isCqlDumpFile(entries)) ? cqlHybridReaders(entries, descriptors) : cqlshEntryReaders(entries, descriptors);
  return { file: entries, readers };
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

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

/** Edge columns from a cassandra-cli text dump (`get keyvaluemaps_r21['<org>'];`). */
export function cassandraCliColumns(file: string): EdgeColumnReader {
  const label = path.basename(file);
  return async function* columns(options?: { headersOnly?: boolean }): AsyncIterable<EdgeColumn> {
    const lines = readLines(fileChunks(file), {
      source: label,
      ...(options?.headersOnly ? { shorten: shortenRecordLine } : {}),
    });
    for await (const column of parseCliDump(lines, label)) {
      yield { name: column.name, value: column.value, where: `${label}:${column.lineNo}` };
    }
  };
}

function rowsOf(file: string, expect: { source: 'edge' | 'hybrid'; table: string }, onHeader?: (header: CqlDumpHeader) => void) {
  const label = path.basename(file);
  const refuse = expectTable(label, expect);
  const check = (header: CqlDumpHeader) => {
    refuse(header);
    onHeader?.(header);
  };
  return readCqlDump(readLines(fileChunks(file), { source: label }), label, check);
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

/** Readers of cqlsh text dumps: `SELECT * FROM kvm_map_entry` and, optionally, `kvm_map_descriptor`. */
export function cqlshEntryReaders(entryDumpPath: string, descriptorDumpPath?: string): HybridDumpReaders {
  const readers: HybridDumpReaders = {
    entries: () => cqlshEntryBatches(entryDumpPath),
    scanEntries: (sink) => scanCqlshEntryFile(entryDumpPath, sink),
    entryName: entryDumpPath,
  };
  if (descriptorDumpPath !== undefined) {
    readers.descriptors = () => cqlshDescriptorBatches(descriptorDumpPath);
    readers.descriptorName = descriptorDumpPath;
  }
  return readers;
}

/** Refuses a CQL dump of another source or table than expected. */
function expectTable(label: string, expect: { source: 'edge' | 'hybrid'; table: string }): (header: CqlDumpHeader) => void {
  return (header) => {
    if (header.source !== expect.source || header.table !== expect.table) {
      throw new InputError(`${label}: a CQL dump of ${header.source} ${header.keyspace}.${header.table}, not of ${expect.source} ${expect.table}`);
    }
  };
}

/** Hybrid kvm_map_entry and kvm_map_descriptor rows from CQL dumps: the same records the cqlsh dumps give. */
export function cqlHybridReaders(entryDump: string, descriptorDump?: string): HybridDumpReaders {
  const entryLabel = path.basename(entryDump);
  const readers: HybridDumpReaders = {
    entries: () => cqlEntryBatches(entryDump, entryLabel, expectTable(entryLabel, { source: 'hybrid', table: 'kvm_map_entry' })),
    scanEntries: (sink) => scanCqlEntryFile(entryDump, entryLabel, expectTable(entryLabel, { source: 'hybrid', table: 'kvm_map_entry' }), sink),
    entryName: entryDump,
  };
  if (descriptorDump !== undefined) {
    const label = path.basename(descriptorDump);
    readers.descriptors = () => cqlDescriptorBatches(descriptorDump, label, expectTable(label, { source: 'hybrid', table: 'kvm_map_descriptor' }));
    readers.descriptorName = descriptorDump;
  }
  return readers;
}
