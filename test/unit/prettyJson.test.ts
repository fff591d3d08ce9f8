// The streamed pretty JSON of large reports: exactly JSON.stringify(value, null, 2), whatever the data.
import { gathered, prettyJsonPieces } from '../../src/fs/prettyJson.js';

const samples: unknown[] = [
  null,
  0,
  -1.5e-7,
  NaN,
  'text "quoted" \\ \n \u0001 \u2028 é 😀',
  true,
  [],
  {},
  [[], {}, [[]], { a: [] }],
  { a: undefined, b: () => 1, c: [undefined, () => 2, Symbol('s')], d: { e: null, f: [1, 'x', { g: false }] } },
  { 'key "quoted"': 1, '': { '': [] }, nested: { deeper: { deepest: [1, [2, [3, { four: 4 }]]] } } },
  Array.from({ length: 50 }, (_, i) => ({ scope: `env ${i}`, name: `kvm${i}`, entries: i % 3 ? i : null, status: 'exported' })),
  // Arrays longer than a printed slice (1024), at the top and nested, with holes JSON.stringify prints as null.
  Array.from({ length: 2049 }, (_, i) => (i % 500 === 7 ? undefined : { name: `k${i}`, list: [i, `v${i}`] })),
  { report: { kvms: Array.from({ length: 3000 }, (_, i) => ({ n: i, s: i % 2 ? 'a\nb' : [] })), files: Array.from({ length: 1025 }, (_, i) => `f${i}`) } },
];

describe('prettyJsonPieces', () => {
  test.each(samples.map((s) => [JSON.stringify(s)?.slice(0, 40) ?? String(s), s]))('%s', (_label, value) => {
    expect([...prettyJsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2));
  });

  test('gathered joins pieces into strings of about the size asked, nothing lost', () => {
    const pieces = Array.from({ length: 1000 }, (_, i) => `${i},`);
    const joined = [...gathered(pieces, 100)];
    expect(joined.join('')).toBe(pieces.join(''));
    expect(joined.length).toBeGreaterThan(30);
    for (const piece of joined.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(100);
  });

  test('gathered passes a large piece on as it is, after what was gathered before it', () => {
    const large = 'x'.repeat(60);
    expect([...gathered(['a', 'b', large, 'c', 'd'], 100)]).toEqual(['ab', large, 'cd']);
  });
});
