// The real Edge 4.51 capture (org `validate`): every column parses, every scope's DEK unwraps, every value decrypts.

import { createReadStream } from 'node:fs';
import { sharedFixture } from '../support/sharedFixture.js';
import { readLines } from '../../src/dumps/lines.js';
import { parseCliDump, type CliColumn, type CliDumpStats } from '../../src/dumps/edgeCliDump.js';
import { decodeColumnName } from '../../src/kvm/edgeColumnNames.js';
import { decodeRowValue, type KvmRow } from '../../src/dumps/edgeRowValue.js';
import { decryptEdgeValue, unwrapEdgeDek } from '../../src/keys/aesEcb.js';
import { parseHexKey } from '../../src/keys/hex.js';
import { scopeKey, type Scope } from '../../src/kvm/model.js';

const capture = sharedFixture('fixtures/opdk-4.51-validate/validate-kvms.out');
const CAPTURE = capture.path;
const KEK = parseHexKey('14dadc9f2e3e0d3cc774f07f5a0357f1', 'test KEK');

const describeCapture = (name: string, body: () => void): void => capture.describe(name, body);

interface ReadKvm extends KvmRow {
  scope: Scope;
  column: CliColumn;
}

describeCapture('real Edge 4.51 capture validate-kvms.out', () => {
  let columns: CliColumn[];
  let stats: Readonly<CliDumpStats>;
  let kvms: ReadKvm[];
  const deks = new Map<string, Buffer>();

  beforeAll(async () => {
    const dump = parseCliDump(readLines(createReadStream(CAPTURE), { source: 'validate-kvms.out' }), 'validate-kvms.out');
    columns = [];
    for await (const column of dump) columns.push(column);
    stats = dump.stats;
    kvms = [];
    for (const column of columns) {
      const { scope } = decodeColumnName(column.name, `line ${column.lineNo}`);
      const row = decodeRowValue(column.value, `validate-kvms.out line ${column.lineNo}`);
      if (row.kind === 'keystore') deks.set(scopeKey(scope), unwrapEdgeDek(KEK, row.wrappedDek));
      else kvms.push({ ...row, scope, column });
    }
  });

  const plain = (kvm: ReadKvm) => kvm.entries.map((e) => ({ name: e.name, value: kvm.encrypted ? decryptEdgeValue(deks.get(scopeKey(kvm.scope))!, e.value) : e.value }));
  const find = (scope: string, name: string) => kvms.find((k) => scopeKey(k.scope) === scope && k.name === name)!;

  it('has 56 columns and the trailer says 56', () => {
    expect(columns).toHaveLength(56);
    expect(stats).toEqual({ records: 56, reported: 56, atGetLimit: false });
    expect(columns[0].lineNo).toBe(13);
  });

  it('holds 50 KVMs: org 2, env 43, proxy 1, revision 4', () => {
    expect(kvms).toHaveLength(50);
    const perKind = (kind: Scope['kind']) => kvms.filter((k) => k.scope.kind === kind).map((k) => k.name);
    expect(perKind('org')).toEqual(['CustomReportsvalidate#28f97657-0a1a-4df2-a8f2-a4c6f9bddb6f', 'orgkvm1']);
    expect(perKind('env')).toHaveLength(43);
    expect(perKind('proxy')).toEqual(['apikvm1']);
    expect(perKind('revision')).toEqual(['apikvm1rev1', 'apikvm1rev2', 'oauthkvm1', 'oauthkvm2']);
    expect(kvms.filter((k) => k.encrypted)).toHaveLength(11);
  });

  it('has one keystore per scope with encrypted KVMs, and each DEK unwraps with the KEK to 16 bytes', () => {
    expect([...deks.keys()].sort()).toEqual(['env:qa', 'env:test', 'org', 'proxy:test-policy', 'revision:api:1', 'revision:ouath-proxy:4']);
    for (const dek of deks.values()) expect(dek).toHaveLength(16);
    const scopesWithEncrypted = new Set(kvms.filter((k) => k.encrypted).map((k) => scopeKey(k.scope)));
    expect([...scopesWithEncrypted].sort()).toEqual([...deks.keys()].sort());
  });

  it('stores each KVM under its lowercased real name', () => {
    for (const kvm of kvms) expect(decodeColumnName(kvm.column.name).kvmKey).toBe(kvm.name.toLowerCase());
  });

  it('decrypts every encrypted value to valid UTF-8 text', () => {
    let decrypted = 0;
    for (const kvm of kvms.filter((k) => k.encrypted)) {
      for (const entry of plain(kvm)) {
        expect(typeof entry.value).toBe('string');
        decrypted++;
      }
    }
    expect(decrypted).toBe(32);
  });

  it('reads env qa KVM Test1 (three names differing only in case) and org orgkvm1', () => {
    expect(plain(find('env:qa', 'Test1'))).toEqual([
      { name: 'Test1', value: 'Test1' },
      { name: 'tesT1', value: 'tesT1' },
      { name: 'test1', value: 'test1' },
    ]);
    expect(plain(find('org', 'orgkvm1'))).toEqual([
      { name: 'asadsasdsakey1', value: 'vaasdasdasdadlue1' },
      { name: 'keyasdasdd2', value: 'sdasddazxa' },
    ]);
    expect(plain(find('revision:ouath-proxy:4', 'oauthkvm2'))).toEqual([
      { name: 'asadsasdsakey1', value: 'testing' },
      { name: 'keyasdasdd2', value: 'demo' },
    ]);
    expect(plain(find('env:test', 'testing2')).map((e) => e.value)).toEqual(Array.from({ length: 12 }, (_, i) => `value${i + 1}`));
  });

  it('counts 3,571 entries: all entries of the 50 KVMs (the 6 keystore key1 entries not counted)', () => {
    expect(kvms.reduce((n, k) => n + k.entries.length, 0)).toBe(3571);
    expect(kvms.reduce((n, k) => n + k.entries.length, 0) + deks.size).toBe(3577);
  });
});
