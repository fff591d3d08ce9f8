// The fast paths (target writers without a pretty-printer, Edge rows read by position) give exactly what the general ones give.
import { apigeecliFileText } from '../../src/export/targets/apigeecli.js';
import { mavenKvmText } from '../../src/export/targets/maven.js';
import { decodeRowHeader, decodeRowValue } from '../../src/dumps/edgeRowValue.js';
import type { KvmEntry } from '../../src/kvm/model.js';

const awkward: KvmEntry[] = [
  { name: 'plain', value: 'v' },
  { name: 'quote "q" and \\ slash /', value: 'line\nbreak\ttab \u0001 \u2028 ü 東京 😀' },
  { name: '', value: '' },
  { name: 'json', value: '[{"name":"x","value":"y"}]' },
];

describe('target text without JSON.stringify(..., null, 2)', () => {
  test.each([[[]], [awkward.slice(0, 1)], [awkward]])('apigeecli file of %#', (entries: KvmEntry[]) => {
    const body = { keyValueEntries: entries.map((e) => ({ name: e.name, value: e.value })), nextPageToken: '' };
    expect(apigeecliFileText(entries)).toBe(`${JSON.stringify(body, null, 2)}\n`);
  });

  test.each([[[]], [awkward.slice(0, 1)], [awkward]])('maven KVM of %#', (entries: KvmEntry[]) => {
    const kvm = { scope: { kind: 'org' as const }, name: 'K "1"', encrypted: false, entries };
    const body = { name: kvm.name, entry: entries.map((e) => ({ name: e.name, value: e.value })) };
    expect(mavenKvmText(kvm)).toBe(JSON.stringify(body, null, 2).replace(/\n/g, '\n  '));
  });
});

describe('Edge rows read by position agree with the general parse', () => {
  const row = (name: string, entries: unknown, flag?: string): string =>
    JSON.stringify({ [name]: JSON.stringify(entries), ...(flag === undefined ? {} : { __apigee__encrypted: flag }) });
  const general = (json: string) => {
    const parsed = JSON.parse(json) as Record<string, string>;
    const name = Object.keys(parsed).find((k) => k !== '__apigee__encrypted')!;
    return { name, encrypted: parsed['__apigee__encrypted'] === 'true', entries: JSON.parse(parsed[name]!) as KvmEntry[] };
  };

  test.each([
    ['encrypted', row('Kvm-1', awkward, 'true')],
    ['flag false', row('Kvm-1', awkward, 'false')],
    ['no flag', row('Kvm-1', awkward)],
    ['empty', row('Kvm-1', [], 'true')],
    ['flag first', JSON.stringify({ __apigee__encrypted: 'true', K: JSON.stringify(awkward) })],
    ['blanks', `{ "K" : ${JSON.stringify(JSON.stringify(awkward, null, 1))} , "__apigee__encrypted":"true" }`],
    ['value before name', row('K', [{ value: 'b', name: 'a' }], 'true')],
    ['escaped name', row('K\\"x', awkward, 'true')],
  ])('%s', (_what, json) => {
    const expected = general(json);
    expect(decodeRowValue(json, 'f:1')).toEqual({ kind: 'kvm', ...expected });
    expect(decodeRowHeader(json, 'f:1')).toEqual({ kind: 'kvm', name: expected.name, encrypted: expected.encrypted });
  });

  test.each([
    ['a quote inside the entries text', '{"K":"[]","X":"[]","__apigee__encrypted":"true"}', 'holds 2 KVM names'],
    ['an extra field', row('K', [{ name: 'a', value: 'b', x: 1 }], 'true'), 'unexpected field(s) "x"'],
    ['a null value', row('K', [{ name: 'a', value: null }], 'true'), 'value is null, not a string'],
    ['a raw control character', '{"K":"[{\\"name\\":\\"a\\",\\"value\\":\\"\u0001\\"}]"}', 'not valid JSON'],
    ['a flag that is not true or false', row('K', [], 'yes'), '"__apigee__encrypted" is <3 characters>'],
    ['trailing text after the array', '{"K":"[{\\"name\\":\\"a\\",\\"value\\":\\"b\\"}]x"}', 'not valid JSON'],
  ])('refused as before: %s', (_what, json, message) => {
    expect(() => decodeRowValue(json, 'f:1')).toThrow(message);
  });

  test('nesting far beyond a KVM row is refused before JSON.parse, naming the place', () => {
    const deep = `{"K":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => decodeRowValue(deep, 'f:7')).toThrow('f:7: the value nest(s) JSON more than 64 levels deep');
    const inner = row('K', [], 'true').replace('[]', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(() => decodeRowValue(inner, 'f:8')).toThrow('f:8: KVM "K": the entries nest(s) JSON more than 64 levels deep');
  });
});

describe('verify digest hashed in batches', () => {
  test('the same digest as one update per entry, across batch borders', async () => {
    const { createHmac } = await import('node:crypto');
    const { ContentDigester } = await import('../../src/verify/digest.js');
    const key = Buffer.alloc(32, 7);
    const entries: KvmEntry[] = [...awkward, ...Array.from({ length: 3000 }, (_, i) => ({ name: `k${i % 977}`, value: `${'v'.repeat(i % 400)}"${i}` }))];
    const sorted = [...entries].sort((a, b) => (a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const hmac = createHmac('sha256', key);
    for (const e of sorted) hmac.update(`${JSON.stringify([e.name, e.value])}\n`);
    expect(new ContentDigester(key).digest(entries)).toEqual({ entries: entries.length, digest: hmac.digest('hex') });
  });
});
