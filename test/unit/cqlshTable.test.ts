// Tests of the cqlsh table parser, its display-width helpers, the test formatter (test/support) and the hybrid row readers.
import { InputError } from '../../src/errors.js';
import {
  charWidth,
  cutAtColumn,
  displayWidth,
  parseCqlshTable,
  unescapeCqlsh,
  type CqlshHeader,
  type CqlshLine,
  type CqlshRow,
  type CqlshSummary,
} from '../../src/dumps/cqlshTable.js';
import { readDescriptorRows, readEntryRows } from '../../src/dumps/hybridRows.js';
import { escapeCqlshText, formatCqlshTable } from '../support/cqlshTableFormat.js';
import { seededRandom } from '../support/random.js';

/** Yields the lines of a text as readLines does (1-based, no trailing empty line after a final newline). */
async function* linesOf(text: string): AsyncGenerator<CqlshLine> {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (let i = 0; i < parts.length; i++) yield { text: parts[i]!, lineNo: i + 1 };
}

interface Parsed {
  rows: CqlshRow[];
  header: CqlshHeader;
  summary: CqlshSummary;
}

async function parse(text: string, fileName = 'dump.out'): Promise<Parsed> {
  const rows: CqlshRow[] = [];
  let header: CqlshHeader | undefined;
  let summary: CqlshSummary | undefined;
  for await (const row of parseCqlshTable(linesOf(text), fileName, { header: (h) => (header = h), end: (s) => (summary = s) })) {
    rows.push(row);
  }
  return { rows, header: header!, summary: summary! };
}

async function parseError(text: string): Promise<InputError> {
  try {
    await parse(text);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}


// A SELECT * of kvm_map_entry as cqlsh prints it after PAGING OFF (written out by hand; the last
// row has an empty val, so it ends in blanks).
const REAL_SAMPLE = [
  'Disabled Query paging.',
  '',
  ' tid      | a_scp               | map     | ver                                  | key             | c_at                            | c_by | u_at                            | u_by | val',
  '----------+---------------------+---------+--------------------------------------+-----------------+---------------------------------+------+---------------------------------+------+--------------------------',
  ' validate |                     | orgkvm1 | 8f14e45f-ceea-11eb-b8bc-0242ac130003 |              k1 | 2021-06-16 10:11:12.345000+0000 | null | 2021-06-16 10:11:12.345000+0000 | null | Vb5ntUHHZpkeBFeVr4ZC3g==',
  ' validate | environments###test |  envkvm | 1b2c3d4e-ceea-11eb-b8bc-0242ac130003 | name|with|pipes | 2021-06-17 08:00:00.000000+0000 | null | 2021-06-17 08:00:00.000000+0000 | null | 9Xk0pQdtI3sUHa8a0rgEYA==',
  ' validate | environments###test |  envkvm | 1b2c3d4e-ceea-11eb-b8bc-0242ac130003 |          a \\\\ b | 2021-06-17 08:00:00.000000+0000 | null | 2021-06-17 08:00:00.000000+0000 | null |                         ',
  '',
  '(3 rows)',
  '',
  'Warnings :',
  'Read 3 live rows and 0 tombstone cells for query SELECT * FROM kvm_validate_hybrid.kvm_map_entry LIMIT 100 (see tombstone_warn_threshold)',
  '',
].join('\n') + '\n';

const REAL_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];
const REAL_ROWS: (string | null)[][] = [
  ['validate', '', 'orgkvm1', '8f14e45f-ceea-11eb-b8bc-0242ac130003', 'k1', '2021-06-16 10:11:12.345000+0000', null, '2021-06-16 10:11:12.345000+0000', null, 'Vb5ntUHHZpkeBFeVr4ZC3g=='],
  ['validate', 'environments###test', 'envkvm', '1b2c3d4e-ceea-11eb-b8bc-0242ac130003', 'name|with|pipes', '2021-06-17 08:00:00.000000+0000', null, '2021-06-17 08:00:00.000000+0000', null, '9Xk0pQdtI3sUHa8a0rgEYA=='],
  ['validate', 'environments###test', 'envkvm', '1b2c3d4e-ceea-11eb-b8bc-0242ac130003', 'a \\ b', '2021-06-17 08:00:00.000000+0000', null, '2021-06-17 08:00:00.000000+0000', null, ''],
];
const REAL_WARNING =
  'Read 3 live rows and 0 tombstone cells for query SELECT * FROM kvm_validate_hybrid.kvm_map_entry LIMIT 100 (see tombstone_warn_threshold)';

// Wide characters, written by hand: '名前' and '東京' are 4 columns, fullwidth 'ｆｕｌｌ' 8.
const WIDE_SAMPLE = ['', ' key  | val', '------+----------', ' 名前 |     東京', '  a|b | ｆｕｌｌ', '', '(2 rows)'].join('\n') + '\n';

function cellsOf(columns: string[], row: (string | null)[]): Record<string, string | null> {
  return Object.fromEntries(columns.map((c, k) => [c, row[k]!]));
}

describe('display width', () => {
  test('counts East-Asian wide and fullwidth characters as 2, combining marks as 0', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('名前')).toBe(4);
    expect(displayWidth('ｆｕｌｌ')).toBe(8);
    expect(displayWidth('한국')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('\u1100\u1161')).toBe(2); // Hangul leading jamo 2, medial vowel 0
    expect(displayWidth('a\u200bb')).toBe(2);
    expect(displayWidth('\u{20000}')).toBe(2);
    expect(charWidth(0xad)).toBe(1); // soft hyphen, as in cqlsh's table
    expect(charWidth(0x1f600)).toBe(1); // emoji are narrow in cqlsh's Unicode 5.0 table
    expect(charWidth(0x303f)).toBe(1);
  });

  test('cutAtColumn finds UTF-16 indexes of display columns and refuses the middle of a wide character', () => {
    expect(cutAtColumn('名前x', 0)).toBe(0);
    expect(cutAtColumn('名前x', 2)).toBe(1);
    expect(cutAtColumn('名前x', 1)).toBe(-1);
    expect(cutAtColumn('名前x', 5)).toBe(3);
    expect(cutAtColumn('名前x', 6)).toBe(-1);
    expect(cutAtColumn('\u{20000}y', 2)).toBe(2);
  });
});

describe('test formatter (test/support/cqlshTableFormat)', () => {
  test('renders the hand-written samples exactly', () => {
    const warnings = [REAL_WARNING];
    expect(formatCqlshTable(REAL_COLUMNS, REAL_ROWS, { pagingOff: true, warnings })).toBe(REAL_SAMPLE);
    expect(formatCqlshTable(['key', 'val'], [['名前', '東京'], ['a|b', 'ｆｕｌｌ']])).toBe(WIDE_SAMPLE);
  });

  test('escapes like cqlsh: backslash doubled, controls as \\n \\t \\r \\xNN, DEL..NBSP as \\xNN', () => {
    expect(escapeCqlshText('a\\b\n\t\r\x01\x1f\x7f\x85\xa0 !01é')).toBe('a\\\\b\\n\\t\\r\\x01\\x1f\\x7f\\x85\\xa0 !01é');
  });

  test('prints empty results as cqlsh 5 and cqlsh 6 do', () => {
    expect(formatCqlshTable(['tid', 'val'], [], { cqlshMajor: 5 })).toBe('\n tid | val\n-----+-----\n\n(0 rows)\n');
    expect(formatCqlshTable(['tid', 'val'], [])).toBe('\n tid | val\n-----+-----\n\n\n(0 rows)\n');
  });
});

describe('parseCqlshTable', () => {
  test('reads the real-looking sample: right-aligned cells, null, empty, pipes, escapes, warnings', async () => {
    const { rows, header, summary } = await parse(REAL_SAMPLE);
    expect(header).toEqual({ columns: REAL_COLUMNS, headerLineNo: 3, pagingDisabled: true });
    expect(rows.map((r) => r.lineNo)).toEqual([5, 6, 7]);
    expect(rows.map((r) => r.cells)).toEqual(REAL_ROWS.map((r) => cellsOf(REAL_COLUMNS, r)));
    expect(summary.rowCount).toBe(3);
    expect(summary.countLineNo).toBe(9);
    expect(summary.warnings).toEqual([REAL_WARNING]);
    expect(summary.trailerLines).toBe(4);
    expect(summary.separatorSplitRows).toBe(0);
  });

  test('cuts rows with wide and fullwidth characters at display columns', async () => {
    const { rows, header, summary } = await parse(WIDE_SAMPLE);
    expect(header.pagingDisabled).toBe(false);
    expect(summary.separatorSplitRows).toBe(0);
    expect(rows.map((r) => r.cells)).toEqual([
      { key: '名前', val: '東京' },
      { key: 'a|b', val: 'ｆｕｌｌ' },
    ]);
  });

  test('takes column borders from the rule: | and " | " inside names and values', async () => {
    const columns = ['a | b', 'x|', '|y'];
    const data = [
      ['1 | 2', '| ', '|'],
      ['| x |', 'a | b | c', '||'],
    ];
    const { rows, header } = await parse(formatCqlshTable(columns, data));
    expect(header.columns).toEqual(columns);
    expect(rows.map((r) => r.cells)).toEqual(data.map((r) => cellsOf(columns, r)));
  });

  test('undoes every escape and tells null from empty', async () => {
    const values = ['back\\slash', 'line\nbreak', 'tab\there', 'cr\rhere', '\x00\x01\x1b\x7f\x9f\xa0', '\\n literal', '', 'NULL', 'null!'];
    const { rows } = await parse(formatCqlshTable(['v', 'w'], [...values.map((v) => [v, null]), [null, '']]));
    expect(rows.map((r) => r.cells['v'])).toEqual([...values, null]);
    expect(rows.map((r) => r.cells['w'])).toEqual([...values.map(() => null), '']);
  });

  test('reads a cell printed as null as null (cqlsh prints the text "null" the same way)', async () => {
    const { rows } = await parse(formatCqlshTable(['v'], [['null'], [null]]));
    expect(rows.map((r) => r.cells['v'])).toEqual([null, null]);
  });

  test('drops leading blanks of values: they cannot be told from padding', async () => {
    const { rows } = await parse(formatCqlshTable(['val'], [['  x'], ['   ']]));
    expect(rows.map((r) => r.cells['val'])).toEqual(['x', '']);
  });

  test('decodes \\uNNNN and \\UNNNNNNNN (cqlsh with a non-UTF-8 output encoding)', () => {
    expect(unescapeCqlsh('caf\\u00e9 \\U0001f600', 'f:1')).toBe('café 😀');
  });

  test('an unknown or cut escape is an InputError naming file, line and column', async () => {
    const bad = ['', ' k | v', '---+------', ' a | x\\qy', '', '(1 rows)'].join('\n');
    const err = await parseError(bad);
    expect(err.message).toBe('dump.out:4, column v: unknown escape "\\q"');
    const cut = ['', ' k | v', '---+------', ' a | \\x4z', '', '(1 rows)'].join('\n');
    expect((await parseError(cut)).message).toMatch(/^dump\.out:4, column v: bad escape/);
  });

  test('a missing (N rows) line means a truncated dump: InputError with file and line', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => [`k${i}`, `v${i}`]);
    const err = await parseError(formatCqlshTable(['key', 'val'], rows, { pagingOff: true, truncate: true }));
    expect(err.message).toBe('dump.out:9: the table ends inside a row without "(N rows)": the dump is truncated');
    expect(err.details).toEqual(['4 rows were read; a partial dump is never exported: dump it again']);
    const cutAfterBlank = formatCqlshTable(['key', 'val'], rows).replace(/\(5 rows\)\n$/, '');
    expect((await parseError(cutAfterBlank)).message).toMatch(/^dump\.out:9: .*truncated/);
  });

  test('a row count that differs from the rows read is an InputError', async () => {
    const text = formatCqlshTable(['k'], [['a'], ['b']]).replace('(2 rows)', '(3 rows)');
    expect((await parseError(text)).message).toBe('dump.out:7: cqlsh reports 3 rows but the table holds 2');
  });

  test('a short row or one with separators off the borders is an InputError naming the line', async () => {
    const good = formatCqlshTable(['key', 'val'], [['k1', 'value1'], ['k2', 'value2']]);
    const lines = good.split('\n');
    const short = [...lines.slice(0, 3), lines[3]!.slice(0, -2), ...lines.slice(4)].join('\n');
    const shortErr = await parseError(short);
    expect(shortErr.message).toBe('dump.out:4: the row is shorter (11 columns) than the table (13)');
    expect(shortErr.details.join(' ')).toMatch(/PAGING OFF/);
    const shifted = [...lines.slice(0, 4), ' k2 |  value2', ...lines.slice(5)].join('\n');
    expect((await parseError(shifted)).message).toBe(
      "dump.out:5: the row's separators are not at the column borders of the rule line",
    );
  });

  test('text after the rows other than (N rows) is an InputError', async () => {
    const text = formatCqlshTable(['k'], [['a']]).replace('(1 rows)', 'garbage');
    expect((await parseError(text)).message).toBe('dump.out:6: expected "(N rows)" after the table, found other text');
  });

  test('reads empty results of cqlsh 5 and 6', async () => {
    for (const cqlshMajor of [5, 6] as const) {
      const { rows, summary } = await parse(formatCqlshTable(['tid', 'val'], [], { cqlshMajor, pagingOff: true }));
      expect(rows).toEqual([]);
      expect(summary.rowCount).toBe(0);
      expect(summary.columns).toEqual(['tid', 'val']);
    }
  });

  test('input without a table is an InputError', async () => {
    expect((await parseError('')).message).toBe('dump.out: no cqlsh table found (0 lines read)');
    expect((await parseError('=> (name=x, value=y, timestamp=1)\nReturned 1 results.\n')).message).toBe(
      'dump.out: no cqlsh table found (2 lines read)',
    );
    const long = Array.from({ length: 150 }, (_, i) => `line ${i}`).join('\n');
    expect((await parseError(long)).message).toBe('dump.out:101: no cqlsh table header in the first 100 lines');
  });

  test('tolerates CRLF line ends', async () => {
    const { rows } = await parse(formatCqlshTable(['k', 'v'], [['a', ''], ['b', 'c']]).replace(/\n/g, '\r\n'));
    expect(rows.map((r) => r.cells)).toEqual([{ k: 'a', v: '' }, { k: 'b', v: 'c' }]);
  });

  test('splits a row at unique " | " separators when its wide characters disagree with our widths', async () => {
    // As a newer wcwidth would print it: the emoji counted 2 columns, so the cell got one blank less.
    const text = ['', ' k  | v', '----+----', ' 😀 | ab', '  x | cd', '', '(2 rows)'].join('\n');
    const { rows, summary } = await parse(text);
    expect(rows.map((r) => r.cells)).toEqual([{ k: '😀', v: 'ab' }, { k: 'x', v: 'cd' }]);
    expect(summary.separatorSplitRows).toBe(1);
    const ambiguous = ['', ' k  | v', '----+----', ' 😀 | | ', '', '(1 rows)'].join('\n');
    expect((await parseError(ambiguous)).message).toMatch(/^dump\.out:4: /);
  });

  test('reports the header before yielding the first row', async () => {
    const events: string[] = [];
    const text = formatCqlshTable(['k'], [['a']]);
    for await (const row of parseCqlshTable(linesOf(text), 'f', { header: () => events.push('header'), end: () => events.push('end') })) {
      events.push(`row ${row.cells['k']}`);
    }
    expect(events).toEqual(['header', 'row a', 'end']);
  });

  test('reads 250 rows', async () => {
    const data = Array.from({ length: 250 }, (_, i) => [`key-${i}`, 'v'.repeat(i % 37), i % 5 === 0 ? null : `${i}`]);
    const { rows, summary } = await parse(formatCqlshTable(['key', 'val', 'n'], data, { pagingOff: true }));
    expect(summary.rowCount).toBe(250);
    expect(rows.map((r) => [r.cells['key'], r.cells['val'], r.cells['n']])).toEqual(data);
    expect(rows[249]!.lineNo).toBe(254);
  });

  test('round-trips random tables through formatter and parser (seeded)', async () => {
    const random = seededRandom(20240611);
    const alphabet = ['a', 'Z', '0', ' ', '|', ' | ', '\\', '\n', '\t', '\r', '\x00', '\x7f', '\xa0', '名', '한', 'ｆ', 'é', 'e\u0301', '\u200b', '😀', '#', "'", '"', 'null'];
    const pick = (n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
    const value = (): string | null => {
      const r = random();
      if (r < 0.08) return null;
      if (r < 0.14) return '';
      const v = pick(1 + Math.floor(random() * 12));
      return v.startsWith(' ') || v === 'null' ? `x${v}` : v;
    };
    for (let table = 0; table < 60; table++) {
      const columnCount = 1 + Math.floor(random() * 6);
      const columns = Array.from({ length: columnCount }, (_, k) => `c${k}${pick(Math.floor(random() * 4))}`.replace(/\s+$/u, '') + 'z');
      const data = Array.from({ length: Math.floor(random() * 40) }, () => columns.map(value));
      const { rows, header, summary } = await parse(formatCqlshTable(columns, data, { pagingOff: random() < 0.5 }));
      expect(header.columns).toEqual(columns);
      expect(rows.map((r) => r.cells)).toEqual(data.map((r) => cellsOf(columns, r)));
      expect(summary.rowCount).toBe(data.length);
      expect(summary.separatorSplitRows).toBe(0);
    }
  });
});

describe('hybrid row readers', () => {
  test('readEntryRows types kvm_map_entry rows, whatever the column order', async () => {
    const columns = ['val', 'key', 'ver', 'map', 'a_scp', 'tid'];
    const text = formatCqlshTable(columns, [['Zm9v', 'k', 'v1', 'm', 'environments###test', 'org'], [null, 'k2', 'v1', 'm', '', 'org']]);
    const rows = [];
    for await (const row of readEntryRows(linesOf(text), 'entries.out')) rows.push(row);
    expect(rows).toEqual([
      { tid: 'org', aScp: 'environments###test', map: 'm', ver: 'v1', key: 'k', val: 'Zm9v', lineNo: 4 },
      { tid: 'org', aScp: '', map: 'm', ver: 'v1', key: 'k2', val: null, lineNo: 5 },
    ]);
  });

  test('readDescriptorRows types the real SELECT * column set', async () => {
    const columns = ['tid', 'a_scp', 'map', 'attr', 'c_at', 'c_by', 'u_at', 'u_by', 'ver'];
    const text = formatCqlshTable(columns, [['org', '', 'm', "{'mapFullName': 'org:m'}", 'x', null, 'x', null, 'v2']]);
    const rows = [];
    for await (const row of readDescriptorRows(linesOf(text), 'desc.out')) rows.push(row);
    expect(rows).toEqual([{ tid: 'org', aScp: '', map: 'm', ver: 'v2', lineNo: 4 }]);
  });

  test('a header without the needed columns is an InputError listing them all', async () => {
    const text = formatCqlshTable(['tid', 'map'], [['a', 'b']]);
    await expect(async () => {
      for await (const row of readEntryRows(linesOf(text), 'entries.out')) void row;
    }).rejects.toThrow('entries.out:2: not a kvm_map_entry dump: column(s) a_scp, ver, key, val missing');
  });

  test('a null key column is an InputError naming the line', async () => {
    const text = formatCqlshTable(['tid', 'a_scp', 'map', 'ver'], [['a', '', 'm', 'v'], ['a', '', null, 'v']]);
    await expect(async () => {
      for await (const row of readDescriptorRows(linesOf(text), 'desc.out')) void row;
    }).rejects.toThrow('desc.out:5: map is null');
  });
});
