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
}

export function metadataPath(dumpPath: string): string {
  return `${dumpPath}.meta.json`;
}

export async function writeDumpMetadata(dumpPath: string, meta: Omit<DumpMetadata, 'tool' | 'amuVersion'>): Promise<void> {
  const full: DumpMetadata = { tool: 'amu', amuVersion: amuVersion(), ...meta };
  await writeFileAtomic(metadataPath(dumpPath), `${JSON.stringify(full, null, 2)}\n`);
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
