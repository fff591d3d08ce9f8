// The fast hybrid readers (line blocks, plain-row cuts of cqlsh tables and CQL dumps) against the full per-line parsers.
import { lineBlocks, forEachLine, type LineBlock } from '../../src/dumps/lineBlocks.js';
import { readLines } from '../../src/dumps/lines.js';
import { cqlBlockRows, cqlshBlockRows, ENTRY_SHAPE, scanCqlEntries, scanCqlshEntries, type EntryRowSink } from '../../src/dumps/hybridBlockRows.js';
import { entryRowFrom, readEntryRows, type HybridEntryRow } from '../../src/dumps/hybridRows.js';
import { readCqlDump, type CqlDumpHeader } from '../../src/dumps/cqlDumpFormat.js';
import { InputError } from '../../src/errors.js';
import { formatCqlshTable } from '../support/cqlshTableFormat.js';
import { seededRandom } from '../support/random.js';

const ENTRY_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];
const CHUNK_SIZES = [1, 3, 17, 100, 4096, 1 << 20];

/** The bytes in fresh chunks of `size` (as a read stream hands them out: readLines keeps them). */
async function* chunked(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield Buffer.from(bytes.subarray(at, at + size));
}

/** The bytes in chunks of `size`, each copied into ONE reused buffer (as the block reader's file reader hands them out). */
async function* reused(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  const reused = Buffer.alloc(size);
  for (let at = 0; at < bytes.length; at += size) {
    const n = bytes.copy(reused, 0, at, at + size);
    yield reused.subarray(0, n);
    reused.fill(0x7e); // a consumer that kept a reference would see this
  }
}

type Outcome<T> = { items: T[]; error?: { message: string; details: readonly string[] } };

async function outcome<T>(run: () => AsyncIterable<T | T[]>, flatten: boolean): Promise<Outcome<T>> {
  const items: T[] = [];
  try {
    for await (const x of run()) {
      if (flatten) items.push(...(x as T[]));
      else items.push(x as T);
    }
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { items, error: { message: err.message, details: err.details } };
  }
  return { items };
}

/**
 * The same rows, or the same error: rows come in batches, so a batch cut short by an error is not handed out
 * (the readers' consumers drop everything on an error anyway); the rows before it are then a prefix.
 */
function expectSame<T>(actual: Outcome<T>, expected: Outcome<T>, round: number): void {
  if (expected.error === undefined) {
    expect({ round, ...actual }).toEqual({ round, ...expected });
  } else {
    expect({ round, error: actual.error }).toEqual({ round, error: expected.error });
    expect(expected.items.slice(0, actual.items.length)).toEqual(actual.items);
  }
}

/** The rows a scan gives its sink (cut rows made into rows; their bytes must be their text), or its error. */
async function scanned(run: (sink: EntryRowSink) => Promise<void>): Promise<Outcome<HybridEntryRow>> {
  const items: HybridEntryRow[] = [];
  const sink: EntryRowSink = {
    cut(text, bytes, from, to, lineNo) {
      const cell = (c: number): string | null => {
        if (from[c]! < 0) return null;
        const value = text.slice(from[c], to[c]);
        if (bytes.toString('latin1', from[c], to[c]) !== value) throw new Error(`line ${lineNo}: the bytes of cell ${c} are not its text`);
        return value;
      };
      items.push({ tid: cell(0)!, aScp: cell(1)!, map: cell(2)!, ver: cell(3)!, key: cell(4)!, val: cell(5), lineNo });
    },
    row(row) {
      items.push(row);
    },
  };
  try {
    await run(sink);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { items, error: { message: err.message, details: err.details } };
  }
  return { items };
}

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

const PIECES = ['a', 'Z', '0', ' ', '  ', '|', ' | ', '\\', '\n', '\t', '\r', '\0', 'é', '漢', 'e\u0301', '😀', '"', 'null', '+/=', '\x7f'];

function randomText(rnd: () => number, max: number): string {
  let s = '';
  const n = Math.floor(rnd() * max);
  for (let i = 0; i < n; i++) s += rnd() < 0.7 ? pick(rnd, ['k', 'x', 'Q', '7', '-', '_']) : pick(rnd, PIECES);
  return s;
}

/** Random damage: a character removed or inserted, CRLF line ends, a bad UTF-8 byte, a cut. */
function damage(rnd: () => number, bytes: Buffer): Buffer {
  const kind = Math.floor(rnd() * 7);
  const at = Math.floor(rnd() * bytes.length);
  switch (kind) {
    case 0:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    case 1:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(pick(rnd, ['|', ' ', '\\', '\0', '\t', 'é', '\n', '"', ','])), bytes.subarray(at)]);
    case 2:
      return Buffer.from(bytes.toString('utf8').replace(/\n/g, '\r\n'));
    case 3:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
    case 4:
      return bytes.subarray(0, at);
    default:
      return bytes;
  }
}

describe('lineBlocks', () => {
  /** What readLines makes of the bytes, and what the blocks make of them, as (text, line) pairs. */
  async function both(bytes: Buffer, size: number, maxLineBytes?: number): Promise<[Outcome<[string, number]>, Outcome<[string, number]>]> {
    const opts = { source: 'in.txt', ...(maxLineBytes !== undefined ? { maxLineBytes } : {}) };
    const viaLines = await outcome<[string, number]>(async function* () {
      for await (const line of readLines(chunked(bytes, size), opts)) yield [line.text, line.lineNo] as [string, number];
    }, false);
    const viaBlocks = await outcome<[string, number]>(async function* () {
      for await (const block of lineBlocks(reused(bytes, size), opts)) {
        const lines: [string, number][] = [];
        forEachLine(block, (text, lineNo) => lines.push([text, lineNo]));
        yield* lines;
      }
    }, false);
    return [viaLines, viaBlocks];
  }

  test('give the lines readLines gives, and the same errors after the same lines, whatever the chunks', async () => {
    const rnd = seededRandom(7);
    for (let round = 0; round < 300; round++) {
      let text = '';
      const lines = Math.floor(rnd() * 12);
      for (let i = 0; i < lines; i++) text += randomText(rnd, 30) + pick(rnd, ['\n', '\r\n', '\n', '\r\r\n']);
      if (rnd() < 0.3) text += randomText(rnd, 10);
      let bytes: Buffer = Buffer.from(text);
      if (rnd() < 0.5) bytes = damage(rnd, bytes);
      const size = pick(rnd, CHUNK_SIZES);
      const max = rnd() < 0.2 ? 1 + Math.floor(rnd() * 20) : undefined;
      const [expected, actual] = await both(bytes, size, max);
      expect({ round, ...actual }).toEqual({ round, ...expected });
    }
  });

  test('cut long inputs into blocks of whole lines (a line longer than a block makes its own)', async () => {
    const long = 'L'.repeat(150_000);
    const text = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`).join('\n') + `\n${long}\né\nlast`;
    const bytes = Buffer.from(text);
    const blocks: LineBlock[] = [];
    for await (const block of lineBlocks(reused(bytes, 1 << 20), { source: 'in.txt' })) blocks.push(block);
    expect(blocks.length).toBeGreaterThan(3);
    expect(blocks.every((b) => b.text.endsWith('\n') || b === blocks[blocks.length - 1])).toBe(true);
    expect(blocks.map((b) => b.ascii)).toContain(false);
    expect(blocks.map((b) => b.text).join('')).toBe(text);
    const [expected, actual] = await both(bytes, 1 << 20);
    expect(actual).toEqual(expected);
  });
});

describe('cqlsh entry dumps: the block reader gives the rows and errors of the full parser', () => {
  function randomRow(rnd: () => number): (string | null)[] {
    const cell = (max: number): string | null => (rnd() < 0.05 ? null : randomText(rnd, max));
    const val = rnd() < 0.1 ? null : rnd() < 0.7 ? Buffer.from(randomText(rnd, 30)).toString('base64') : randomText(rnd, 20);
    return [
      rnd() < 0.02 ? null : pick(rnd, ['org1', 'org1', 'org1', 'other']),
      pick(rnd, ['', 'environments###prod', 'environments###tést', 'apis###p1']),
      cell(12),
      pick(rnd, ['1', '2', '10', 'null']),
      cell(15),
      '2021-06-16 10:11:12.345000+0000',
      cell(4),
      null,
      null,
      val,
    ];
  }

  async function compare(bytes: Buffer, size: number, round: number): Promise<void> {
    const file = 'entries.out';
    const expected = await outcome<HybridEntryRow>(() => readEntryRows(readLines(chunked(bytes, size), { source: file }), file), false);
    const actual = await outcome<HybridEntryRow>(() => cqlshBlockRows(lineBlocks(reused(bytes, size), { source: file }), ENTRY_SHAPE, file), true);
    expectSame(actual, expected, round);
    // The scan hands every row to its sink as it comes (no batch held back): the rows before an error are all there.
    const viaScan = await scanned((sink) => scanCqlshEntries(lineBlocks(reused(bytes, size), { source: file }), file, sink));
    expect({ round, ...viaScan }).toEqual({ round, ...expected });
  }

  test('on random tables (escapes, wide and combining characters, pipes, nulls), intact and damaged', async () => {
    const rnd = seededRandom(11);
    for (let round = 0; round < 400; round++) {
      const rows = Array.from({ length: Math.floor(rnd() * 8) }, () => randomRow(rnd));
      let bytes: Buffer = Buffer.from(formatCqlshTable(ENTRY_COLUMNS, rows, { pagingOff: rnd() < 0.8 }));
      if (rnd() < 0.5) bytes = damage(rnd, bytes);
      await compare(bytes, pick(rnd, CHUNK_SIZES), round);
    }
  });

  test('plain ASCII rows are cut in place; a NUL, a backslash or a row that does not fit goes to the full parser', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ['org1', 'environments###prod', `m${i % 7}`, '1', `k${i}`, 'x', 'amu', null, null, `djE${i}==`]);
    const text = formatCqlshTable(ENTRY_COLUMNS, rows, { pagingOff: true });
    await compare(Buffer.from(text), 1 << 20, 0);
    const variants: [number, (line: string) => string][] = [
      [5, (line) => line.replace('amu', 'a\0u')], // width 0 for cqlsh: the row is one column short (split at its separators)
      [5, (line) => line.replace(' amu', '\0 | ')], // ... and has a separator too many: refused
      [6, (line) => line.replace('amu', 'a\\u')], // an escape (a bad one)
      [6, (line) => line.replace('amu', 'a\\\\')], // an escape (a good one)
      [7, (line) => line.slice(0, -1)], // a row one column short
      [7, (line) => `${line.slice(0, -1)}\r`], // ... that a CR at its end makes as long as the others
      [7, (line) => `${line.slice(0, -2)}\r`], // ... a CR that is stripped, one column short
      [8, (line) => line.replace(' | ', ' + ')],
    ];
    for (const [i, [at, change]] of variants.entries()) {
      const lines = text.split('\n');
      lines[at] = change(lines[at]!);
      await compare(Buffer.from(lines.join('\n')), 1 << 20, i + 1);
    }
  });
});

describe('CQL entry dumps: the block reader gives the rows and errors of the full reader', () => {
  const header = {
    format: 'amu-cql-dump',
    version: 1,
    source: 'hybrid',
    keyspace: 'ks',
    table: 'kvm_map_entry',
    columns: ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'].map((name, k) => ({
      name,
      type: ['text', 'text', 'text', 'int', 'text', 'timestamp', 'text', 'timestamp', 'uuid', 'text'][k],
    })),
    query: 'SELECT ...',
    params: ['org1'],
    startedAt: '2024-01-01T00:00:00.000Z',
  };

  function randomRow(rnd: () => number): unknown[] {
    const text = (max: number): string | null => (rnd() < 0.05 ? null : randomText(rnd, max));
    return [
      rnd() < 0.03 ? null : 'org1',
      pick(rnd, ['', 'environments###prod', 'environments###tést']),
      text(12),
      pick(rnd, ['1', '-7', '0', '-0', '01', '2147483647', '2147483648', '123456789', '1234567890', 'x', null]),
      text(15),
      pick(rnd, ['2024-01-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00.000Z', '+012024-01-01T00:00:00.000Z', '2024-01-01 00:00:00', null]),
      text(4),
      null,
      pick(rnd, [null, '8f14e45f-ceea-11eb-b8bc-0242ac130003', '8F14E45F-CEEA-11EB-B8BC-0242AC130003', 'not-a-uuid']),
      rnd() < 0.1 ? null : rnd() < 0.7 ? Buffer.from(randomText(rnd, 30)).toString('base64') : randomText(rnd, 20),
    ];
  }

  async function compare(bytes: Buffer, size: number, round: number): Promise<void> {
    const onHeader = (h: CqlDumpHeader): void => {
      if (h.table !== 'kvm_map_entry') throw new InputError('not an entry dump');
    };
    const expected = await outcome<HybridEntryRow>(async function* () {
      for await (const row of readCqlDump(readLines(chunked(bytes, size), { source: 'e.out' }), 'e.out', onHeader)) yield entryRowFrom(row, '/d/e.out');
    }, false);
    const actual = await outcome<HybridEntryRow>(
      () => cqlBlockRows(lineBlocks(reused(bytes, size), { source: 'e.out' }), ENTRY_SHAPE, { label: 'e.out', fileName: '/d/e.out', onHeader }),
      true,
    );
    expectSame(actual, expected, round);
    const viaScan = await scanned((sink) => scanCqlEntries(lineBlocks(reused(bytes, size), { source: 'e.out' }), { label: 'e.out', fileName: '/d/e.out', onHeader }, sink));
    expect({ round, ...viaScan }).toEqual({ round, ...expected });
  }

  test('on random dumps (escapes, control characters, bad integers, timestamps and UUIDs, nulls), intact and damaged', async () => {
    const rnd = seededRandom(13);
    for (let round = 0; round < 400; round++) {
      const rows = Array.from({ length: Math.floor(rnd() * 8) }, () => randomRow(rnd));
      const count = rnd() < 0.1 ? rows.length + 1 : rows.length;
      let text = [JSON.stringify(rnd() < 0.05 ? { ...header, table: 'kvm_map_descriptor' } : header), ...rows.map((r) => JSON.stringify(r))].join('\n');
      if (rnd() < 0.9) text += `\n${JSON.stringify({ end: true, rows: count, finishedAt: '2024-01-01T00:00:00.000Z' })}\n`;
      let bytes: Buffer = Buffer.from(text);
      if (rnd() < 0.5) bytes = damage(rnd, bytes);
      await compare(bytes, pick(rnd, CHUNK_SIZES), round);
    }
  });

  test('rows of blobs, extra cells, spaces or a null key column go to the full reader', async () => {
    const good = ['org1', 'environments###prod', 'm', '1', 'k', '2024-01-01T00:00:00.000Z', 'amu', null, null, 'djE='];
    const lines = [
      JSON.stringify(header),
      JSON.stringify(good),
      JSON.stringify(good).replace(',', ', '),
      JSON.stringify([...good, 'extra']),
      JSON.stringify(good.map((c, k) => (k === 4 ? null : c))),
      JSON.stringify({ end: true, rows: 4, finishedAt: '2024-01-01T00:00:00.000Z' }),
    ];
    await compare(Buffer.from(`${lines.join('\n')}\n`), 1 << 20, 0);
    lines.splice(3, 2);
    lines[3] = JSON.stringify({ end: true, rows: 2, finishedAt: '2024-01-01T00:00:00.000Z' });
    await compare(Buffer.from(`${lines.join('\n')}\n`), 1 << 20, 1);
  });
});
