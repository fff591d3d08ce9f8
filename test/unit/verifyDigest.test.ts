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
