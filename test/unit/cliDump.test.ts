// parseCliDump: record splitting with unescaped `, value=`/`), timestamp=` in values, trailer checks, errors with file:line, the test/support round trip.

import { readLines } from '../../src/dumps/lines.js';
import { CLI_GET_LIMIT, parseCliDump, type CliColumn } from '../../src/dumps/edgeCliDump.js';
import type { Line } from '../../src/dumps/lines.js';
import { decodeColumnName } from '../../src/kvm/edgeColumnNames.js';
import { decodeRowValue, type RowValue } from '../../src/dumps/edgeRowValue.js';
import { decryptEdgeValues, unwrapEdgeDek } from '../../src/keys/aesEcb.js';
import { InputError } from '../../src/errors.js';
import { cutInput } from '../../src/cli/quoteInput.js';
import { scopeKey } from '../../src/kvm/model.js';
import {
  buildEdgeColumns,
  compareColumnNames,
  formatCliDump,
  seededRandomBytes,
  syntheticEdgeDumpLines,
  syntheticKvmName,
  syntheticPlainValue,
  type DumpColumn,
  type EdgeKvmSpec,
} from '../support/edgeDump.js';

const FILE = 'dump.out';
/** formatCliDump's banner and prompts take 12 lines; the first record is line 13. */
const FIRST_RECORD_LINE = 13;

async function* chunked(text: string, size: number): AsyncIterable<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function parse(text: string, chunkSize = 4096) {
  const dump = parseCliDump(readLines(chunked(text, chunkSize), { source: FILE }), FILE);
  const columns: CliColumn[] = [];
  for await (const column of dump) columns.push(column);
  return { columns, stats: dump.stats };
}

function record(name: string, value: string, tail = ', timestamp=1734646539882000)'): string {
  return `=> (name=${name}, value=${value}${tail}`;
}

const TRICKY: DumpColumn[] = [
  { name: 's@env:s@a:s@kvmaps:s@k1', value: 'plain, with, commas) and parens)' },
  { name: 's@env:s@a:s@kvmaps:s@k2', value: 'has , value= inside, value=twice' },
  { name: 's@env:s@a:s@kvmaps:s@k3', value: 'fake tail), timestamp=123) and , timestamp=5, ttl=3)' },
  { name: 's@env:s@a:s@kvmaps:s@k4', value: '{"q":"\\"quoted\\" \\\\ back\\nslash\\u2028"}' },
  { name: 's@env:s@a:s@kvmaps:s@k5', value: 'Grüße € 😀 ✓' },
  { name: 's@env:s@a:s@kvmaps:s@k6', value: '' },
  { name: 's@env:s@a:s@kvmaps:s@k7', value: 'x, y) '.repeat(20_000), ttl: '86400' },
  { name: 's@env:s@a:s@kvmaps:s@name, with) parens=', value: 'v', timestamp: '1' },
];

describe('parseCliDump', () => {
  it('splits names and values holding ", ", ")", ", value=", "), timestamp=", quotes, non-ASCII, empty and 100 KB values', async () => {
    for (const chunkSize of [7, 4096, 1 << 20]) {
      const { columns, stats } = await parse(formatCliDump('org', TRICKY), chunkSize);
      expect(columns.map(({ name, value }) => ({ name, value }))).toEqual(TRICKY.map(({ name, value }) => ({ name, value })));
      expect(columns[0].lineNo).toBe(FIRST_RECORD_LINE);
      expect(columns[6]).toMatchObject({ ttl: '86400', lineNo: FIRST_RECORD_LINE + 6 });
      expect(columns[7]).toMatchObject({ timestamp: '1' });
      expect(columns[0].ttl).toBeUndefined();
      expect(stats).toEqual({ records: TRICKY.length, reported: TRICKY.length, atGetLimit: false });
    }
  });

  it('splits the name at the FIRST ", value=" (domain rule; a name holding it is ambiguous by construction)', async () => {
    const text = formatCliDump('org', [{ name: 's@kvmaps:s@a', value: 'b, value=c' }]).replace('s@kvmaps:s@a, value=', 's@kvmaps:s@a, value=x, value=');
    const { columns } = await parse(text);
    expect(columns[0]).toMatchObject({ name: 's@kvmaps:s@a', value: 'x, value=b, value=c' });
  });

  it('reads the ttl and timestamp from the real tail only', async () => {
    const text = formatCliDump('org', [{ name: 'n', value: 'v, timestamp=9, ttl=9)', timestamp: '42', ttl: '7' }]);
    const { columns } = await parse(text);
    expect(columns[0]).toEqual({ name: 'n', value: 'v, timestamp=9, ttl=9)', timestamp: '42', ttl: '7', lineNo: FIRST_RECORD_LINE });
  });

  it('accepts an empty row: "Returned 0 results."', async () => {
    const { columns, stats } = await parse(formatCliDump('org', []));
    expect(columns).toEqual([]);
    expect(stats).toEqual({ records: 0, reported: 0, atGetLimit: false });
  });

  it('accepts CRLF output and the singular "Returned 1 result."', async () => {
    const text = formatCliDump('org', [{ name: 'n', value: 'v' }]).replace('Returned 1 results.', 'Returned 1 result.').replace(/\n/g, '\r\n');
    const { columns, stats } = await parse(text);
    expect(columns.map((c) => c.value)).toEqual(['v']);
    expect(stats.reported).toBe(1);
  });

  it('reads a record whose line is over 15 MB', async () => {
    const value = JSON.stringify({ Big: JSON.stringify([{ name: 'k', value: 'ü, value=), timestamp=1)'.repeat(700_000) }]) });
    expect(Buffer.byteLength(value)).toBeGreaterThan(15 * 1024 * 1024);
    const { columns } = await parse(formatCliDump('org', [{ name: 's@kvmaps:s@big', value }]), 65536);
    expect(columns).toHaveLength(1);
    expect(columns[0].value.length).toBe(value.length);
    expect(columns[0].value === value).toBe(true);
  });

  it('refuses a truncated dump (cut inside the last record, no trailer), naming file and line', async () => {
    const text = formatCliDump('org', TRICKY.slice(0, 3), { truncate: true });
    const lastLine = FIRST_RECORD_LINE + 2;
    await expect(parse(text)).rejects.toThrow(InputError);
    await expect(parse(text)).rejects.toThrow(`${FILE}:${lastLine}: the file ends in the middle of this record (no newline): the dump is truncated`);
  });

  it('refuses a dump that stops after whole records without the trailer', async () => {
    const full = formatCliDump('org', TRICKY.slice(0, 2));
    const text = full.slice(0, full.indexOf('Returned'));
    await expect(parse(text)).rejects.toThrow(
      `${FILE}:${FIRST_RECORD_LINE + 1}: the dump ends without cassandra-cli's \`Returned N results.\` line: it is truncated or the \`get\` failed (2 records read)`,
    );
  });

  it('lists other output when there are no records and no trailer (a failed get)', async () => {
    const text = "Connected to: \"Apigee\" on 10.0.0.4/9160\n[default@unknown] use keyvaluemap;\nkeyvaluemap does not exist.\n[default@unknown] get keyvaluemaps_r21[org];\nNot authenticated to a working keyspace.\n";
    const err = await parse(text).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(`${FILE}:5: the dump ends without`);
    expect((err as InputError).details).toEqual([
      'Other output in the file:',
      'line 3: "keyvaluemap does not exist."',
      'line 5: "Not authenticated to a working keyspace."',
    ]);
  });

  it('refuses a trailer count that differs from the records read, naming the trailer line', async () => {
    const text = formatCliDump('org', TRICKY.slice(0, 3)).replace('Returned 3 results.', 'Returned 4 results.');
    await expect(parse(text)).rejects.toThrow(`${FILE}:${FIRST_RECORD_LINE + 3}: cassandra-cli reports 4 results but 3 records were read`);
  });

  it.each([
    ['no timestamp', record('n', 'v', ')'), 'no `, timestamp=` after the value'],
    ['no value', '=> (name=n timestamp=1)', 'no `, value=` after the name'],
    ['text after the closing paren', record('n', 'v', ', timestamp=1) '), 'it does not end with `, timestamp=<digits>)`'],
    ['non-numeric timestamp', record('n', 'v', ', timestamp=12a)'), 'it does not end with'],
    ['non-numeric ttl', record('n', 'v', ', timestamp=1, ttl=x)'), 'it does not end with'],
    ['old "column=" records', '=> (column=n, value=v, timestamp=1)', 'it does not start with `=> (name=`'],
    ['a counter record', '=> (counter=n, value=5)', 'it does not start with `=> (name=`'],
  ])('refuses a record line with %s, naming file and line', async (_what, line, why) => {
    const good = record('s@kvmaps:s@a', '{}');
    const text = formatCliDump('org', [{ name: 's@kvmaps:s@a', value: '{}' }, { name: 's@kvmaps:s@b', value: '{}' }]).replace(
      `${record('s@kvmaps:s@b', '{}', ', timestamp=1734646539883000)')}`,
      line,
    );
    expect(text).toContain(good);
    await expect(parse(text)).rejects.toThrow(`${FILE}:${FIRST_RECORD_LINE + 1}: not a cassandra-cli column record: ${why}`);
  });

  it('refuses any other line between the records, blank lines included, quoting it cut (it may be part of a value)', async () => {
    const base = formatCliDump('org', [{ name: 'a', value: '1' }, { name: 'b', value: '2' }]);
    const secondRecord = base.indexOf('=> (name=b');
    for (const intruder of ['WARN  12:00:00 something odd', '', '    (column=sub, value=x, timestamp=1)']) {
      const text = `${base.slice(0, secondRecord)}${intruder}\n${base.slice(secondRecord)}`;
      await expect(parse(text)).rejects.toThrow(`${FILE}:${FIRST_RECORD_LINE + 1}: unexpected line between records: ${cutInput(intruder)}`);
    }
  });

  it('skips prompt and Elapsed lines anywhere, and refuses a second result set', async () => {
    const one = formatCliDump('org', [{ name: 'a', value: '1' }]);
    const withPrompt = one.replace('=> (name=a', '[default@keyvaluemap] \n=> (name=a');
    expect((await parse(withPrompt)).stats.records).toBe(1);
    const twice = `${one}\n${one}`;
    await expect(parse(twice)).rejects.toThrow(/dump\.out:\d+: a second result set/);
  });

  it('flags a trailer at cassandra-cli\'s get limit (the row may hold more columns than printed)', async () => {
    async function* lines(): AsyncIterable<Line> {
      let lineNo = 0;
      for (let i = 0; i < CLI_GET_LIMIT; i++) yield { text: '=> (name=n, value=v, timestamp=1)', lineNo: ++lineNo, terminated: true };
      yield { text: `Returned ${CLI_GET_LIMIT} results.`, lineNo: ++lineNo, terminated: true };
    }
    const dump = parseCliDump(lines(), FILE);
    let n = 0;
    for await (const column of dump) n += column.value.length;
    expect(n).toBe(CLI_GET_LIMIT);
    expect(dump.stats).toEqual({ records: CLI_GET_LIMIT, reported: CLI_GET_LIMIT, atGetLimit: true });
  });

  it('can be iterated only once', async () => {
    const dump = parseCliDump(readLines(chunked(formatCliDump('org', []), 64)), FILE);
    for await (const column of dump) expect(column).toBeUndefined();
    expect(() => dump[Symbol.asyncIterator]()).toThrow('only once');
  });
});

describe('test/support round trip (buildEdgeColumns -> formatCliDump -> parse -> decrypt)', () => {
  const kek = Buffer.from('14dadc9f2e3e0d3cc774f07f5a0357f1', 'hex');
  const specs: EdgeKvmSpec[] = [
    { scope: { kind: 'env', env: 'prod' }, name: 'Secrets', encrypted: true, entries: [{ name: 'b', value: 'x, value=1), timestamp=2)' }, { name: 'a', value: '' }, { name: 'b', value: 'dup ü' }] },
    { scope: { kind: 'env', env: 'prod' }, name: 'Plain', encrypted: false, entries: [{ name: 'k', value: '"q" \\ \n' }] },
    { scope: { kind: 'org' }, name: 'orgKvm', encrypted: true, entries: [{ name: 'k', value: '😀' }] },
    { scope: { kind: 'revision', proxy: 'p', revision: '3' }, name: 'R', encrypted: true, entries: [] },
    { scope: { kind: 'proxy', proxy: 'p' }, name: 'Empty', encrypted: false, entries: [] },
  ];

  async function readBack(text: string) {
    const rows: { column: CliColumn; row: RowValue }[] = [];
    for await (const column of parseCliDump(readLines(chunked(text, 100)), FILE)) rows.push({ column, row: decodeRowValue(column.value, `line ${column.lineNo}`) });
    return rows;
  }

  it('writes what Edge writes and reads back every KVM, scope, order and value', async () => {
    const columns = buildEdgeColumns(kek, specs, seededRandomBytes('t'));
    const rows = await readBack(formatCliDump('org', columns));
    const keystores = rows.filter((r) => r.row.kind === 'keystore');
    expect(keystores.map((r) => decodeColumnName(r.column.name).scope)).toEqual([
      { kind: 'revision', proxy: 'p', revision: '3' },
      { kind: 'env', env: 'prod' },
      { kind: 'org' },
    ]);
    const deks = new Map(keystores.map((r) => [scopeKey(decodeColumnName(r.column.name).scope), unwrapEdgeDek(kek, (r.row as { wrappedDek: string }).wrappedDek)]));
    const read: EdgeKvmSpec[] = [];
    for (const { column, row } of rows) {
      if (row.kind !== 'kvm') continue;
      const { scope, kvmKey } = decodeColumnName(column.name);
      expect(kvmKey).toBe(row.name.toLowerCase());
      const values = row.encrypted ? decryptEdgeValues(deks.get(scopeKey(scope))!, row.entries.map((e) => e.value)) : row.entries.map((e) => e.value);
      read.push({ scope, name: row.name, encrypted: row.encrypted, entries: row.entries.map((e, i) => ({ name: e.name, value: values[i] })) });
    }
    const byName = (a: EdgeKvmSpec, b: EdgeKvmSpec) => a.name.localeCompare(b.name);
    expect(read.sort(byName)).toEqual([...specs].sort(byName));
  });

  it('stores rows in the exact JSON shape of the capture', () => {
    const columns = buildEdgeColumns(kek, specs.slice(0, 2), seededRandomBytes('t'));
    const keystore = columns.find((c) => c.name === 's@env:s@prod:s@kvmaps:s@__ apigee__kvm__.keystore')!;
    expect(keystore.value).toMatch(/^\{"__ apigee__kvm__\.keystore":"\[\{\\"name\\":\\"key1\\",\\"value\\":\\"[A-Za-z0-9+/]{43}=\\"\}\]"\}$/);
    const secrets = columns.find((c) => c.name === 's@env:s@prod:s@kvmaps:s@secrets')!;
    expect(secrets.value).toMatch(/^\{"Secrets":"\[\{\\"name\\":\\"b\\",\\"value\\":\\"[A-Za-z0-9+/=]+\\"\},.*\]","__apigee__encrypted":"true"\}$/);
    expect(columns.find((c) => c.name === 's@env:s@prod:s@kvmaps:s@plain')!.value).toBe('{"Plain":"[{\\"name\\":\\"k\\",\\"value\\":\\"\\\\\\"q\\\\\\" \\\\\\\\ \\\\n\\"}]"}');
  });

  it('sorts columns in UTF-8 byte order like Cassandra, not UTF-16 order', () => {
    const names = ['\uFF21', '😀', 'B'];
    const built = buildEdgeColumns(kek, names.map((name) => ({ scope: { kind: 'org' as const }, name, encrypted: false, entries: [] })));
    expect(built.map((c) => c.name)).toEqual(['s@kvmaps:s@b', 's@kvmaps:s@\uFF41', 's@kvmaps:s@😀']);
    expect(compareColumnNames('\uFF21', '😀')).toBeLessThan(0);
    expect('\uFF21' < '😀').toBe(false);
  });

  it('refuses two KVMs whose names differ only in case (one Cassandra column)', () => {
    const twins: EdgeKvmSpec[] = ['kvm', 'KVM'].map((name) => ({ scope: { kind: 'org' }, name, encrypted: false, entries: [] }));
    expect(() => buildEdgeColumns(kek, twins)).toThrow('two KVMs map to the same column');
  });

  it('makes the same DEKs from the same seed and different ones otherwise', () => {
    expect(seededRandomBytes('s')(16).equals(seededRandomBytes('s')(16))).toBe(true);
    expect(seededRandomBytes('s')(16).equals(seededRandomBytes('r')(16))).toBe(false);
    expect(seededRandomBytes('s')(40)).toHaveLength(40);
  });

  it('streams a synthetic dump that parses, in order, to the planned KVMs and values', async () => {
    const spec = { org: 'o', kek, scopes: [{ kind: 'env' as const, env: 'e' }, { kind: 'org' as const }], kvmsPerScope: 3, entriesPerKvm: 11, rng: seededRandomBytes('x') };
    const rows = await readBack([...syntheticEdgeDumpLines(spec)].join(''));
    expect(rows).toHaveLength(2 * (3 + 1));
    const names = rows.map((r) => r.column.name);
    expect([...names].sort(compareColumnNames)).toEqual(names);
    let dek: Buffer | undefined;
    for (const { row } of rows) {
      if (row.kind === 'keystore') {
        dek = unwrapEdgeDek(kek, row.wrappedDek);
        continue;
      }
      const k = Number(row.name.slice(4));
      expect(row.name).toBe(syntheticKvmName(k));
      expect(decryptEdgeValues(dek!, row.entries.map((e) => e.value))).toEqual(Array.from({ length: 11 }, (_, i) => syntheticPlainValue(k, i)));
    }
  });
});
