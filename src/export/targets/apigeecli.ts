// The apigeecli target: one `<scope>__<kvm>__kvmfile__0.json` file per KVM, as `apigeecli kvms import -f DIR` reads them, and import-kvms.sh.
import path from 'node:path';
import { PerScope, type Kvm, type KvmEntry } from '../../kvm/model.js';
import { FILE_MODE, writeFileAtomic } from '../../fs/secureFs.js';
import { BackgroundWriter } from '../../fs/backgroundWriter.js';
import { NAME_MAX, PIECE_CHARS, unsafePathSegment, type PlacedKvm, type TargetWriter } from './target.js';
import { ImportScriptLines } from './apigeecliScript.js';
import { apigeecliFileName, splitterFor, type ApigeecliNaming } from './apigeecliNames.js';

export { apigeecliFileName, splitterFor, type ApigeecliNaming } from './apigeecliNames.js';

/** The script beside the files that imports each one by itself (apigeecliScript.ts). */
export const IMPORT_SCRIPT = 'import-kvms.sh';

/** Why a name cannot round-trip through apigeecli's file names (split on the splitter, matched with `\S*`). */
function nameProblem(what: string, name: string, naming: ApigeecliNaming): string | undefined {
  const unsafe = unsafePathSegment(name);
  if (unsafe) return `${what} "${name}" ${unsafe}`;
  if (/\s/.test(name)) return `${what} "${name}" holds whitespace, which apigeecli's file pattern (\\S*) cannot match`;
  const s = splitterFor(naming);
  if (name.includes(s)) return `${what} "${name}" holds "${s}", apigeecli's file-name splitter`;
  // Splitting `org___x__kvmfile__0.json` on "__" gives "_x" (a leading "_" is safe); `org__x___kvmfile...` gives "x" and "_kvmfile".
  if (naming === 'current' && name.endsWith('_')) return `${what} "${name}" ends with "_", which runs into the "__" splitter`;
  return undefined;
}

/**
 * The file body, piece by piece: exactly `JSON.stringify({ keyValueEntries, nextPageToken: '' }, null, 2)` and a
 * newline, written directly (no object per entry, no generic pretty-printer, no whole-file string).
 */
export function emitApigeecliText(entries: readonly KvmEntry[], emit: (piece: string) => void): void {
  if (entries.length === 0) {
    emit('{\n  "keyValueEntries": [],\n  "nextPageToken": ""\n}\n');
    return;
  }
  emit('{\n  "keyValueEntries": [\n');
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    emit(`${i === 0 ? '' : ',\n'}    {\n      "name": ${JSON.stringify(e.name)},\n      "value": ${JSON.stringify(e.value)}\n    }`);
  }
  emit('\n  ],\n  "nextPageToken": ""\n}\n');
}

/** The whole file body as one string. */
export function apigeecliFileText(entries: readonly KvmEntry[]): string {
  const pieces: string[] = [];
  emitApigeecliText(entries, (piece) => pieces.push(piece));
  return pieces.join('');
}

/**
 * `apigeecli kvms import -f` keeps its file list per scope kind keyed by KVM name only, so a KVM name used in
 * two environments (or two proxies) reaches it once: the files are right, the bulk import is not.
 */
function bulkImportCollisions(planned: PlacedKvm[]): string[] {
  // Per scope kind, KVM name -> the index of its first KVM; names met again gather their places by that index.
  const firstOf = { env: new Map<string, number>(), proxy: new Map<string, number>() };
  const shared = new Map<number, string[]>();
  const placeOf = (kvm: PlacedKvm) => (kvm.scope.kind === 'env' ? kvm.scope.env : kvm.scope.kind === 'proxy' ? kvm.scope.proxy : '');
  for (let i = 0; i < planned.length; i++) {
    const kvm = planned[i]!;
    const kind = kvm.scope.kind;
    if (kind !== 'env' && kind !== 'proxy') continue;
    const first = firstOf[kind].get(kvm.name);
    if (first === undefined) firstOf[kind].set(kvm.name, i);
    else {
      const where = shared.get(first);
      if (where) where.push(placeOf(kvm));
      else shared.set(first, [placeOf(planned[first]!), placeOf(kvm)]);
    }
  }
  // In the order the names were first met.
  return [...shared.keys()]
    .sort((a, b) => a - b)
    .map((first) => {
      const { scope, name } = planned[first]!;
      const where = shared.get(first)!;
      return (
        `KVM "${name}" exists in ${where.length} ${scope.kind === 'env' ? 'environments' : 'proxies'} (${where.join(', ')}): ` +
        '"apigeecli kvms import -f" keys its files by KVM name and would import only one of them; import with import-kvms.sh, which imports each file by itself'
      );
    });
}

export class ApigeecliWriter implements TargetWriter {
  readonly label = 'apigeecli';
  readonly renderKind = 'apigeecli';
  /** The lines of import-kvms.sh, one per KVM written (a KVM that failed to decrypt has no file). */
  private readonly script: ImportScriptLines;
  /** The KVM files' names, as written. */
  private readonly written: string[] = [];
  /** Creates the files off this thread (made with the first file; its thread may have been started ahead). */
  private files: BackgroundWriter | undefined;
  /** The KVM files' names, sorted (once all KVMs were placed). */
  private names: string[] | undefined;

  /** The root with one trailing separator. */
  private readonly rootSlash: string;
  /** unrepresentable's verdict on a scope, and the bytes of its file names besides the KVM name's. */
  private readonly scopeCheck = new PerScope((scope) => {
    const problem = this.scopeProblem(scope);
    // Revision scopes are checked again once mapped to proxy scope.
    const nameBytes = problem === undefined && scope.kind !== 'revision' ? Buffer.byteLength(apigeecliFileName({ scope, name: '' }, this.naming), 'utf8') : 0;
    return { problem, nameBytes };
  });

  constructor(
    private readonly root: string,
    private readonly naming: ApigeecliNaming = 'current',
  ) {
    this.rootSlash = path.join(root, path.sep);
    this.script = new ImportScriptLines(naming);
  }

  unrepresentable(kvm: PlacedKvm): string | undefined {
    const scope = kvm.scope;
    const checked = this.scopeCheck.of(scope);
    if (checked.problem !== undefined) return checked.problem;
    const problem = nameProblem('KVM name', kvm.name, this.naming);
    if (problem || scope.kind === 'revision') return problem;
    const bytes = checked.nameBytes + Buffer.byteLength(kvm.name, 'utf8');
    if (bytes > NAME_MAX) return `its file name would be ${bytes} bytes long, more than the ${NAME_MAX} a file name may have`;
    return undefined;
  }

  private scopeProblem(scope: PlacedKvm['scope']): string | undefined {
    const problem =
      scope.kind === 'env'
        ? nameProblem('environment name', scope.env, this.naming)
        : scope.kind === 'proxy' || scope.kind === 'revision'
          ? nameProblem('proxy name', scope.proxy, this.naming)
          : undefined;
    if (problem) return problem;
    if ((scope.kind === 'proxy' || scope.kind === 'revision') && scope.proxy.endsWith('env')) {
      // apigeecli tests the env pattern first and it is not anchored: `proxy__myenv__k__kvmfile__0.json` reads as env "myenv".
      return `proxy name "${scope.proxy}" ends with "env": apigeecli would import this proxy's KVM file as an environment KVM`;
    }
    return undefined;
  }

  warnings(planned: PlacedKvm[]): string[] {
    return bulkImportCollisions(planned);
  }

  async begin(_planned: PlacedKvm[]): Promise<void> {}

  async write(kvm: Kvm): Promise<void> {
    this.files ??= new BackgroundWriter();
    const files = this.files;
    const name = apigeecliFileName(kvm, this.naming);
    // Files are created and filled by the writer thread while this one goes on; a small file (nearly all) is one
    // operation, a huge one is appended in pieces of about a megabyte (never one string of the whole file).
    const file = path.join(this.root, name);
    let pieces: string[] = [];
    let chars = 0;
    let handle: number | undefined;
    emitApigeecliText(kvm.entries, (piece) => {
      pieces.push(piece);
      chars += piece.length;
      if (chars < PIECE_CHARS) return;
      handle ??= files.open(file, FILE_MODE);
      files.append(handle, pieces.join(''));
      pieces = [];
      chars = 0;
    });
    if (handle === undefined) files.writeFile(file, pieces.join(''), FILE_MODE);
    else {
      if (pieces.length > 0) files.append(handle, pieces.join(''));
      files.close(handle);
    }
    this.placed(kvm, name, kvm.entries.length);
    await files.ready();
  }

  /** The file's whole text, rendered by a worker thread (apigeecliFileText). */
  placeRendered(kvm: PlacedKvm, entries: number, text: Uint8Array): void {
    this.files ??= new BackgroundWriter();
    const name = apigeecliFileName(kvm, this.naming);
    // A file name is one path segment (unrepresentable() refuses separators, `.` and `..`): no path.join needed.
    this.files.writeFileBytes(`${this.rootSlash}${name}`, text, FILE_MODE);
    this.placed(kvm, name, entries);
  }

  /** A KVM given to the writer thread as `file`: listed, and its line of the script made now (while the thread writes). */
  private placed(kvm: PlacedKvm, file: string, entries: number): void {
    this.written.push(file);
    this.script.add({ scope: kvm.scope, name: kvm.name, entries }, file);
  }

  async drain(): Promise<void> {
    await this.files?.ready();
  }

  async skip(): Promise<void> {}

  fileList(): { files: string[]; extras: string[] } {
    this.names ??= this.written.sort();
    return { files: this.names, extras: [IMPORT_SCRIPT] };
  }

  /** The KVM files, sorted; import-kvms.sh (for every KVM written) is written beside them but not listed. */
  async finish(): Promise<string[]> {
    // Made and written while the writer thread is still creating the last files.
    const { files } = this.fileList();
    await writeFileAtomic(path.join(this.root, IMPORT_SCRIPT), this.script.chunks(), 0o700);
    await this.files?.flush();
    await this.files?.stop();
    return files;
  }

  async close(): Promise<void> {
    await this.files?.stop();
  }
}
