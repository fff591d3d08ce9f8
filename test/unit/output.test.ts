// The output module: every line escaped at the boundary, secrets masked, JSON exact, closed streams ignored.
import { PassThrough } from 'node:stream';
import { Output } from '../../src/cli/output.js';

function capture(options: { debug?: boolean; quiet?: boolean } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { out: '', err: '' };
  stdout.on('data', (c: Buffer) => (text.out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (text.err += c.toString('utf8')));
  return { out: new Output({ stdout, stderr }, options), text, stdout, stderr };
}

describe('Output', () => {
  test('messages are one line each: a line break, CR or escape sequence in them is shown, not acted on', () => {
    const { out, text } = capture();
    out.info('KVM a\nerror: fake');
    out.warn('b\r\x1b[2Kc');
    out.error('d\u202ee', ['detail\nline', 'second']);
    expect(text.err).toBe('KVM a\\nerror: fake\nwarning: b\\r\\x1b[2Kc\nerror: d\\u202ee\ndetail\\nline\nsecond\n');
  });

  test('results: one line, lines of a table, amu text with its own line breaks', () => {
    const { out, text } = capture();
    out.result('org\x1b]0;title\x07');
    out.resultLines(['a\nb', 'c\n']);
    out.resultText('usage\n  --x  text\n');
    expect(text.out).toBe('org\\x1b]0;title\\x07\na\\nb\nc\nusage\n  --x  text\n');
  });

  test('JSON keeps the exact data (it parses back), with nothing raw a terminal would act on', () => {
    const { out, text } = capture();
    const value = { name: 'a\x1b[2J\u202e\x9b\u2028\x7f', n: 1 };
    out.resultJson(value);
    expect(JSON.parse(text.out)).toEqual(value);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(text.out.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
  });

  test('secrets are masked before escaping; debug keeps line breaks (stack traces) and escapes the rest', () => {
    const { out, text } = capture({ debug: true });
    out.addSecret('s3cr3t-key');
    out.warn('key s3cr3t-key\x1b[0m');
    out.debug('stack\n    at x\x1b');
    expect(text.err).toBe('warning: key ***\\x1b[0m\ndebug: stack\n    at x\\x1b\n');
  });

  test('a destroyed stream takes nothing more and throws nothing', () => {
    const { out, stdout, stderr } = capture();
    stdout.destroy();
    stderr.destroy();
    expect(() => {
      out.result('x');
      out.error('y');
    }).not.toThrow();
  });
});

describe('progress labels', () => {
  test('a label or detail from input is escaped on the terminal line', async () => {
    const { startProgress } = await import('../../src/cli/progress.js');
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let drawn = '';
    stderr.on('data', (c: Buffer) => (drawn += c.toString('utf8')));
    const out = new Output({ stdout: new PassThrough(), stderr });
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {}, cwd: '/', isTTY: true };
    const bar = startProgress(io, out, 'table\x1b[2J', undefined, ' bytes');
    bar.update(5, 'kvm\r\u202e');
    bar.stop();
    expect(drawn).toContain('table\\x1b[2J');
    expect(drawn).toContain('kvm\\r\\u202e');
    expect(drawn).not.toContain('\x1b[2J');
    expect(drawn).not.toContain('\u202e');
  });
});
