// The one durable dump writer: nothing under the final name until commit, counted and hashed, discard leaves nothing.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DumpFile } from '../../src/dumps/dumpFile.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'amu-dumpfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DumpFile', () => {
  test('writes to a private temporary name, then commit replaces the older dump whole', async () => {
    const final = path.join(dir, 'org-kvms.out');
    await writeFile(final, 'older dump');
    const seen: number[] = [];
    const file = await DumpFile.create(final, (n) => seen.push(n));
    await file.write('first line\n');
    await file.write(Buffer.from('second line\n'));
    expect(await readFile(final, 'utf8')).toBe('older dump');
    expect((await stat(file.tempPath)).mode & 0o777).toBe(0o600);
    await file.close();
    await file.commit();
    const text = 'first line\nsecond line\n';
    expect(await readFile(final, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['org-kvms.out']);
    expect(file.bytes).toBe(text.length);
    expect(seen.at(-1)).toBe(text.length);
    expect(file.digest()).toBe(createHash('sha256').update(text).digest('hex'));
  });

  test('discard removes the temporary file and keeps an older dump; twice is harmless', async () => {
    const final = path.join(dir, 'org-kvms.out');
    await writeFile(final, 'older dump');
    const file = await DumpFile.create(final);
    await file.write('x'.repeat(1 << 20));
    await file.discard();
    await file.discard();
    expect(await readdir(dir)).toEqual(['org-kvms.out']);
    expect(await readFile(final, 'utf8')).toBe('older dump');
  });

  test('a folder that does not exist is an error at create, leaving nothing', async () => {
    await expect(DumpFile.create(path.join(dir, 'missing', 'x.out'))).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
