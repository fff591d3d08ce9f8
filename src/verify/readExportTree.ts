// Reads an export tree the way its importer does (apigeecli kvms import -f, apigee-config-maven-plugin), one digest per KVM.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { KvmEntry, Scope } from '../kvm/model.js';
import { descriptorKey } from '../export/source.js';
import { splitterFor, type ApigeecliNaming } from '../export/targets/apigeecli.js';
import { ContentDigester, type ContentDigest } from './digest.js';
import { EntryLines } from './entryLines.js';
import { FileReaderThread } from './fileReaderThread.js';
import { readApigeecliLayout, readMavenLayout } from './layoutReader.js';
import { EventLoopTurns } from '../eventLoopTurns.js';

export type TreeTarget = 'apigeecli' | 'maven';

/** A KVM as the importer would create it: scope and name as it derives them, content as a digest. */
export interface TreeKvm extends ContentDigest {
  scope: Scope;
  name: string;
  /** The file it is read from, relative to the export folder. */
  file: string;
  /** Set when the importer sees more than one definition of this KVM, so what it creates is not what one file says. */
  conflict?: string;
}

export interface ExportTree {
  /** What was read, for messages: `apigeecli files (current naming)`, `maven project (resources/edge)`. */
  layout: string;
  kvms: TreeKvm[];
  /** What the importer's bulk mode would get wrong although every file is right (apigeecli's map-name keying). */
  warnings: string[];
}

export interface ReadTreeOptions {
  target: TreeTarget;
  exportDir: string;
  apigeecliNaming: ApigeecliNaming;
  /** The run's keyed digester, which the dump side must share (default: a new one, for readers that compare nothing). */
  digester?: ContentDigester | undefined;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's `\S` (RE2): anything but ASCII space, tab, newline, form feed and carriage return; JS `\S` also excludes Unicode spaces. */
const GO_NON_SPACE = '[^\\t\\n\\f\\r ]';

/** Code units from which UTF-16 order can differ from UTF-8 byte order (surrogates and above). */
const UNORDERED = /[\ud800-\uffff]/;

/** Go sorts directory entries by the bytes of their names (filepath.Walk), not by UTF-16 code units. */
function compareNames(a: string, b: string): number {
  // Below U+D800, UTF-16 code units order as UTF-8 bytes do: no Buffer for the common names.
  if (!UNORDERED.test(a) && !UNORDERED.test(b)) return a === b ? 0 : a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Forward slashes in messages and JSON, whatever the platform. */
function shown(relative: string): string {
  // The same string where the separator is `/` already: 100k file names are then not copied.
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

async function readFolder(dir: string): Promise<{ name: string; isDirectory: boolean }[]> {
  try {
    const entries = (await fsp.readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
    // Names below U+D800 (nearly always all of them) order as UTF-8 bytes by plain comparison: tested once per name, not per comparison.
    if (entries.some((e) => UNORDERED.test(e.name))) return entries.sort((a, b) => compareNames(a.name, b.name));
    return entries.sort((a, b) => (a.name === b.name ? 0 : a.name < b.name ? -1 : 1));
  } catch (err) {
    throw new InputError(`cannot read the folder ${dir}: ${(err as Error).message}`);
  }
}

/** Every non-folder below `root`, relative to it, in filepath.Walk order (symbolic links are not followed). */
async function* walkFiles(root: string, relative = ''): AsyncGenerator<string> {
  for (const entry of await readFolder(path.join(root, relative))) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory) yield* walkFiles(root, child);
    else yield child;
  }
}

async function isFile(file: string): Promise<boolean> {
  return fsp.stat(file).then((s) => s.isFile(), () => false);
}

async function checkExportFolder(dir: string): Promise<void> {
  const stat = await fsp.stat(dir).catch(() => undefined);
  if (!stat) throw new InputError(`no export tree at ${dir}`, ['Write one with "amu kvms export", or name the right folder with --export-dir.']);
  if (!stat.isDirectory()) throw new InputError(`${dir} is not a folder`);
}

/** Parses a file; a syntax error names the file and position only (V8's message may quote the text, values included). */
async function readJson(root: string, relative: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(root, relative), 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${path.join(root, relative)}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const position = /at position (\d+)/.exec((err as Error).message)?.[1];
    throw new InputError(`${path.join(root, relative)} is not valid JSON${position ? ` (at character ${position})` : ''}`);
  }
}

/** One `{name, value}` entry; the message never quotes what the file holds. */
function entryOf(value: unknown, index: number, where: string): KvmEntry {
  if (!isObject(value) || typeof value.name !== 'string' || typeof value.value !== 'string') {
    throw new InputError(`${where}: entry ${index + 1} is not {"name": <string>, "value": <string>}`);
  }
  return { name: value.name, value: value.value };
}

/** An absent or null list is empty, as for Go's json.Unmarshal; anything else but an array is an error. */
function entryList(value: unknown, where: string): KvmEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError(`${where}: the entry list is not an array`);
  return value.map((e, i) => entryOf(e, i, where));
}

// ---- apigeecli -------------------------------------------------------------------------------

type ApigeecliList = 'env' | 'proxy' | 'org';

interface ApigeecliFile {
  file: string;
  list: ApigeecliList;
  scope: Scope;
  name: string;
}

interface ApigeecliPattern {
  list: ApigeecliList;
  pattern: RegExp;
}

/** apigeecli's patterns (utils.ListKVMFiles), unanchored as there, in the order its switch tests them. */
function apigeecliPatterns(splitter: string): ApigeecliPattern[] {
  const make = (prefix: string) => new RegExp(`${prefix}${splitter}(${GO_NON_SPACE}*)${splitter}kvmfile${splitter}[0-9]+\\.json`);
  return [
    { list: 'env', pattern: make('env') },
    { list: 'proxy', pattern: make('proxy') },
    { list: 'org', pattern: make('org') },
  ];
}

/** One scope object per scope (100k files, a handful of scopes). */
class SharedScopes {
  private readonly scopes = new Map<string, Scope>();

  of(list: 'env' | 'proxy', name: string): Scope {
    const key = `${list}\0${name}`;
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      scope = list === 'env' ? { kind: 'env', env: name } : { kind: 'proxy', proxy: name };
      this.scopes.set(key, scope);
    }
    return scope;
  }
}

const ORG_SCOPE: Scope = { kind: 'org' };

/** Scope and map name exactly as apigeecli derives them: the first pattern that matches, then a split on the splitter. */
function classifyApigeecliFile(file: string, splitter: string, patterns: ApigeecliPattern[], scopes: SharedScopes): ApigeecliFile | undefined {
  const base = path.basename(file);
  const matched = patterns.find((p) => p.pattern.test(base));
  if (!matched) return undefined;
  const parts = base.split(splitter);
  if (matched.list === 'org') return parts.length > 1 ? { file, list: 'org', scope: ORG_SCOPE, name: parts[1]! } : undefined;
  if (parts.length <= 2) return undefined;
  return { file, list: matched.list, scope: scopes.of(matched.list, parts[1]!), name: parts[2]! };
}

/**
 * Files grouped by map name per list (env, proxy, org), as `apigeecli kvms import -f` keys them, in the order the
 * walk first meets each map name; a map name of one file (nearly all) is held as that file, not as a list.
 */
async function listApigeecliFiles(root: string, naming: ApigeecliNaming): Promise<(ApigeecliFile | ApigeecliFile[])[]> {
  const splitter = splitterFor(naming);
  const patterns = apigeecliPatterns(splitter);
  const scopes = new SharedScopes();
  const byMapName = new Map<string, ApigeecliFile | ApigeecliFile[]>();
  for await (const file of walkFiles(root)) {
    const found = classifyApigeecliFile(file, splitter, patterns, scopes);
    if (!found) continue;
    const key = `${found.list}\0${found.name}`;
    const seen = byMapName.get(key);
    byMapName.set(key, seen === undefined ? found : Array.isArray(seen) ? [...seen, found] : [seen, found]);
  }
  return [...byMapName.values()];
}

function pageConflict(files: ApigeecliFile[], survivor: ApigeecliFile): string {
  const names = files.map((f) => shown(f.file)).join(', ');
  return `${files.length} files for this KVM (${names}): apigeecli keys its file list by map name and imports only ${shown(survivor.file)}`;
}

/**
 * Each file is read as `apigeecli kvms entries import -f FILE` (what import-kvms.sh runs) reads it: scope and name
 * from its name. Page files of one KVM are a conflict (each import of one replaces the entries' source). Files of
 * different scopes sharing a map name are all right, but `apigeecli kvms import -f DIR` keys its list by map name
 * and would import only the last: that is a warning, not a difference.
 */
async function readApigeecliTree(root: string, naming: ApigeecliNaming, digester: ContentDigester): Promise<ExportTree> {
  const lines = new EntryLines();
  const tree: ExportTree = { layout: `apigeecli files (${naming} naming)`, kvms: [], warnings: [] };
  // The file read for each KVM; the page files of a KVM that has more than one are kept aside (rare).
  const survivors: ApigeecliFile[] = [];
  const pages = new Map<ApigeecliFile, ApigeecliFile[]>();
  for (const group of await listApigeecliFiles(root, naming)) {
    if (!Array.isArray(group)) {
      survivors.push(group);
      continue;
    }
    const byKvm = new Map<string, ApigeecliFile[]>();
    for (const f of group) byKvm.set(descriptorKey(f), [...(byKvm.get(descriptorKey(f)) ?? []), f]);
    if (byKvm.size > 1) tree.warnings.push(bulkImportWarning(group));
    for (const files of byKvm.values()) {
      const survivor = files[files.length - 1]!;
      survivors.push(survivor);
      if (files.length > 1) pages.set(survivor, files);
    }
  }
  // path.join(root, file) for each file, as the folder's normalized path and its separator before each (walked) file name.
  const base = path.join(root, 'x').slice(0, -1);
  const reader = survivors.length >= READER_THREAD_FILES ? new FileReaderThread(survivors.map((f) => f.file), base) : undefined;
  // The dump side of a verify runs meanwhile (its worker threads wait for chunks this thread sends).
  const turns = new EventLoopTurns();
  try {
    for (const survivor of survivors) {
      if (turns.due) await turns.take();
      const where = shown(survivor.file);
      const bytes = reader ? await reader.next() : path.join(root, survivor.file);
      const fast = bytes === undefined ? undefined : fastApigeecliDigest(bytes, digester, lines);
      const content = fast ?? (await slowApigeecliDigest(root, survivor.file, digester));
      const kvm: TreeKvm = { scope: survivor.scope, name: survivor.name, file: where, entries: content.entries, digest: content.digest };
      const files = pages.get(survivor);
      if (files) kvm.conflict = pageConflict(files, survivor);
      tree.kvms.push(kvm);
    }
  } finally {
    await reader?.close();
  }
  return tree;
}

/** Below this many files a tree is read on the main thread: starting the reader thread would cost more than it saves. */
const READER_THREAD_FILES = 200;

/** A file as amu writes it (its path or bytes), digested from its bytes; undefined for anything else (read errors included). */
function fastApigeecliDigest(file: string | Buffer, digester: ContentDigester, lines: EntryLines): ContentDigest | undefined {
  let read: EntryLines | undefined;
  try {
    read = readApigeecliLayout(file, lines);
  } catch {
    return undefined;
  }
  return read ? digester.digestLines(read) : undefined;
}

/** Any other file (edited by hand, other layout, unreadable): JSON.parse, and the errors that name the file. */
async function slowApigeecliDigest(root: string, file: string, digester: ContentDigester): Promise<ContentDigest> {
  const where = shown(file);
  const body = await readJson(root, file);
  if (!isObject(body)) throw new InputError(`${where}: not a JSON object with "keyValueEntries"`);
  return digester.digest(entryList(body.keyValueEntries, where));
}

function bulkImportWarning(group: ApigeecliFile[]): string {
  const files = group.map((f) => shown(f.file)).join(', ');
  return `"apigeecli kvms import -f" keys its files by map name and would import only one of ${files}; import-kvms.sh imports each`;
}

// ---- apigee-config-maven-plugin ---------------------------------------------------------------

interface MavenFile {
  file: string;
  scope: Scope;
}

async function subfolders(dir: string): Promise<string[]> {
  const exists = await fsp.stat(dir).then((s) => s.isDirectory(), () => false);
  if (!exists) return [];
  return (await readFolder(dir)).filter((e) => e.isDirectory).map((e) => e.name);
}

/** The plugin's multi-file layout: `org/kvms.json`, `env/<env>/kvms.json`, `api/<proxy>/kvms.json`, those that exist. */
async function mavenConfigFiles(root: string, configDir: string): Promise<MavenFile[]> {
  const candidates: MavenFile[] = [{ file: path.join(configDir, 'org', 'kvms.json'), scope: { kind: 'org' } }];
  for (const env of await subfolders(path.join(root, configDir, 'env'))) {
    candidates.push({ file: path.join(configDir, 'env', env, 'kvms.json'), scope: { kind: 'env', env } });
  }
  for (const proxy of await subfolders(path.join(root, configDir, 'api'))) {
    candidates.push({ file: path.join(configDir, 'api', proxy, 'kvms.json'), scope: { kind: 'proxy', proxy } });
  }
  const present: MavenFile[] = [];
  for (const c of candidates) if (await isFile(path.join(root, c.file))) present.push(c);
  return present;
}

/** The KVMs of one config file, gathered by name: a name listed twice is a conflict (the plugin's result depends on its create/update/sync option). */
class MavenFileKvms {
  private readonly byName = new Map<string, { kvm: TreeKvm; count: number }>();
  readonly where: string;

  constructor(private readonly source: MavenFile) {
    this.where = shown(source.file);
  }

  /** Whether a KVM of this name came already (its content is then not needed). */
  seen(name: string): boolean {
    const seen = this.byName.get(name);
    if (!seen) return false;
    seen.count += 1;
    seen.kvm.conflict = `listed ${seen.count} times in ${this.where}: what the plugin creates depends on its options`;
    return true;
  }

  add(name: string, content: ContentDigest): void {
    this.byName.set(name, { kvm: { scope: this.source.scope, name, file: this.where, ...content }, count: 1 });
  }

  kvms(): TreeKvm[] {
    return [...this.byName.values()].map((v) => v.kvm);
  }
}

/** A config file as amu writes it, streamed KVM by KVM; undefined for anything else (read errors included). */
async function fastMavenFileKvms(root: string, source: MavenFile, digester: ContentDigester, lines: EntryLines, turns: EventLoopTurns): Promise<TreeKvm[] | undefined> {
  const kvms = new MavenFileKvms(source);
  try {
    const ok = await readMavenLayout(path.join(root, source.file), lines, (kvm) => {
      if (!kvms.seen(kvm.name)) kvms.add(kvm.name, digester.digestLines(kvm.lines));
    }, turns);
    return ok ? kvms.kvms() : undefined;
  } catch {
    return undefined;
  }
}

/** Any other config file (edited by hand, other layout, unreadable): JSON.parse, and the errors that name the file. */
async function slowMavenFileKvms(root: string, source: MavenFile, digester: ContentDigester): Promise<TreeKvm[]> {
  const body = await readJson(root, source.file);
  const kvms = new MavenFileKvms(source);
  const where = kvms.where;
  if (!Array.isArray(body)) throw new InputError(`${where}: not a JSON array of KVMs`);
  body.forEach((item: unknown, index) => {
    if (!isObject(item) || typeof item.name !== 'string') throw new InputError(`${where}: KVM ${index + 1} has no string "name"`);
    if (!kvms.seen(item.name)) kvms.add(item.name, digester.digest(entryList(item.entry, `${where}, KVM ${index + 1}`)));
  });
  return kvms.kvms();
}

/** A maven project (pom.xml) keeps its config under resources/edge; a bare tree has it at the top. */
async function readMavenTree(root: string, digester: ContentDigester): Promise<ExportTree> {
  const project = await isFile(path.join(root, 'pom.xml'));
  const configDir = project ? path.join('resources', 'edge') : '';
  const tree: ExportTree = { layout: project ? 'maven project (resources/edge)' : 'maven config tree', kvms: [], warnings: [] };
  const lines = new EntryLines();
  // The dump side of a verify runs meanwhile (its worker threads wait for chunks this thread sends).
  const turns = new EventLoopTurns();
  for (const file of await mavenConfigFiles(root, configDir)) {
    const kvms = (await fastMavenFileKvms(root, file, digester, lines, turns)) ?? (await slowMavenFileKvms(root, file, digester));
    for (const kvm of kvms) tree.kvms.push(kvm);
  }
  return tree;
}

/** Reads the tree; files the importer does not read (amu-export-report.json, pom.xml, strays) are ignored as it ignores them. */
export async function readExportTree(options: ReadTreeOptions): Promise<ExportTree> {
  await checkExportFolder(options.exportDir);
  const digester = options.digester ?? new ContentDigester();
  if (options.target === 'apigeecli') return readApigeecliTree(options.exportDir, options.apigeecliNaming, digester);
  return readMavenTree(options.exportDir, digester);
}

/** The last file readTreeKvmEntries parsed: a maven file holds every KVM of its scope, and they are asked for one by one. */
let lastParsed: { file: string; size: number; mtimeMs: number; body: unknown } | undefined;

/** A file's parsed body, parsed again only when it is another file or has changed since. */
async function parsedOnce(exportDir: string, file: string): Promise<unknown> {
  const full = path.resolve(exportDir, file);
  const st = await fsp.stat(full).catch(() => undefined);
  if (st && lastParsed && lastParsed.file === full && lastParsed.size === st.size && lastParsed.mtimeMs === st.mtimeMs) return lastParsed.body;
  const body = await readJson(exportDir, file);
  lastParsed = st ? { file: full, size: st.size, mtimeMs: st.mtimeMs, body } : undefined;
  return body;
}

/** The entries of one KVM of a tree read by readExportTree, read again from its file (`kvms import --export-dir`). */
export async function readTreeKvmEntries(exportDir: string, kvm: TreeKvm): Promise<KvmEntry[]> {
  const body = await parsedOnce(exportDir, kvm.file);
  if (Array.isArray(body)) {
    const index = body.findIndex((item: unknown) => isObject(item) && item.name === kvm.name);
    if (index < 0) throw new InputError(`${kvm.file}: KVM ${kvm.name} is no longer there`);
    return entryList((body[index] as JsonObject).entry, `${kvm.file}, KVM ${index + 1}`);
  }
  lastParsed = undefined;
  if (!isObject(body)) throw new InputError(`${kvm.file}: not a JSON object with "keyValueEntries"`);
  return entryList(body.keyValueEntries, kvm.file);
}
