// The CQL dump format: lossless cells, atomic writer (temp file, 0600, rename), strict streaming reader.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import {
  CqlDumpWriter,
  dumpTypeOf,
  isCqlDump,
  readCqlDump,
  renderCell,
  type CqlDumpColumn,
  type CqlDumpHeader,
  type CqlDumpRow,
} from '../../src/dumps/cqlDumpFormat.js';

const COLUMNS: CqlDumpColumn[] = [
  { name: 'k', type: 'text' },
  { name: 'i', type: 'int' },
  { name: 'b', type: 'bigint' },
  { name: 't', type: 'timestamp' },
  { name: 'x', type: 'blob' },
];

function header(columns: CqlDumpColumn[] = COLUMNS): Omit<CqlDumpHeader, 'format' | 'version'> {
  return { source: 'hybrid', keyspace: 'ks', table: 'tbl', columns, query: 'SELECT * FROM ks.tbl', params: [], startedAt: '2024-01-01T00:00:00.000Z' };
}

const HEADER_LINE = JSON.stringify({ format: 'amu-cql-dump', version: 1, ...header([{ name: 'v', type: 'text' }]) });

async function* linesOf(text: string): AsyncIterable<{ text: string; lineNo: number }> {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) yield { text: line, lineNo: i + 1 };
}

async function readAll(text: string, fileName = 'd.cqldump'): Promise<CqlDumpRow[]> {
  const out: CqlDumpRow[] = [];
  for await (const row of readCqlDump(linesOf(text), fileName)) out.push(row);
  return out;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'amu-dump-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writing and reading back', () => {
  test('every type round-trips; null and empty stay apart; blob is base64', async () => {
    const out = join(dir, 'all.cqldump');
    const writer = await CqlDumpWriter.create(out, header());
    await writer.writeRows([
      ['a\nb "q" | é 🚀', -2147483648, 2n ** 63n - 1n, new Date(-1), Buffer.from([0, 255])],
      ['', 0, -(2n ** 63n), new Date('2024-02-29T12:00:00.123Z'), Buffer.alloc(0)],
    ]);
    await writer.writeRows([[null, null, null, null, null]]);
    expect(writer.rowsWritten).toBe(3);
    const done = await writer.finish();
    const written = await readFile(out);
    expect(done).toEqual({ file: out, rows: 3, bytes: written.length, sha256: createHash('sha256').update(written).digest('hex') });

    const text = await readFile(out, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(isCqlDump(lines[0]!)).toBe(true);
    expect(JSON.parse(lines[2]!)).toEqual(['', '0', '-9223372036854775808', '2024-02-29T12:00:00.123Z', { b64: '' }]);
    expect(JSON.parse(lines[4]!)).toMatchObject({ end: true, rows: 3 });

    const rows = await readAll(text);
    expect(rows.map((r) => r.cells)).toEqual([
      { k: 'a\nb "q" | é 🚀', i: '-2147483648', b: '9223372036854775807', t: '1969-12-31T23:59:59.999Z', x: 'AP8=' },
      { k: '', i: '0', b: '-9223372036854775808', t: '2024-02-29T12:00:00.123Z', x: '' },
      { k: null, i: null, b: null, t: null, x: null },
    ]);
    expect(rows.map((r) => r.lineNo)).toEqual([2, 3, 4]);
  });

  test('the file is 0600 and only appears, under its final name, at finish', async () => {
    const out = join(dir, 'x.cqldump');
    const writer = await CqlDumpWriter.create(out, header());
    await writer.writeRows([['a', 1, 1n, new Date(0), Buffer.from('z')]]);
    const during = await readdir(dir);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(new RegExp(`^\\.x\\.cqldump\\.amu-partial-.+-${process.pid}-\\d+-[0-9a-f]{8}$`));
    expect((await stat(writer.tempPath)).mode & 0o777).toBe(0o600);
    await writer.finish();
    expect(await readdir(dir)).toEqual(['x.cqldump']);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  test('abort deletes the temp file and keeps an older dump untouched', async () => {
    const out = join(dir, 'x.cqldump');
    await writeFile(out, 'older dump');
    const writer = await CqlDumpWriter.create(out, header());
    await writer.writeRows([['a', 1, 1n, new Date(0), null]]);
    await writer.abort();
    await writer.abort();
    expect(await readdir(dir)).toEqual(['x.cqldump']);
    expect(await readFile(out, 'utf8')).toBe('older dump');
    await expect(writer.writeRows([])).rejects.toThrow(/after the dump was aborted/);
    await expect(writer.finish()).rejects.toThrow(/after the dump was aborted/);
  });

  test('a value of the wrong kind or a short row is refused', async () => {
    const writer = await CqlDumpWriter.create(join(dir, 'x.cqldump'), header());
    await expect(writer.writeRows([['a', '1', 1n, new Date(0), null]])).rejects.toThrow(/column i \(int\) cannot hold a value of kind string/);
    await expect(writer.writeRows([['a', 1]])).rejects.toThrow(/a row of 2 cells for 5 columns/);
    expect(writer.rowsWritten).toBe(0);
    await writer.abort();
  });
});

describe('cells', () => {
  test('renderCell renders each type losslessly', () => {
    expect(renderCell({ name: 'b', type: 'bigint' }, 9007199254740993n)).toBe('9007199254740993');
    expect(renderCell({ name: 't', type: 'timestamp' }, new Date('0001-01-01T00:00:00.000Z'))).toBe('0001-01-01T00:00:00.000Z');
    expect(renderCell({ name: 'x', type: 'blob' }, Buffer.from('hi'))).toEqual({ b64: 'aGk=' });
    expect(renderCell({ name: 'k', type: 'text' }, '')).toBe('');
    expect(renderCell({ name: 'k', type: 'text' }, undefined)).toBeNull();
    expect(() => renderCell({ name: 't', type: 'timestamp' }, new Date(NaN))).toThrow(TypeError);
    expect(() => renderCell({ name: 'i', type: 'int' }, 1.5)).toThrow(TypeError);
  });

  test('dumpTypeOf maps CQL types and refuses the rest', () => {
    expect(['varchar', 'text', 'ascii', 'int', 'bigint', 'counter', 'timestamp', 'blob', 'uuid', 'timeuuid'].map(dumpTypeOf)).toEqual([
      'text', 'text', 'text', 'int', 'bigint', 'bigint', 'timestamp', 'blob', 'uuid', 'uuid',
    ]);
    expect(dumpTypeOf('inet')).toBeUndefined();
    expect(dumpTypeOf('map<varchar, varchar>')).toBeUndefined();
  });
});

describe('reading damaged dumps', () => {
  const typed = (columns: CqlDumpColumn[]): string => JSON.stringify({ format: 'amu-cql-dump', version: 1, ...header(columns) });

  test('no trailer: truncated, with file and last line', async () => {
    await expect(readAll(`${HEADER_LINE}\n["a"]\n["b"]\n`, 'org.cqldump')).rejects.toThrow(
      /^org\.cqldump:3: truncated CQL dump: no end trailer after 2 rows/,
    );
  });

  test('a line cut in the middle is reported at its line', async () => {
    await expect(readAll(`${HEADER_LINE}\n["a"]\n["b`)).rejects.toThrow(/^d\.cqldump:3: not a JSON line/);
  });

  test('trailer count mismatch', async () => {
    const err = await readAll(`${HEADER_LINE}\n["a"]\n["b"]\n{"end":true,"rows":3,"finishedAt":"x"}\n`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe('d.cqldump:4: the end trailer says 3 rows but the dump holds 2');
  });

  test('anything after the trailer', async () => {
    await expect(readAll(`${HEADER_LINE}\n{"end":true,"rows":0,"finishedAt":"x"}\n["late"]\n`)).rejects.toThrow(
      /^d\.cqldump:3: data after the end trailer/,
    );
  });

  test('an empty file, a foreign header, an unknown version', async () => {
    await expect(readAll('')).rejects.toThrow(/d\.cqldump: empty file/);
    await expect(readAll('{"format":"other"}\n')).rejects.toThrow(/d\.cqldump:1: not an amu CQL dump/);
    await expect(readAll(HEADER_LINE.replace('"version":1', '"version":2'))).rejects.toThrow(/version 2 is not supported/);
    expect(isCqlDump('=> (name=x, value=y, timestamp=1)')).toBe(false);
    expect(isCqlDump('{"format":"amu-cql-dump","version":1}')).toBe(true);
  });

  test('cells that do not fit their column type', async () => {
    const trailer = '{"end":true,"rows":1,"finishedAt":"x"}';
    const cases: [CqlDumpColumn, string, RegExp][] = [
      [{ name: 'i', type: 'int' }, '["2147483648"]', /column i \(int\): out of range/],
      [{ name: 'i', type: 'int' }, '[7]', /column i \(int\): expected a string or null/],
      [{ name: 'b', type: 'bigint' }, '["01"]', /not a decimal integer/],
      [{ name: 't', type: 'timestamp' }, '["2024-02-30T00:00:00.000Z"]', /not an ISO timestamp/],
      [{ name: 't', type: 'timestamp' }, '["2024-01-01T00:00:00Z"]', /not an ISO timestamp/],
      [{ name: 'x', type: 'blob' }, '["AAAA"]', /expected \{"b64": \.\.\.\} or null/],
      [{ name: 'x', type: 'blob' }, '[{"b64":"A"}]', /invalid base64/],
      [{ name: 'k', type: 'text' }, '["a","b"]', /a row of 2 cells, the header names 1 columns/],
    ];
    for (const [column, row, why] of cases) {
      await expect(readAll(`${typed([column])}\n${row}\n${trailer}\n`)).rejects.toThrow(new RegExp(`^d\\.cqldump:2: .*${why.source}`));
    }
  });

  test('a header without usable columns', async () => {
    await expect(readAll(`${typed([])}\n`)).rejects.toThrow(/no valid "columns"/);
    await expect(readAll(`${typed([{ name: 'a', type: 'inet' as 'text' }])}\n`)).rejects.toThrow(/no valid "columns"/);
    await expect(readAll(`${typed([{ name: 'a', type: 'text' }, { name: 'a', type: 'int' }])}\n`)).rejects.toThrow(/no valid "columns"/);
  });
});

describe('uuid columns', () => {
  test('a uuid cell is kept as its canonical text; anything else is refused', () => {
    const column = { name: 'ver', type: 'uuid' as const };
    expect(renderCell(column, '0b6d5a9c-1d2e-11ef-9a3b-0242ac120002')).toBe('0b6d5a9c-1d2e-11ef-9a3b-0242ac120002');
    expect(() => renderCell(column, 42)).toThrow(TypeError);
  });
});

describe('timestamp cells: the field check agrees with Date', () => {
  const viaDate = (cell: string): boolean => {
    const d = new Date(cell);
    return /^[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(cell) && !Number.isNaN(d.getTime()) && d.toISOString() === cell;
  };
  const header = { format: 'amu-cql-dump', version: 1, source: 'hybrid', keyspace: 'ks', table: 't', columns: [{ name: 'c', type: 'timestamp' }], query: 'q', params: [], startedAt: '2024-01-01T00:00:00.000Z' };
  const accepts = async (cell: string): Promise<boolean> => {
    const lines = [JSON.stringify(header), JSON.stringify([cell]), JSON.stringify({ end: true, rows: 1 })].map((text, i) => ({ text, lineNo: i + 1 }));
    try {
      for await (const row of readCqlDump((async function* () { yield* lines; })(), 'f')) void row;
      return true;
    } catch {
      return false;
    }
  };
  test.each([
    '2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z',
    '2024-04-31T00:00:00.000Z', '2024-12-31T24:00:00.000Z', '2024-13-01T00:00:00.000Z', '2024-00-10T00:00:00.000Z',
    '2024-01-00T00:00:00.000Z', '2024-01-01T00:60:00.000Z', '2024-01-01T00:00:60.000Z', '0000-01-01T00:00:00.000Z',
    '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00.000Z', '2024-01-01T00:00:00.00xZ', '2024-01-01 00:00:00.000Z',
  ])('%s', async (cell) => {
    expect(await accepts(cell)).toBe(viaDate(cell));
  });
});
