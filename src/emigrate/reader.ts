// The interface of the three emigrate readers (cassandra-cli, CQL, cqlsh in a pod): each dumps an org's KVM tables into the emigrate folder.
import type { Reader } from './readerChoice.js';

/** One table dumped to one file of the emigrate folder (metadata beside it). */
export interface DumpedTable {
  /** `keyvaluemaps_r21` (Edge), `kvm_map_entry` or `kvm_map_descriptor` (hybrid). */
  table: string;
  file: string;
  rows: number;
  bytes: number;
}

export interface DumpRequest {
  org: string;
  emigrateDir: string;
  /** How far the dump of `table` is: rows (CQL) or bytes (text readers) so far. */
  onProgress?: ((table: string, done: number) => void) | undefined;
  /** Accept an org with no KVM rows (else it is refused as a likely misspelt org, and no dump is replaced). */
  allowEmpty?: boolean | undefined;
  /** Things the user should know that are not errors (leftovers of a killed run removed). */
  onNote?: ((text: string) => void) | undefined;
}

export interface DumpReader {
  readonly name: Reader;
  /** Dumps the org's KVM tables; a table's file appears only once it is complete and checked. */
  dump(request: DumpRequest): Promise<DumpedTable[]>;
}
