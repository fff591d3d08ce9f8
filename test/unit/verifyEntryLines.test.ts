// Verify's entry lines built from bytes: each line as JSON.stringify writes it, and the sort (radix or compared) as ContentDigester sorts.
import type { KvmEntry } from '../../src/kvm/model.js';
import { ContentDigester } from '../../src/verify/digest.js';
import { EntryLines } from '../../src/verify/entryLines.js';
import { seededRandomBytes } from '../support/edgeDump.js';

const digester = new ContentDigester(Buffer.alloc(32, 3));

/** The lines of `entries` appended from their UTF-8 bytes, as the dump side of verify appends them. */
function linesOf(entries: readonly KvmEntry[], lines = new EntryLines()): EntryLines {
  lines.reset();
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const value = Buffer.from(e.value, 'utf8');
    lines.appendEntry(name, 0, name.length, value, 0, value.length);
  }
  return lines;
}

/** Shuffled by a seeded generator: the same order on every run. */
function shuffled<T>(items: readonly T[], seed: string): T[] {
  const out = [...items];
  const rng = seededRandomBytes(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const r = rng(4).readUInt32LE(0) % (i + 1);
    [out[i], out[r]] = [out[r]!, out[i]!];
  }
  return out;
}

describe('EntryLines', () => {
  test('each line is JSON.stringify([name, value]) and a newline, escapes included', () => {
    const special = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('') + '"\\/\u007f\u2028é€😀';
    const entries = [
      { name: 'a', value: special },
      { name: 'ünï 東京', value: 'plain' },
      { name: '', value: '' },
      // Long values (scanned natively first): clean, with an escape at the end, with non-ASCII text.
      { name: 'long', value: 'v'.repeat(300) },
      { name: 'long escape', value: `${'v'.repeat(300)}${special}` },
      { name: 'long text', value: `${'v'.repeat(300)}ünï 東京` },
      { name: 'long control', value: `\u0001${'v'.repeat(300)}` },
    ];
    const lines = linesOf(entries);
    const text = lines.buf.toString('utf8', 0, lines.length);
    expect(text).toBe(entries.map((e) => `${JSON.stringify([e.name, e.value])}\n`).join(''));
    expect(lines.count).toBe(entries.length);
  });

  test.each([
    ['names with a long common prefix, numbered without padding', Array.from({ length: 5000 }, (_, i) => ({ name: `key-${i}`, value: `v${i % 7}` }))],
    ['names alike beyond the key bytes, and equal names', Array.from({ length: 3000 }, (_, i) => ({ name: `abcdefghij-${i % 40}`, value: `${(i * 7919) % 1000}` }))],
    ['short names, one a prefix of another', ['a', 'ab', 'abc', 'b', 'ba', 'a!', 'a ', 'zz', 'z'].map((name, i) => ({ name, value: String(i) }))],
    ['values deciding the order (one name)', Array.from({ length: 600 }, (_, i) => ({ name: 'same', value: `${(i * 31) % 600}"\\` }))],
    [
      'many short names, some a prefix of others (radix sort)',
      [' ', '!', 'a', 'b'].flatMap((a) => ['', ' ', '!', 'a', 'b'].flatMap((b) => Array.from({ length: 30 }, (_, i) => ({ name: a + b, value: String((i * 7) % 30) })))),
    ],
    ['non-ASCII names (compared as UTF-16)', ['\ue000 private', '🚀 astral', 'ü', 'u', 'z', 'é', 'e'].map((name, i) => ({ name, value: String(i) }))],
  ])('%s: the same digest as ContentDigester over the entries, in any order', (_label, entries: KvmEntry[]) => {
    const expected = digester.digest(entries);
    const lines = new EntryLines();
    expect(digester.digestLines(linesOf(entries, lines))).toEqual(expected);
    expect(digester.digestLines(linesOf(shuffled(entries, 'one'), lines))).toEqual(expected);
    expect(digester.digestLines(linesOf([...entries].reverse(), lines))).toEqual(expected);
    expect(digester.digestLines(linesOf([...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), lines))).toEqual(expected);
  });

  test('a changed value or name changes the digest', () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({ name: `k${i}`, value: `v${i}` }));
    const base = digester.digestLines(linesOf(shuffled(entries, 'two'))).digest;
    const changed = entries.map((e, i) => (i === 123 ? { ...e, value: 'w' } : e));
    expect(digester.digestLines(linesOf(shuffled(changed, 'two'))).digest).not.toBe(base);
    const renamed = entries.map((e, i) => (i === 7 ? { ...e, name: 'k7x' } : e));
    expect(digester.digestLines(linesOf(shuffled(renamed, 'two'))).digest).not.toBe(base);
  });
});
