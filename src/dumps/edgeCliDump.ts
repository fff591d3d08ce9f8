// Streams the records of a cassandra-cli `get keyvaluemaps_r21[<org>];` dump and checks its `Returned N results.` trailer.
//
// Nothing inside a record is escaped, so a record line is split by position: the name ends at the
// FIRST `, value=`, the value ends where the line's tail `, timestamp=<digits>[, ttl=<digits>])`
// begins (found from the end, so values holding `, timestamp=` or `)` are kept whole).

import { InputError } from '../errors.js';
import { cutInput } from '../cli/quoteInput.js';
import { location, type Line } from './lines.js';
import { edgeLayoutHeader } from './edgeRowValue.js';

/** One column of the row, as printed by cassandra-cli. */
export interface CliColumn {
  name: string;
  value: string;
  /** Microseconds since the epoch, as printed (digits). */
  timestamp: string;
  ttl?: string;
  lineNo: number;
}

/** Counts known once the dump has been read to its end. */
export interface CliDumpStats {
  /** `=> (` records read so far. */
  records: number;
  /** N of `Returned N results.`; null until the trailer is read. */
  reported: number | null;
  /** True when N reached cassandra-cli's `get` limit: the row may hold more columns than were printed. */
  atGetLimit: boolean;
}

/** A record stream whose `stats` are complete once iteration has finished without error. */
export interface CliDump extends AsyncIterable<CliColumn> {
  readonly stats: Readonly<CliDumpStats>;
}

/** cassandra-cli's `get <cf>[<key>]` prints at most this many columns. */
export const CLI_GET_LIMIT = 1_000_000;

const RECORD_START = '=> (';
const NAME_START = '=> (name=';
const VALUE_SEP = ', value=';
const TIMESTAMP_SEP = ', timestamp=';
const RECORD_TAIL = /^, timestamp=(\d+)(?:, ttl=(\d+))?\)$/;
const TRAILER = /^Returned (\d+) results?\.$/;
const PROMPT = /^\[[^\]\s]*@[^\]\s]*\]( |$)/;
const BANNER: readonly RegExp[] = [
  /^Connected to: /,
  /^Welcome to Cassandra CLI version /,
  /^The CLI is deprecated /,
  /^CQL is fully backwards compatible /,
  /^Type 'help;' or '\?' for help\.$/,
  /^Type 'quit;' or 'exit;' to quit\.$/,
  /^Authenticated to keyspace: /,
  /^Elapsed time: /,
];
const MAX_PREAMBLE_NOTES = 3;

/**
 * Parses the dump, yielding one CliColumn per record. Throws InputError (file and line) for a
 * record line that does not parse, any other unexpected line between the first record and the
 * trailer, a second result set, a trailer whose count differs from the records read, and a dump
 * that ends without a trailer (truncated). Banner, prompt and `Elapsed time` lines are skipped.
 */
export function parseCliDump(lines: AsyncIterable<Line>, fileName: string): CliDump {
  const stats: CliDumpStats = { records: 0, reported: null, atGetLimit: false };
  let started = false;
  return {
    stats,
    [Symbol.asyncIterator]: () => {
      if (started) throw new Error('parseCliDump: a dump can be iterated only once');
      started = true;
      return readRecords(lines, fileName, stats)[Symbol.asyncIterator]();
    },
  };
}

async function* readRecords(lines: AsyncIterable<Line>, fileName: string, stats: CliDumpStats): AsyncGenerator<CliColumn> {
  const preambleNotes: string[] = [];
  let lastLineNo = 0;
  for await (const line of lines) {
    lastLineNo = line.lineNo;
    const { text } = line;
    if (text.startsWith(RECORD_START)) {
      if (stats.reported !== null) throw inputError(fileName, line.lineNo, 'a second result set after the `Returned N results.` line; give one `get` per file');
      if (!line.terminated) throw inputError(fileName, line.lineNo, 'the file ends in the middle of this record (no newline): the dump is truncated');
      stats.records++;
      yield parseRecord(text, fileName, line.lineNo);
      continue;
    }
    const trailer = TRAILER.exec(text);
    if (trailer) {
      if (stats.reported !== null) throw inputError(fileName, line.lineNo, 'a second `Returned N results.` line');
      checkTrailer(Number(trailer[1]), stats, fileName, line.lineNo);
      continue;
    }
    if (isChatter(text)) continue;
    const inRecords = stats.records > 0 && stats.reported === null;
    if (text === '' && !inRecords) continue;
    if (inRecords) {
      throw inputError(fileName, line.lineNo, `unexpected line between records: ${preview(text)}`);
    }
    if (stats.records === 0 && stats.reported === null && preambleNotes.length < MAX_PREAMBLE_NOTES) {
      preambleNotes.push(`line ${line.lineNo}: ${preambleLine(text)}`);
    }
  }
  if (stats.reported === null) {
    throw new InputError(
      `${location(fileName, lastLineNo)}: the dump ends without cassandra-cli's \`Returned N results.\` line: it is truncated or the \`get\` failed (${stats.records} records read)`,
      preambleNotes.length > 0 ? ['Other output in the file:', ...preambleNotes] : [],
    );
  }
}

/** Splits `=> (name=<name>, value=<value>, timestamp=<t>[, ttl=<n>])`. */
export function parseRecord(text: string, fileName: string, lineNo: number): CliColumn {
  if (!text.startsWith(NAME_START)) throw badRecord(fileName, lineNo, 'it does not start with `=> (name=`');
  const valueSep = text.indexOf(VALUE_SEP, NAME_START.length);
  if (valueSep === -1) throw badRecord(fileName, lineNo, 'no `, value=` after the name');
  const valueStart = valueSep + VALUE_SEP.length;
  const tailStart = text.lastIndexOf(TIMESTAMP_SEP);
  if (tailStart < valueStart) throw badRecord(fileName, lineNo, 'no `, timestamp=` after the value');
  const tail = RECORD_TAIL.exec(text.slice(tailStart));
  if (!tail) throw badRecord(fileName, lineNo, 'it does not end with `, timestamp=<digits>)` or `, timestamp=<digits>, ttl=<digits>)`');
  const column: CliColumn = {
    name: text.slice(NAME_START.length, valueSep),
    value: text.slice(valueStart, tailStart),
    timestamp: tail[1],
    lineNo,
  };
  if (tail[2] !== undefined) column.ttl = tail[2];
  return column;
}

function checkTrailer(reported: number, stats: CliDumpStats, fileName: string, lineNo: number): void {
  if (reported !== stats.records) {
    throw inputError(fileName, lineNo, `cassandra-cli reports ${reported} results but ${stats.records} records were read: the dump is damaged`);
  }
  stats.reported = reported;
  stats.atGetLimit = reported >= CLI_GET_LIMIT;
}

/** Banner, prompt echo and `Elapsed time` lines. */
function isChatter(text: string): boolean {
  if (PROMPT.test(text)) return true;
  for (const re of BANNER) if (re.test(text)) return true;
  return false;
}

/** A stray line between records (it may be part of a value): a few characters and its length. */
function preview(text: string): string {
  return cutInput(text);
}

/**
 * A line before the first record: cassandra-cli's own messages ("Keyspace ... does not exist"), shown up to 120
 * characters to say why the get failed; a line that looks like data (a long run of hex or base64) is cut.
 */
function preambleLine(text: string): string {
  if (/[A-Za-z0-9+/=]{24,}/.test(text)) return cutInput(text);
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}...` : text);
}

function badRecord(fileName: string, lineNo: number, why: string): InputError {
  return inputError(fileName, lineNo, `not a cassandra-cli column record: ${why}`);
}

function inputError(fileName: string, lineNo: number, message: string): InputError {
  return new InputError(`${location(fileName, lineNo)}: ${message}`);
}

/** Bytes of a record line kept at its end when it is shortened: the value's flag and the record's tail, with room to spare. */
const KEPT_TAIL_BYTES = 512;
const NAME_START_BYTES = Buffer.from(NAME_START);
const VALUE_SEP_BYTES = Buffer.from(VALUE_SEP);

/**
 * For a pass that needs only each record's column name, KVM name and encryption flag: a long record line in Edge's
 * own row layout, shortened to its head (through the KVM name) and its last bytes. parseRecord and decodeRowHeader
 * give the same name, flag and timestamp for it as for the whole line; any other line is left whole (undefined).
 */
export function shortenRecordLine(bytes: Buffer, start: number, end: number): string | undefined {
  if (bytes.compare(NAME_START_BYTES, 0, NAME_START_BYTES.length, start, start + NAME_START_BYTES.length) !== 0) return undefined;
  const sep = bytes.indexOf(VALUE_SEP_BYTES, start + NAME_START_BYTES.length);
  const value = sep + VALUE_SEP_BYTES.length;
  if (sep < 0 || value + 2 >= end || bytes[value] !== 0x7b || bytes[value + 1] !== 0x22) return undefined;
  const nameEnd = bytes.indexOf(0x22, value + 2);
  if (nameEnd < 0 || nameEnd + 3 >= end) return undefined;
  let tail = end - KEPT_TAIL_BYTES;
  while (tail < end && (bytes[tail]! & 0xc0) === 0x80) tail++;
  if (tail <= nameEnd + 4) return undefined;
  const head = bytes.toString('utf8', start, nameEnd + 3);
  const short = `${head}~${bytes.toString('utf8', tail, end)}`;
  // Kept only when it reads as the whole line would: the record's tail within the kept end, Edge's row layout.
  if (short.lastIndexOf(TIMESTAMP_SEP) <= head.length) return undefined;
  let column: CliColumn;
  try {
    column = parseRecord(short, '', 0);
  } catch {
    return undefined;
  }
  return edgeLayoutHeader(column.value) === undefined ? undefined : short;
}
