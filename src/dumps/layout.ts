// Names and metadata of the files in the emigrate folder, shared by every reader and by export.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs/secureFs.js';
import { amuVersion } from '../version.js';

/** `<org>-kvms.out`: the name the bash amu used, so its dumps stay usable. */
export function kvmDumpPath(emigrateDir: string, org: string): string {
  return path.join(emigrateDir, `${org}-kvms.out`);
}

/** `<org>-kvm-descriptors.out` (hybrid only): the maps' current versions. */
export function descriptorDumpPath(emigrateDir: string, org: string): string {
  return path.join(emigrateDir, `${org}-kvm-descriptors.out`);
}

/** What was run to make a dump, when, and what it held: written beside the dump as `<dump>.meta.json`. */
export interface DumpMetadata {
  tool: 'amu';
  amuVersion: string;
  reader: 'cassandra-cli' | 'cqlsh-pod' | 'cql';
  org: string;
  /** The command line or query, without any secret. */
  command: string;
  input?: string;
  host?: string;
  startedAt: string;
  finishedAt: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** Set when the dump holds no rows and --allow-empty said that is right (export and verify then accept it). */
  allowEmpty?: boolean;
}

export function metadataPath(dumpPath: string): string {
  return `${dumpPath}.meta.json`;
}

export async function writeDumpMetadata(dumpPath: string, meta: Omit<DumpMetadata, 'tool' | 'amuVersion'>): Promise<void> {
  const full: DumpMetadata = { tool: 'amu', amuVersion: amuVersion(), ...meta };
  await writeFileAtomic(metadataPath(dumpPath), `${JSON.stringify(full, null, 2)}\n`);
}

/**
 * Puts a sealed dump in place with its record: the old record goes first, so a crash in between leaves a dump
 * without a record (exported with a note), never a new dump beside the record of an older one.
 */
export async function replaceDumpAndMetadata(
  dump: { finalPath: string; commit(): Promise<unknown> },
  meta: Omit<DumpMetadata, 'tool' | 'amuVersion'>,
): Promise<void> {
  await fsp.rm(metadataPath(dump.finalPath), { force: true });
  await dump.commit();
  await writeDumpMetadata(dump.finalPath, meta);
}

/** Fails with a clear message when the dump is missing, naming the command that makes it. */
export async function checkDumpExists(file: string, makeWith: string): Promise<void> {
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) throw new InputError(`${file} is not a file`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`no dump at ${file}`, [`Make it first with: ${makeWith}`]);
    }
    throw err;
  }
}
