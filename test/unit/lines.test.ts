// readLines: line splitting across chunk borders, CRLF, UTF-8 split characters, unterminated last lines, 15 MB lines.

import { readLines, type Line } from '../../src/dumps/lines.js';
import { InputError } from '../../src/errors.js';

async function* chunked(bytes: Buffer, sizes: number | number[]): AsyncIterable<Buffer> {
  let i = 0;
  for (let at = 0; at < bytes.length; i++) {
    const size = typeof sizes === 'number' ? sizes : sizes[i % sizes.length];
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

/** Like chunked, but every chunk is in the same buffer, overwritten (with garbage first) when the next is asked for. */
async function* reusedBuffer(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  const buffer = Buffer.alloc(size);
  for (let at = 0; at < bytes.length; at += size) {
    buffer.fill(0x21);
    const n = bytes.copy(buffer, 0, at, at + size);
    yield buffer.subarray(0, n);
  }
}

async function collect(input: AsyncIterable<Uint8Array>, source?: string): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of readLines(input, source === undefined ? {} : { source })) out.push(line);
  return out;
}

/** What readLines must produce, computed the slow obvious way. */
function expectedLines(text: string): Line[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const terminatedAll = text.endsWith('\n');
  if (terminatedAll) parts.pop();
  return parts.map((p, i) => ({
    text: p.endsWith('\r') ? p.slice(0, -1) : p,
    lineNo: i + 1,
    terminated: terminatedAll || i < parts.length - 1,
  }));
}

describe('readLines', () => {
  it('gives the same lines when the input reuses one buffer for every chunk (as fileChunks does)', async () => {
    const text = `short\n${'long line é '.repeat(40)}\r\n\n${'x'.repeat(97)}\nlast without newline ${'y'.repeat(50)}`;
    for (const size of [1, 7, 64, 1000]) {
      expect(await collect(reusedBuffer(Buffer.from(text), size))).toEqual(expectedLines(text));
    }
  });

  it('splits lines, numbers them from 1 and strips \\n and one \\r before it', async () => {
    const lines = await collect(chunked(Buffer.from('a\nb\r\n\nc\r\r\nd\re\n'), 1000));
    expect(lines).toEqual([
      { text: 'a', lineNo: 1, terminated: true },
      { text: 'b', lineNo: 2, terminated: true },
      { text: '', lineNo: 3, terminated: true },
      { text: 'c\r', lineNo: 4, terminated: true },
      { text: 'd\re', lineNo: 5, terminated: true },
    ]);
  });

  it('flags a last line without newline as not terminated', async () => {
    const lines = await collect(chunked(Buffer.from('one\ntwo'), 3));
    expect(lines).toEqual([
      { text: 'one', lineNo: 1, terminated: true },
      { text: 'two', lineNo: 2, terminated: false },
    ]);
  });

  it('yields nothing for empty input and one empty line for a lone newline', async () => {
    expect(await collect(chunked(Buffer.alloc(0), 1))).toEqual([]);
    expect(await collect(chunked(Buffer.from('\n'), 1))).toEqual([{ text: '', lineNo: 1, terminated: true }]);
    expect(await collect(chunked(Buffer.from('\r\n\r\n'), 1))).toEqual([
      { text: '', lineNo: 1, terminated: true },
      { text: '', lineNo: 2, terminated: true },
    ]);
  });

  it('gives the same lines for every chunk size, even when chunks split UTF-8 characters and CRLF', async () => {
    const text = 'Grüße, €uro\r\n😀 emoji\n\nzwölf ✓\r\nend без newline';
    const bytes = Buffer.from(text, 'utf8');
    const expected = expectedLines(text);
    for (let size = 1; size <= bytes.length; size++) {
      expect(await collect(chunked(bytes, size))).toEqual(expected);
    }
    expect(await collect(chunked(bytes, [1, 2, 3, 5, 7]))).toEqual(expected);
  });

  it('accepts plain Uint8Array chunks, not only Buffers', async () => {
    async function* arrays(): AsyncIterable<Uint8Array> {
      const all = new TextEncoder().encode('x\ny€\n');
      yield all.subarray(0, 4);
      yield all.subarray(4);
    }
    expect((await collect(arrays())).map((l) => l.text)).toEqual(['x', 'y€']);
  });

  it('refuses bytes that are not UTF-8 with an InputError naming source and line', async () => {
    const bytes = Buffer.concat([Buffer.from('fine\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    await expect(collect(chunked(bytes, 4), 'dump.out')).rejects.toThrow(InputError);
    await expect(collect(chunked(bytes, 4), 'dump.out')).rejects.toThrow('dump.out:2: not valid UTF-8');
  });

  it('reads a 15 MB line arriving in 64 KiB chunks, intact, with the lines around it', async () => {
    const unit = 'abc€😀,)"\\ ';
    const long = unit.repeat(Math.ceil((15 * 1024 * 1024) / Buffer.byteLength(unit)));
    const bytes = Buffer.from(`first\n${long}\r\nlast\n`, 'utf8');
    expect(Buffer.byteLength(long)).toBeGreaterThanOrEqual(15 * 1024 * 1024);
    const lines = await collect(chunked(bytes, 65536));
    expect(lines.map((l) => l.lineNo)).toEqual([1, 2, 3]);
    expect(lines[0].text).toBe('first');
    expect(lines[1].text.length).toBe(long.length);
    expect(lines[1].text === long).toBe(true);
    expect(lines[2].text).toBe('last');
  });
});
