// The export's chunk renderer: the byte fast path and the general path write exactly the targets' text, and JSON escaping matches JSON.stringify.
import { ByteOut } from '../../src/export/parallel/byteOut.js';
import { chunkContext, renderChunk } from '../../src/export/parallel/renderChunk.js';
import { wantedByScope, type RenderKind } from '../../src/export/parallel/protocol.js';
import { descriptorKey } from '../../src/export/source.js';
import { apigeecliFileText } from '../../src/export/targets/apigeecli.js';
import { mavenKvmText } from '../../src/export/targets/maven.js';
import { unwrapEdgeDek } from '../../src/keys/aesEcb.js';
import { decodeRowValue } from '../../src/dumps/edgeRowValue.js';
import { scopeKey, type KvmEntry, type Scope } from '../../src/kvm/model.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import { decodeColumnName } from '../../src/kvm/edgeColumnNames.js';
import { ContentDigester } from '../../src/verify/digest.js';
import { EntryLines } from '../../src/verify/entryLines.js';
import { entryLinesFast } from '../../src/export/parallel/fastRow.js';

const kek = Buffer.from('00a1b2c3d4e5f60718293a4b5c6d7e8f', 'hex');
const org: Scope = { kind: 'org' };
const env = (e: string): Scope => ({ kind: 'env', env: e });

/** Every character JSON.stringify treats specially, multi-byte text, and the line and paragraph separators it leaves alone. */
const special = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('') + '"\\/\u007f\u2028\u2029é€😀';

describe('ByteOut.jsonString', () => {
  test('writes what JSON.stringify writes, for special characters and random text', () => {
    const rng = seededRandomBytes('json');
    const texts = [special, '', 'plain', 'x'.repeat(100) + '"' + 'y'.repeat(100)];
    for (let i = 0; i < 300; i++) {
      const codes = [...rng(20)].map((b) => (b % 5 === 0 ? b % 32 : b % 7 === 0 ? 0x22 : b % 11 === 0 ? 0x5c : b < 200 ? 0x20 + (b % 95) : 0x4e00 + b));
      texts.push(String.fromCharCode(...codes));
    }
    for (const text of texts) {
      const out = new ByteOut(4);
      const bytes = Buffer.from(text, 'utf8');
      out.jsonString(bytes, 0, bytes.length);
      expect(out.bytes.toString('utf8', 0, out.length)).toBe(JSON.stringify(text));
    }
  });
});

describe('renderChunk', () => {
  const entries = (i: number): KvmEntry[] =>
    Array.from({ length: i % 4 }, (_, j) => ({ name: i % 3 === 2 ? `name ${j} "quoted"` : `name ${j} é 東`, value: `${special} ${i}-${j} ${'v'.repeat(i * 13 + j)}` }));
  const specs: EdgeKvmSpec[] = [
    // Plain names and encrypted values: the fast path.
    ...Array.from({ length: 12 }, (_, i): EdgeKvmSpec => ({ scope: i % 2 ? org : env('prod'), name: `Kvm${i}`, encrypted: true, entries: entries(i * 2) })),
    // Names with quotes, backslashes or control characters, plain KVMs, empty ones: the general path.
    { scope: org, name: 'quoted "kvm"', encrypted: true, entries: [{ name: 'a\\b', value: 'c' }] },
    { scope: org, name: 'plain', encrypted: false, entries: [{ name: 'n', value: special }] },
    { scope: org, name: 'entry name with \\', encrypted: true, entries: [{ name: 'tab\there', value: 'x' }] },
    { scope: env('prod'), name: 'empty', encrypted: true, entries: [] },
  ];
  const columns = buildEdgeColumns(kek, specs, seededRandomBytes('render-chunk'));
  const dump = Buffer.from(formatCliDump('acme', columns), 'utf8');
  const deks = new Map<string, Buffer>();
  for (const c of columns) {
    const row = decodeRowValue(c.value, 'test');
    if (row.kind === 'keystore') deks.set(scopeKey(decodeColumnName(c.name).scope), unwrapEdgeDek(kek, row.wrappedDek));
  }

  test.each<RenderKind>(['apigeecli', 'maven'])('%s: every KVM exactly as the target writes it, in dump order', (render) => {
    const keys: [string, { dek?: Uint8Array }][] = [...deks].map(([scope, dek]) => [scope, { dek: new Uint8Array(dek) }]);
    const wanted = wantedByScope(specs.filter((s) => s.name !== 'Kvm3'));
    const { rows, text } = renderChunk(chunkContext({ label: 'acme-kvms.out', keys, wanted, render }), dump, 1);
    const rendered = new Map(rows.map((r) => [descriptorKey(r.descriptor), Buffer.from(text, r.start, r.end - r.start).toString('utf8')]));
    expect(rendered.size).toBe(specs.length - 1);
    expect(rendered.has(descriptorKey({ scope: org, name: 'Kvm3' }))).toBe(false);
    for (const spec of specs.filter((s) => s.name !== 'Kvm3')) {
      const kvm = { scope: spec.scope, name: spec.name, encrypted: spec.encrypted, entries: [...spec.entries] };
      expect(rendered.get(descriptorKey(spec))).toBe(render === 'apigeecli' ? apigeecliFileText(kvm.entries) : mavenKvmText(kvm));
    }
    // Lines are numbered as in the file.
    const lines = dump.toString('utf8').split('\n');
    for (const row of rows) {
      const lineNo = Number(row.descriptor.origin.split(':')[1]);
      expect(lines[lineNo - 1]).toContain(`, value={"${row.descriptor.name.replace(/["\\]/g, (c) => `\\${c}`)}"`);
    }
  });

  test('digest: each KVM\'s count and keyed digest, as ContentDigester gives them from the entries', () => {
    const keys: [string, { dek?: Uint8Array }][] = [...deks].map(([scope, dek]) => [scope, { dek: new Uint8Array(dek) }]);
    const digestKey = Buffer.alloc(32, 5);
    const wanted = wantedByScope(specs);
    const { rows } = renderChunk(chunkContext({ label: 'acme-kvms.out', keys, wanted, render: 'digest', digestKey: new Uint8Array(digestKey) }), dump, 1);
    const digests = new Map(rows.map((r) => [descriptorKey(r.descriptor), { entries: r.entries, digest: r.digest }]));
    expect(digests.size).toBe(specs.length);
    for (const spec of specs) expect(digests.get(descriptorKey(spec))).toEqual(new ContentDigester(digestKey).digest(spec.entries));
  });

  describe('CQL dump rows (column1 and value as JSON text cells)', () => {
    const keys = (): [string, { dek?: Uint8Array }][] => [...deks].map(([scope, dek]) => [scope, { dek: new Uint8Array(dek) }]);
    const wanted = wantedByScope(specs);
    const header = JSON.stringify({ format: 'amu-cql-dump', version: 1 });
    const cqlDump = (order: 'name-first' | 'value-first') =>
      Buffer.from(`${[header, ...columns.map((c) => JSON.stringify(order === 'name-first' ? [c.name, c.value] : [c.value, c.name])), JSON.stringify({ end: true })].join('\n')}\n`, 'utf8');
    const layouts = { 'name-first': { format: 'cql', nameAt: 0, valueAt: 1 }, 'value-first': { format: 'cql', nameAt: 1, valueAt: 0 } } as const;
    const textsOf = (result: ReturnType<typeof renderChunk>) => new Map(result.rows.map((r) => [descriptorKey(r.descriptor), Buffer.from(result.text, r.start, r.end - r.start).toString('utf8')]));

    test.each(['name-first', 'value-first'] as const)('%s: the same texts and digests as the cassandra-cli lines', (order) => {
      for (const render of ['apigeecli', 'maven'] as const) {
        const cli = textsOf(renderChunk(chunkContext({ label: 'acme-kvms.out', keys: keys(), wanted, render }), dump, 1));
        const cql = textsOf(renderChunk(chunkContext({ label: 'acme-kvms.out', layout: layouts[order], keys: keys(), wanted, render }), cqlDump(order), 1));
        expect(cql.size).toBe(specs.length);
        expect(cql).toEqual(cli);
      }
      const digestKey = new Uint8Array(32).fill(7);
      const { rows } = renderChunk(chunkContext({ label: 'acme-kvms.out', layout: layouts[order], keys: keys(), wanted, render: 'digest', digestKey }), cqlDump(order), 1);
      for (const spec of specs) expect(rows.find((r) => descriptorKey(r.descriptor) === descriptorKey(spec))).toMatchObject(new ContentDigester(Buffer.from(digestKey)).digest(spec.entries));
    });

    test('a plain encrypted KVM of a CQL row is taken by the byte fast path, as its cassandra-cli line is', () => {
      const context = chunkContext({ label: 'acme-kvms.out', layout: layouts['name-first'], keys: keys(), wanted, render: 'digest', digestKey: new Uint8Array(32) });
      const cliContext = chunkContext({ label: 'acme-kvms.out', keys: keys(), wanted, render: 'digest', digestKey: new Uint8Array(32) });
      const cliLines = dump.toString('utf8').split('\n');
      // Entry names without quotes or backslashes (the others take the general path from either dump).
      const fast = specs.filter((spec) => /^Kvm\d+$/.test(spec.name) && spec.entries.every((e) => !/["\\]/.test(e.name)));
      expect(fast.length).toBeGreaterThan(6);
      for (const spec of fast) {
        const column = columns.find((c) => c.value.startsWith(`{"${spec.name}":`))!;
        const cqlLine = Buffer.from(JSON.stringify([column.name, column.value]), 'utf8');
        expect(entryLinesFast(context, cqlLine, 0, cqlLine.length, 2, new EntryLines())).toMatchObject({ name: spec.name });
        const cliLine = Buffer.from(cliLines.find((l) => l.includes(`value={"${spec.name}":`))!, 'utf8');
        expect(entryLinesFast(cliContext, cliLine, 0, cliLine.length, 2, new EntryLines())).toMatchObject({ name: spec.name });
      }
    });
  });

  test('a value that does not decrypt is a failed KVM with the general path\'s reason', () => {
    const keys: [string, { dek?: Uint8Array }][] = [...deks].map(([scope]) => [scope, { dek: new Uint8Array(16).fill(9) }]);
    const wanted = wantedByScope(specs);
    const { rows } = renderChunk(chunkContext({ label: 'acme-kvms.out', keys, wanted, render: 'apigeecli' }), dump, 1);
    const failed = rows.filter((r) => r.kind === 'failed');
    expect(failed.length).toBeGreaterThan(5);
    for (const row of failed) expect(row.reason).toMatch(/does not decrypt with the scope's data key: (padding|utf8) check failed/);
  });
});
