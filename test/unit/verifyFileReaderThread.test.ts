// The reader thread of verify: files in the order given, non-ASCII paths included, an unreadable one marked for the caller.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileReaderThread } from '../../src/verify/fileReaderThread.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'amu-reader-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('reads every file in order, names in any script, a file larger than a batch, and marks one it cannot read', async () => {
  const names = ['plain.json', 'ünï 東京.json', '🚀 astral.json', 'big.json', 'absent.json', 'last.json'];
  const contents = new Map<string, Buffer>();
  for (const [i, name] of names.entries()) {
    if (name === 'absent.json') continue;
    const body = Buffer.from(name === 'big.json' ? 'x'.repeat(3 * 1024 * 1024) : `file ${i}: ${name}`, 'utf8');
    contents.set(name, body);
    await writeFile(path.join(dir, name), body);
  }
  const reader = new FileReaderThread(names.map((n) => path.join(dir, n)));
  try {
    for (const name of names) {
      const bytes = await reader.next();
      if (name === 'absent.json') expect(bytes).toBeUndefined();
      else expect(bytes && Buffer.compare(bytes, contents.get(name)!)).toBe(0);
    }
  } finally {
    await reader.close();
  }
});

test('more batches than the ring has slots: each file right when taken, the slots reused in turn', async () => {
  const paths: string[] = [];
  for (let i = 0; i < 400; i++) {
    const file = path.join(dir, `f${i}.json`);
    await writeFile(file, Buffer.alloc(30_000 + i, i % 251));
    paths.push(file);
  }
  const reader = new FileReaderThread(paths);
  try {
    for (let i = 0; i < 400; i++) {
      const bytes = await reader.next();
      expect(bytes?.length).toBe(30_000 + i);
      expect(bytes!.every((b) => b === i % 251)).toBe(true);
    }
  } finally {
    await reader.close();
  }
});
