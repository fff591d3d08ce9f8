// decodeRowValue: keystore and KVM rows as Edge stores them, entry order and duplicates kept, every malformed shape refused.

import { decodeRowValue, KEYSTORE_KVM_NAME } from '../../src/dumps/edgeRowValue.js';
import { InputError } from '../../src/errors.js';
import { edgeRowJson } from '../support/edgeDump.js';

const WHERE = 'dump.out line 42';

/** A row as Edge writes it: the entries array is itself a JSON string. */
function row(name: string, entries: unknown, flag?: unknown): string {
  const obj: Record<string, unknown> = { [name]: typeof entries === 'string' ? entries : JSON.stringify(entries) };
  if (flag !== undefined) obj.__apigee__encrypted = flag;
  return JSON.stringify(obj);
}

describe('decodeRowValue', () => {
  it('reads the keystore pseudo-KVM exactly as in the real capture', () => {
    const json = '{"__ apigee__kvm__.keystore":"[{\\"name\\":\\"key1\\",\\"value\\":\\"73UWPn77I49c6Zziuso1iZLSDG0YoMCaZ27wg6Y9nDg=\\"}]"}';
    expect(decodeRowValue(json, WHERE)).toEqual({ kind: 'keystore', wrappedDek: '73UWPn77I49c6Zziuso1iZLSDG0YoMCaZ27wg6Y9nDg=' });
  });

  it('reads an encrypted KVM from the real capture: real name from the object key, flag "true"', () => {
    const json =
      '{"Test1":"[{\\"name\\":\\"Test1\\",\\"value\\":\\"a\\"},{\\"name\\":\\"tesT1\\",\\"value\\":\\"b\\"}]","__apigee__encrypted":"true"}';
    expect(decodeRowValue(json, WHERE)).toEqual({
      kind: 'kvm',
      name: 'Test1',
      encrypted: true,
      entries: [
        { name: 'Test1', value: 'a' },
        { name: 'tesT1', value: 'b' },
      ],
    });
  });

  it('reads plain KVMs (flag absent or "false") and empty ones', () => {
    expect(decodeRowValue('{"asada":"[]"}', WHERE)).toEqual({ kind: 'kvm', name: 'asada', encrypted: false, entries: [] });
    expect(decodeRowValue(row('p', [{ name: 'k', value: 'v' }], 'false'), WHERE)).toEqual({
      kind: 'kvm',
      name: 'p',
      encrypted: false,
      entries: [{ name: 'k', value: 'v' }],
    });
  });

  it('keeps entry order and duplicate names exactly', () => {
    const entries = [
      { name: 'b', value: '1' },
      { name: 'a', value: '2' },
      { name: 'b', value: '3' },
      { name: 'b', value: '3' },
    ];
    const decoded = decodeRowValue(row('K', entries), WHERE);
    expect(decoded).toEqual({ kind: 'kvm', name: 'K', encrypted: false, entries });
  });

  it('round-trips awkward names and values written like Edge (test/support edgeRowJson)', () => {
    const tricky = [
      { name: 'a, b', value: 'x), timestamp=1734646539882000)' },
      { name: 'q"uote\\back', value: 'line1\nline2\ttab, value={"j":1}' },
      { name: '', value: '' },
      { name: 'Grüße 😀', value: '€ \u0000 \u2028 \uFEFF' },
      { name: 'big', value: 'x, y)'.repeat(20_000) },
    ];
    const decoded = decodeRowValue(edgeRowJson('Name: With, value= in it', tricky), WHERE);
    expect(decoded).toEqual({ kind: 'kvm', name: 'Name: With, value= in it', encrypted: false, entries: tricky });
  });

  it.each([
    ['malformed JSON', '{"a":"[]"', 'the value is not valid JSON'],
    ['JSON null', 'null', 'the value is null, not a JSON object'],
    ['a JSON array', '[]', 'the value is an array, not a JSON object'],
    ['a JSON string', '"x"', 'the value is a string, not a JSON object'],
    ['no KVM name', '{"__apigee__encrypted":"true"}', 'holds no KVM name'],
    ['two KVM names', '{"a":"[]","b":"[]"}', 'holds 2 KVM names ("a", "b")'],
    ['entries not a string', '{"a":[]}', 'KVM "a": the entries are an array, not a JSON string'],
    ['entries null', '{"a":null}', 'KVM "a": the entries are null'],
    ['entries not JSON', '{"a":"[{"}', 'KVM "a": the entries are not valid JSON'],
    ['entries an object', row('a', { name: 'x', value: 'y' }), 'KVM "a": the entries are an object, not an array'],
    ['entry not an object', row('a', ['x']), 'KVM "a" entry 1 is a string'],
    ['entry null', row('a', [{ name: 'x', value: 'y' }, null]), 'KVM "a" entry 2 is null'],
    ['missing name', row('a', [{ value: 'y' }]), 'entry 1: name is missing'],
    ['numeric name', row('a', [{ name: 1, value: 'y' }]), 'entry 1: name is a number'],
    ['missing value', row('a', [{ name: 'x' }]), 'entry 1 ("x"): value is missing'],
    ['null value', row('a', [{ name: 'x', value: null }]), 'entry 1 ("x"): value is null, not a string'],
    ['numeric value', row('a', [{ name: 'x', value: 5 }]), 'entry 1 ("x"): value is a number'],
    ['extra field', row('a', [{ name: 'x', value: 'y', expiry: 1 }]), 'entry 1 ("x"): unexpected field(s) "expiry"'],
    ['odd encryption flag', row('a', [], true), '"__apigee__encrypted" is true; expected "true" or "false"'],
    ['keystore without key1', row(KEYSTORE_KVM_NAME, [{ name: 'key2', value: 'x' }]), 'should hold one entry "key1"; it holds: "key2"'],
    ['empty keystore', row(KEYSTORE_KVM_NAME, []), 'it holds: none'],
    ['keystore with two keys', row(KEYSTORE_KVM_NAME, [{ name: 'key1', value: 'x' }, { name: 'key1', value: 'y' }]), 'it holds: "key1", "key1"'],
  ])('refuses %s with an InputError naming where', (_what, json, message) => {
    expect(() => decodeRowValue(json, WHERE)).toThrow(InputError);
    expect(() => decodeRowValue(json, WHERE)).toThrow(`${WHERE}: `);
    expect(() => decodeRowValue(json, WHERE)).toThrow(message);
  });
});
