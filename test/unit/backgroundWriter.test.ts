// The writer thread of the export targets: files and appends land whole and in order, modes kept, failures thrown as system errors.
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BackgroundWriter } from '../../src/fs/backgroundWriter.js';
import { fsErrorToAmu } from '../../src/fsErrors.js';

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'amu-bgwriter-'));

describe('BackgroundWriter', () => {
  test('many small files, multi-byte text across batch borders, modes as given', async () => {
    const dir = await tmp();
    const w = new BackgroundWriter();
    const expected = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      // ~900 bytes each with 3- and 4-byte characters: batches of 1 MB fill and are replaced several times.
      const text = `${i}:` + 'é€😀x'.repeat(90) + `\n`;
      const file = path.join(dir, `f${i}.json`);
      w.writeFile(file, text, 0o600);
      expected.set(file, text);
      if (i % 100 === 0) await w.ready();
    }
    await w.flush();
    await w.stop();
    expect((await readdir(dir)).length).toBe(3000);
    for (const [file, text] of [...expected].filter((_, i) => i % 97 === 0)) {
      expect(await readFile(file, 'utf8')).toBe(text);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    await rm(dir, { recursive: true });
  });

  test('appends in order to files opened at once, in folders it makes; a text larger than a batch whole', async () => {
    const dir = await tmp();
    const w = new BackgroundWriter();
    w.mkdir(path.join(dir, 'a', 'b'), 0o700);
    const one = w.open(path.join(dir, 'a', 'b', 'one.json'), 0o600);
    const two = w.open(path.join(dir, 'two.json'), 0o600);
    const big = 'ü'.repeat(1_500_000);
    const parts: string[] = [];
    for (let i = 0; i < 50; i++) {
      w.append(one, `${i},`);
      parts.push(`${i},`);
      w.append(two, i === 25 ? big : 'z');
    }
    w.close(one);
    w.close(two);
    await w.flush();
    await w.stop();
    expect(await readFile(path.join(dir, 'a', 'b', 'one.json'), 'utf8')).toBe(parts.join(''));
    const second = await readFile(path.join(dir, 'two.json'), 'utf8');
    expect(second.length).toBe(49 + big.length);
    expect(second.slice(25, 27)).toBe('üü');
    expect((await stat(path.join(dir, 'a', 'b'))).mode & 0o777).toBe(0o700);
    await rm(dir, { recursive: true });
  });

  test('a file that exists is never overwritten: the failure is the system error, with its path, on the next call', async () => {
    const dir = await tmp();
    const first = new BackgroundWriter();
    first.writeFile(path.join(dir, 'x.json'), 'original', 0o600);
    await first.flush();
    await first.stop();
    const w = new BackgroundWriter();
    w.writeFile(path.join(dir, 'x.json'), 'replacement', 0o600);
    w.writeFile(path.join(dir, 'after.json'), 'not written', 0o600);
    const failure = await w.flush().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'EEXIST', syscall: 'open', path: path.join(dir, 'x.json') });
    expect(fsErrorToAmu(failure)?.exitCode).toBe(2);
    expect(() => w.writeFile(path.join(dir, 'later.json'), 'x', 0o600)).toThrow(/EEXIST/);
    await w.stop();
    expect(await readFile(path.join(dir, 'x.json'), 'utf8')).toBe('original');
    expect((await readdir(dir)).sort()).toEqual(['x.json']);
    await rm(dir, { recursive: true });
  });

  test('a missing folder fails with ENOENT naming the file; stop() after a failure ends cleanly', async () => {
    const dir = await tmp();
    const w = new BackgroundWriter();
    const file = path.join(dir, 'no-such-folder', 'f.json');
    const h = w.open(file, 0o600);
    w.append(h, 'text');
    await expect(w.flush()).rejects.toMatchObject({ code: 'ENOENT', path: file });
    await w.stop();
    await rm(dir, { recursive: true });
  });

  test('a thread started ahead is taken by the next writer; one that ended while it waited is replaced', async () => {
    const dir = await tmp();
    BackgroundWriter.startAhead();
    const first = new BackgroundWriter();
    first.writeFile(path.join(dir, 'one.json'), 'one', 0o600);
    await first.flush();
    await first.stop();
    BackgroundWriter.startAhead();
    // The waiting thread ends (as if it had failed to start): the next writer starts its own.
    const parked = (BackgroundWriter as unknown as { ahead: { worker: { terminate(): Promise<number> } } }).ahead.worker;
    await parked.terminate();
    const second = new BackgroundWriter();
    second.writeFile(path.join(dir, 'two.json'), 'two', 0o600);
    await second.flush();
    await second.stop();
    expect(await readFile(path.join(dir, 'one.json'), 'utf8')).toBe('one');
    expect(await readFile(path.join(dir, 'two.json'), 'utf8')).toBe('two');
    await rm(dir, { recursive: true });
  });

  test('stop() drops what was not sent, closes open files and refuses more', async () => {
    const dir = await tmp();
    const w = new BackgroundWriter();
    const h = w.open(path.join(dir, 'open.json'), 0o600);
    w.append(h, 'not sent');
    await w.stop();
    // The open may have gone to the thread with the first text's batch; the text itself was never sent.
    const left = await readdir(dir);
    for (const name of left) expect(await readFile(path.join(dir, name), 'utf8')).toBe('');
    expect(() => w.writeFile(path.join(dir, 'later.json'), 'x', 0o600)).toThrow(/stopped/);
    await rm(dir, { recursive: true });
  });
});
