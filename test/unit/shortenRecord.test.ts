// A first pass reads long record lines from their ends only: the same column, KVM name, flag and timestamp as the whole line, else the whole line.
import { parseRecord, shortenRecordLine } from '../../src/dumps/edgeCliDump.js';
import { decodeRowHeader } from '../../src/dumps/edgeRowValue.js';
import { readLines, SHORTEN_MIN_BYTES } from '../../src/dumps/lines.js';

const big = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `k${i}`, value: 'QUJD'.repeat(20) })));
const line = (value: string, tail = ', timestamp=1700000000000000)') => `=> (name=s@env:s@prod:s@kvmaps:s@my kvm, value=${value}${tail}`;

function firstPass(text: string) {
  const column = parseRecord(text, 'x', 1);
  return { name: column.name, timestamp: column.timestamp, ttl: column.ttl, header: decodeRowHeader(column.value, 'x') };
}

describe('shortenRecordLine', () => {
  const long = big(2000);
  test.each([
    ['encrypted', line(JSON.stringify({ 'My KVM': long, __apigee__encrypted: 'true' }))],
    ['flag false, with ttl', line(JSON.stringify({ 'My KVM': long, __apigee__encrypted: 'false' }), ', timestamp=12, ttl=30)')],
    ['plain', line(JSON.stringify({ 'My KVM ünï 東京': long }))],
    ['a tail cut inside multi-byte characters', line(JSON.stringify({ 'My KVM': `${long}${'東'.repeat(400)}`, __apigee__encrypted: 'true' }))],
  ])('%s: shortened, and read as the whole line reads', (_label, text) => {
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes.length).toBeGreaterThan(SHORTEN_MIN_BYTES);
    const short = shortenRecordLine(bytes, 0, bytes.length);
    expect(short).toBeDefined();
    expect(short!.length).toBeLessThan(1000);
    expect(firstPass(short!)).toEqual(firstPass(text));
  });

  test.each([
    ['a name with an escape', line(JSON.stringify({ 'My "KVM"': long, __apigee__encrypted: 'true' }))],
    ['blanks in the JSON', line(`{ "My KVM": ${JSON.stringify(long)} }`)],
    ['the flag first', line(`{"__apigee__encrypted":"true","My KVM":${JSON.stringify(long)}}`)],
    ['no record tail at the end', line(JSON.stringify({ 'My KVM': long, __apigee__encrypted: 'true' }), `, timestamp=1)${' '.repeat(600)}`)],
    ['not a record', `Returned 1 results.${long}`],
  ])('%s: left whole', (_label, text) => {
    const bytes = Buffer.from(text, 'utf8');
    expect(shortenRecordLine(bytes, 0, bytes.length)).toBeUndefined();
  });

  test('readLines offers only long lines, and uses what it is given', async () => {
    const longLine = line(JSON.stringify({ 'My KVM': long, __apigee__encrypted: 'true' }));
    const input = Buffer.from(`short line\n${longLine}\nlast\n`, 'utf8');
    async function* chunks() {
      for (let i = 0; i < input.length; i += 7000) yield input.subarray(i, i + 7000);
    }
    const seen: string[] = [];
    for await (const l of readLines(chunks(), { shorten: shortenRecordLine })) seen.push(l.text);
    expect(seen[0]).toBe('short line');
    expect(seen[1]!.length).toBeLessThan(1000);
    expect(firstPass(seen[1]!)).toEqual(firstPass(longLine));
    expect(seen[2]).toBe('last');
  });
});
