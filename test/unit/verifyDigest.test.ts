// The keyed digest of `kvms verify`: order-free, key-dependent, and not the unkeyed hash a brute force would match.
import { createHash } from 'node:crypto';
import { ContentDigester } from '../../src/verify/digest.js';

const entries = [
  { name: 'pin', value: '424242' },
  { name: 'a', value: 'x' },
];

test('the same key gives the same digest whatever the entry order; a changed value differs', () => {
  const key = Buffer.alloc(32, 1);
  const d = new ContentDigester(key);
  expect(d.digest(entries)).toEqual(new ContentDigester(key).digest([...entries].reverse()));
  expect(d.digest(entries).entries).toBe(2);
  expect(d.digest([{ name: 'pin', value: '424243' }, entries[1]!]).digest).not.toBe(d.digest(entries).digest);
});

test('two digesters with random keys disagree, and neither gives the unkeyed SHA-256', () => {
  const a = new ContentDigester().digest(entries).digest;
  const b = new ContentDigester().digest(entries).digest;
  expect(a).toMatch(/^[0-9a-f]{64}$/);
  expect(a).not.toBe(b);
  const unkeyed = createHash('sha256').update('["a","x"]\n["pin","424242"]\n').digest('hex');
  expect([a, b]).not.toContain(unkeyed);
});

test('the digest is HMAC of the sorted JSON lines, for input already in order and not, escapes and surrogates included', async () => {
  const { createHmac } = await import('node:crypto');
  const key = Buffer.alloc(32, 5);
  const strings = ['', 'a', 'a"b', 'a\\b', '\u0000\u001f\u007f', 'lone \ud800', 'pair 🚀', '\ue000', 'ü', 'line\u2028'];
  const all = strings.flatMap((name) => strings.map((value) => ({ name, value })));
  const sorted = [...all].sort((a, b) => (a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const hmac = createHmac('sha256', key);
  for (const e of sorted) hmac.update(`${JSON.stringify([e.name, e.value])}\n`);
  const expected = { entries: all.length, digest: hmac.digest('hex') };
  const d = new ContentDigester(key);
  expect(d.digest(sorted)).toEqual(expected);
  expect(d.digest([...sorted].reverse())).toEqual(expected);
  expect(d.digest(all)).toEqual(expected);
});
