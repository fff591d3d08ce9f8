// The pretty JSON of large reports, as bytes in reused chunks: exactly JSON.stringify(value, null, 2), whatever the data.
import { prettyJsonChunks } from '../../src/fs/prettyJson.js';

const samples: unknown[] = [
  null,
  0,
  -1.5e-7,
  NaN,
  'text "quoted" \\ \n \u0001 \u007f \u2028 é 😀 \ud800 lone \udc00',
  true,
  [],
  {},
  [[], {}, [[]], { a: [] }],
  { a: undefined, b: () => 1, c: [undefined, () => 2, Symbol('s')], d: { e: null, f: [1, 'x', { g: false }] } },
  { 'key "quoted"': 1, '': { '': [] }, 'ключ\n': 'значение', nested: { deeper: { deepest: [1, [2, [3, { four: 4 }]]] } } },
  { when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), custom: { toJSON: (key: string) => ({ key, list: [1, 2] }) }, list: [{ toJSON: () => 'as text' }] },
  Array.from({ length: 50 }, (_, i) => ({ scope: `env ${i}`, name: `kvm${i}`, entries: i % 3 ? i : null, status: 'exported' })),
  Array.from({ length: 2049 }, (_, i) => (i % 500 === 7 ? undefined : { name: `k${i}`, list: [i, `v${i}`] })),
  { report: { kvms: Array.from({ length: 3000 }, (_, i) => ({ n: i, s: i % 2 ? 'a\nb' : [] })), files: Array.from({ length: 1025 }, (_, i) => `f${i}`) } },
  // Strings longer than what is written in place (4 KB), ASCII and not, at every level.
  { long: 'x'.repeat(5000), nonAscii: 'é'.repeat(3000), rows: [{ v: 'y'.repeat(9000) }, 'z'.repeat(4095), 'q"'.repeat(3000)] },
];

/** All chunks, each copied as it comes (the next one may reuse its buffer). */
function textOf(value: unknown, tail = '', size?: number): string {
  const copies: Buffer[] = [];
  for (const chunk of prettyJsonChunks(value, tail, size)) copies.push(Buffer.from(chunk));
  return Buffer.concat(copies).toString('utf8');
}

describe('prettyJsonChunks', () => {
  test.each(samples.map((s) => [JSON.stringify(s)?.slice(0, 40) ?? String(s), s]))('%s', (_label, value) => {
    expect(textOf(value)).toBe(JSON.stringify(value, null, 2));
    expect(textOf(value, '\n', 8192)).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  test('a report of 20k rows in chunks of 8 KB: the same text, chunks of about the size asked, buffers reused', () => {
    const report = {
      org: 'acme',
      byScope: { env: { kvms: 20000 } },
      files: Array.from({ length: 20000 }, (_, i) => `env__prod__kvm${i}__kvmfile__0.json`),
      kvms: Array.from({ length: 20000 }, (_, i) => ({ scope: 'env prod', name: `kvm${i}`, encrypted: i % 2 === 0, entries: i % 7 ? i : null, status: i % 7 ? 'exported' : 'decrypt-failed', ...(i % 7 ? {} : { reason: `why ${i} é` }) })),
    };
    const chunks: Uint8Array[] = [];
    const copies: Buffer[] = [];
    for (const chunk of prettyJsonChunks(report, '\n', 8192)) {
      chunks.push(chunk);
      copies.push(Buffer.from(chunk));
    }
    expect(Buffer.concat(copies).toString('utf8')).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(chunks.length).toBeGreaterThan(200);
    for (const chunk of copies.slice(0, -1)) expect(chunk.length).toBeGreaterThan(4096);
    // Written out one by one, the chunks share a couple of buffers instead of one each.
    expect(new Set(chunks.map((c) => c.buffer)).size).toBeLessThanOrEqual(3);
  });
});
