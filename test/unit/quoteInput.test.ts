// Messages that quote input show a few characters and a length, never a key, password or value whole.
import { Readable } from 'node:stream';
import { cutInput, jsonProblem, maskArguments, quoteArgument } from '../../src/cli/quoteInput.js';
import { decodeRowValue } from '../../src/dumps/edgeRowValue.js';
import { parseCliDump } from '../../src/dumps/edgeCliDump.js';
import { readLines } from '../../src/dumps/lines.js';

const KEY = '00112233445566778899aabbccddeeff';
const PASSWORD = 'S3cret-Passw0rd';

/** The message of what `fn` throws (sync or async). */
async function messageOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    const e = err as Error & { details?: string[] };
    return [e.message, ...(e.details ?? [])].join('\n');
  }
  throw new Error('expected a failure');
}

test('cutInput shows at most three characters and the length; short texts show nothing', () => {
  expect(cutInput(KEY)).toBe('"001…" (32 characters)');
  expect(cutInput('424242')).toBe('<6 characters>');
  expect(cutInput('')).toBe('<0 characters>');
  expect(cutInput('abcdefghi')).toBe('"abc…" (9 characters)');
});

test('quoteArgument keeps option names and mistyped command words, cuts the rest', () => {
  expect(quoteArgument('--kekk')).toBe('--kekk');
  expect(quoteArgument(`--kek=${KEY}`)).toBe('--kek');
  expect(quoteArgument('exprot')).toBe('"exprot"');
  expect(quoteArgument(PASSWORD)).not.toContain('Passw0rd');
});

test('jsonProblem gives the position, never the snippet V8 quotes', () => {
  let err: unknown;
  try {
    JSON.parse(`{"org": ${PASSWORD}}`);
  } catch (e) {
    err = e;
  }
  expect((err as Error).message).toContain('S3cret'); // what V8 would have shown
  expect(jsonProblem(err)).not.toContain('S3c');
  expect(jsonProblem(err)).toMatch(/^invalid JSON/);
});

test('maskArguments: a key typed without its option never appears in a parser message', () => {
  const message = maskArguments(`Unknown arguments: ${KEY}, kekk`, ['kvms', 'export', KEY, `--kekk=${KEY}`]);
  expect(message).not.toContain('0011223');
  expect(message).toContain('(32 characters)');
});

test('a malformed Edge row value: the JSON error names no value', async () => {
  const text = await messageOf(() => decodeRowValue(`{"k": "[{\\"name\\":\\"a\\",\\"value\\":\\"${PASSWORD}\\"}", oops ${PASSWORD}}`, 'dump line 4'));
  expect(text).toMatch(/dump line 4: the value is not valid JSON/);
  expect(text).not.toContain('S3cret');
  const entries = await messageOf(() => decodeRowValue(JSON.stringify({ k: `[{"name":"a","value":${PASSWORD}}]` }), 'dump line 5'));
  expect(entries).toMatch(/entries are not valid JSON/);
  expect(entries).not.toContain('S3cret');
  const flag = await messageOf(() => decodeRowValue(JSON.stringify({ k: '[]', __apigee__encrypted: PASSWORD }), 'dump line 6'));
  expect(flag).not.toContain('S3cret');
});

test('a cassandra-cli dump with a stray line: the line is not echoed', async () => {
  const dump = [
    'RowKey: org',
    '=> (name=k1, value={"k1":"[]"}, timestamp=1)',
    `value-continued ${PASSWORD} ${KEY}`,
    '=> (name=k2, value={"k2":"[]"}, timestamp=1)',
    'Returned 2 results.',
    '',
  ].join('\n');
  const text = await messageOf(async () => {
    for await (const column of parseCliDump(readLines(Readable.from([Buffer.from(dump)])), 'x.out')) void column;
  });
  expect(text).toMatch(/x\.out:3: unexpected line between records/);
  expect(text).not.toContain('S3cret');
  expect(text).not.toContain('0011');
});

test("a dump without records: cassandra-cli's own messages are listed, a line that looks like a key is cut", async () => {
  const dump = ['Keyspace keyvaluemap does not exist.', KEY, ''].join('\n');
  const text = await messageOf(async () => {
    for await (const column of parseCliDump(readLines(Readable.from([Buffer.from(dump)])), 'x.out')) void column;
  });
  expect(text).toContain('line 1: "Keyspace keyvaluemap does not exist."');
  expect(text).toContain('line 2: "001…" (32 characters)');
  expect(text).not.toContain('0011223');
});
