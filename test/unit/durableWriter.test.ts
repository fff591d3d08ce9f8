// The durable dump writer: hidden host+pid temp name, fsync of file and folder, rename only on success; leftover names parse back.
import { jest } from '@jest/globals';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { DurableDumpWriter } from '../../src/dumps/durableWriter.js';
import { parseTempName, pidAlive, processStart, tempNameFor, thisHost, thisStart } from '../../src/dumps/leftovers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'amu-durable-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

test('writes under a hidden name telling host and pid, fsyncs the file and its folder, then renames', async () => {
  const probe = await open(path.join(dir, 'probe'), 'w');
  const handleProto = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
  await probe.close();
  const sync = jest.spyOn(handleProto, 'sync');
  try {
    const final = path.join(dir, 'acme-kvms.out');
    await writeFile(final, 'older dump');
    const writer = await DurableDumpWriter.create(final);
    await writer.write('line 1\n');
    const source = new PassThrough();
    const piped = pipeline(source, writer.writable());
    source.end('line 2\n');
    await piped;
    const names = (await readdir(dir)).filter((n) => n.startsWith('.'));
    expect(names).toHaveLength(1);
    expect(parseTempName(names[0]!, 'acme-kvms.out')).toEqual({ kind: 'partial', host: thisHost(), pid: process.pid, start: thisStart() });
    expect((await stat(writer.tempPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(final, 'utf8')).toBe('older dump');
    sync.mockClear();
    const sealed = await writer.seal();
    expect(sync).toHaveBeenCalledTimes(1);
    expect(await readFile(final, 'utf8')).toBe('older dump');
    const done = await writer.commit();
    expect(sync).toHaveBeenCalledTimes(2);
    expect(await readFile(final, 'utf8')).toBe('line 1\nline 2\n');
    expect(done).toEqual({ file: final, bytes: 14, sha256: createHash('sha256').update('line 1\nline 2\n').digest('hex') });
    expect(sealed.sha256).toBe(done.sha256);
    expect((await readdir(dir)).sort()).toEqual(['acme-kvms.out', 'probe']);
  } finally {
    sync.mockRestore();
  }
});

test('abort removes the temporary file and leaves the earlier dump untouched', async () => {
  const final = path.join(dir, 'x.out');
  await writeFile(final, 'earlier');
  const writer = await DurableDumpWriter.create(final);
  await writer.write('partial');
  await writer.abort();
  await writer.abort();
  expect(await readdir(dir)).toEqual(['x.out']);
  expect(await readFile(final, 'utf8')).toBe('earlier');
});

test('temporary names parse back; names of other files and other bases do not', () => {
  const name = path.basename(tempNameFor('/a/b/my-org-kvms.out', 'staging'));
  expect(parseTempName(name, 'my-org-kvms.out')).toEqual({ kind: 'staging', host: thisHost(), pid: process.pid, start: thisStart() });
  expect(parseTempName(name, 'my-org')).toBeUndefined();
  expect(parseTempName('.x.amu-partial-node-12-42-777-0123abcd', 'x')).toEqual({ kind: 'partial', host: 'node-12', pid: 42, start: 777 });
  expect(parseTempName('.x.amu-lock', 'x')).toBeUndefined();
  expect(parseTempName('.x.amu-other-h-1-2-0123abcd', 'x')).toBeUndefined();
  expect(parseTempName('x.amu-tmp-h-1-2-0123abcd', 'x')).toBeUndefined();
});

test('a pid is alive only with its own start marker: a reused pid is not the amu that left something', () => {
  expect(thisStart()).toBeGreaterThan(0);
  expect(processStart(process.pid)).toBe(thisStart());
  expect(pidAlive(process.pid, thisStart())).toBe(true);
  expect(pidAlive(process.pid, thisStart() + 1)).toBe(false);
  expect(pidAlive(process.pid)).toBe(true);
});
