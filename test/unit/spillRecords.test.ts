// The hybrid source's binary spill records: written and read back exactly, whatever the entry name and value.
import { BucketRecords, maxRecordBytes, recordValue, VAL_CIPHER, VAL_NULL, VAL_TEXT, writeRecord } from '../../src/export/spillRecords.js';

describe('spill records', () => {
  const cipher16 = Buffer.alloc(16, 7).toString('base64');
  const cipher32 = Buffer.alloc(32, 250).toString('base64');
  const rows: [number, number, string, string | null, number][] = [
    [0, 1, 'k1', cipher16, VAL_CIPHER],
    [3, 2 ** 32 + 5, 'clé 漢 😀', cipher32, VAL_CIPHER], // a line past 2^32, a non-ASCII name
    [0, 7, '', null, VAL_NULL],
    [3, 8, 'k', 'not base64!', VAL_TEXT],
    [0, 9, 'k', Buffer.alloc(15).toString('base64'), VAL_TEXT], // base64, but not whole AES blocks
    [0, 10, 'k', 'QUJD\n', VAL_TEXT],
    [0, 11, 'k', 'QUI=', VAL_TEXT],
    [0, 12, 'k', 'QUJ=' + cipher16.slice(4), VAL_TEXT], // not canonical base64
    [5, 13, 'nul\0name', 'välue', VAL_TEXT],
  ];

  function bucketOf(list: typeof rows): Buffer {
    const buf = Buffer.alloc(list.reduce((n, [, , key, val]) => n + maxRecordBytes(key, val), 0));
    let at = 0;
    for (const [id, lineNo, key, val] of list) at += writeRecord(buf, at, id, lineNo, key, val);
    return buf.subarray(0, at);
  }

  test('come back per map, in order, with names, lines and values as written', () => {
    const bytes = bucketOf(rows);
    const records = new BucketRecords(bytes, 0);
    for (const id of [0, 3, 5]) {
      const expected = rows.filter((r) => r[0] === id);
      const got = records.of(id);
      expect(got.map((r) => [r.id, r.lineNo, r.key, recordValue(bytes, r), r.kind])).toEqual(expected);
    }
    expect(records.of(4)).toEqual([]);
  });

  test('hold ciphertext decoded (a quarter smaller), never the text of a value', () => {
    const bytes = bucketOf([rows[0]!]);
    const [record] = new BucketRecords(bytes, 0).of(0);
    expect(bytes.subarray(record!.valStart, record!.valEnd)).toEqual(Buffer.alloc(16, 7));
    expect(bytes.includes(cipher16)).toBe(false);
  });

  test('a damaged bucket is refused', () => {
    const bytes = bucketOf(rows.slice(0, 2));
    expect(() => new BucketRecords(bytes.subarray(0, bytes.length - 1), 2)).toThrow('spill bucket 2 is damaged at offset');
    expect(() => new BucketRecords(bytes.subarray(0, 10), 2)).toThrow('spill bucket 2 is damaged at offset 0');
  });
});
