// Checks a dump against the record emigrate wrote beside it (bytes, SHA-256) and that it does not change while it is read.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../errors.js';
import { metadataPath, type DumpMetadata } from './layout.js';
import { DUMP_READ_BYTES } from './lines.js';

/** What a dump was when it was checked: its record (if any) and the identity of the file. */
export interface DumpCheck {
  file: string;
  record?: DumpMetadata;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The note shown in the summary for a dump that has no record. */
export function noRecordNote(file: string): string {
  return `no integrity record (${metadataPath(file)}) beside ${file}: it was made by hand or by the bash amu, so amu could not check it is the dump emigrate wrote`;
}

async function readRecord(file: string): Promise<DumpMetadata | undefined> {
  const metaFile = metadataPath(file);
  let text: string;
  try {
    text = await fsp.readFile(metaFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw new InputError(`the integrity record ${metaFile} of ${file} is not JSON: it is damaged`);
  }
  const r = record as Partial<DumpMetadata>;
  if (typeof r !== 'object' || r === null || typeof r.sha256 !== 'string' || typeof r.bytes !== 'number' || typeof r.rows !== 'number') {
    throw new InputError(`the integrity record ${metaFile} of ${file} has no sha256, bytes and rows: it is damaged`);
  }
  return r as DumpMetadata;
}

/** Hashes the dump and compares it with its record; a difference is an InputError naming both files. */
export async function checkDumpAgainstRecord(file: string): Promise<DumpCheck> {
  const before = await fsp.stat(file);
  const record = await readRecord(file);
  const check: DumpCheck = { file, size: before.size, mtimeMs: before.mtimeMs, ino: before.ino, ...(record ? { record } : {}) };
  if (!record) return check;
  const differs = (why: string) =>
    new InputError(`the dump ${file} is not the one its integrity record ${metadataPath(file)} describes: ${why}`, [
      'The dump was changed, cut short or replaced after emigrate wrote it. Run "amu kvms emigrate" again,',
      'or, if you changed it on purpose, remove the record (the export then notes that the dump is unchecked).',
    ]);
  if (before.size !== record.bytes) throw differs(`${before.size} bytes, the record says ${record.bytes}`);
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: DUMP_READ_BYTES }), hash);
  const sha256 = hash.digest('hex');
  if (sha256 !== record.sha256) throw differs(`SHA-256 ${sha256.slice(0, 16)}..., the record says ${record.sha256.slice(0, 16)}...`);
  await checkUnchanged(check);
  return check;
}

/** Fails when the dump is no longer the file that was checked (replaced, appended to, rewritten). */
export async function checkUnchanged(check: DumpCheck): Promise<void> {
  let now;
  try {
    now = await fsp.stat(check.file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`the dump ${check.file} was removed while amu read it`);
    throw err;
  }
  if (now.ino !== check.ino || now.size !== check.size || now.mtimeMs !== check.mtimeMs) {
    throw new InputError(`the dump ${check.file} changed while amu read it (replaced or rewritten between the two passes); nothing was written`, [
      'Let emigrate (or whatever writes it) finish, then run again.',
    ]);
  }
}
