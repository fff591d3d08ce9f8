// The apigee-config-maven-plugin target: `org/kvms.json`, `env/<env>/kvms.json`, `api/<proxy>/kvms.json`, streamed KVM by KVM; pom.xml for a project.
import path from 'node:path';
import type { Kvm, Scope } from '../../kvm/model.js';
import { DIR_MODE, FILE_MODE, writeFileAtomic } from '../../fs/secureFs.js';
import { BackgroundWriter, type FileHandle } from '../../fs/backgroundWriter.js';
import { PieceWriter, unsafePathSegment, type PlacedKvm, type TargetWriter } from './target.js';

/** The config file of a scope, relative to the config root (`resources/edge` in a maven project). */
export function mavenConfigFile(scope: Scope): string {
  switch (scope.kind) {
    case 'org':
      return path.join('org', 'kvms.json');
    case 'env':
      return path.join('env', scope.env, 'kvms.json');
    case 'proxy':
      return path.join('api', scope.proxy, 'kvms.json');
    case 'revision':
      throw new Error('revision-scoped KVMs must be mapped to proxy scope before writing');
  }
}

/** A config file being written (by the writer thread) while its scope's KVMs come. */
interface OpenFile {
  handle: FileHandle;
  remaining: number;
  first: boolean;
  /** Text not yet written: small KVMs are written in batches, huge ones in pieces. */
  out: PieceWriter;
}

/**
 * One KVM in the plugin's format, piece by piece, indented as it sits in the file's array: exactly
 * `JSON.stringify({ name, entry }, null, 2)` with every line after the first indented by two more blanks.
 */
export function emitMavenKvmText(kvm: Kvm, emit: (piece: string) => void): void {
  const head = `{\n    "name": ${JSON.stringify(kvm.name)},\n    "entry": `;
  if (kvm.entries.length === 0) {
    emit(`${head}[]\n  }`);
    return;
  }
  emit(`${head}[\n`);
  for (let i = 0; i < kvm.entries.length; i++) {
    const e = kvm.entries[i]!;
    emit(`${i === 0 ? '' : ',\n'}      {\n        "name": ${JSON.stringify(e.name)},\n        "value": ${JSON.stringify(e.value)}\n      }`);
  }
  emit('\n    ]\n  }');
}

/** One KVM's text as one string. */
export function mavenKvmText(kvm: Kvm): string {
  const pieces: string[] = [];
  emitMavenKvmText(kvm, (piece) => pieces.push(piece));
  return pieces.join('');
}

/** A whole maven project: pom.xml at the root, the config tree under resources/edge. */
export interface MavenProject {
  org: string;
  pluginVersion: string;
}

export class MavenConfigWriter implements TargetWriter {
  readonly label: string;
  readonly renderKind = 'maven';
  private readonly expected = new Map<string, number>();
  private readonly open = new Map<string, OpenFile>();
  private readonly written: string[] = [];
  private readonly environments = new Set<string>();
  private background: BackgroundWriter | undefined;
  /** The folder under the root the plugin reads: `''`, or `resources/edge` in a project. */
  private readonly configDir: string;

  /** `root` is the export folder; with `project`, a pom.xml goes there and the config tree under resources/edge. */
  constructor(
    private readonly root: string,
    private readonly project?: MavenProject,
  ) {
    this.configDir = project ? path.join('resources', 'edge') : '';
    this.label = project ? 'maven (project)' : 'maven';
  }

  unrepresentable(kvm: PlacedKvm): string | undefined {
    const scope = kvm.scope;
    if (scope.kind === 'env') {
      const problem = unsafePathSegment(scope.env);
      if (problem) return `environment name "${scope.env}" ${problem}`;
    }
    if (scope.kind === 'proxy' || scope.kind === 'revision') {
      const problem = unsafePathSegment(scope.proxy);
      if (problem) return `proxy name "${scope.proxy}" ${problem}`;
    }
    if (kvm.name === '') return 'KVM name is empty';
    return undefined;
  }

  warnings(): string[] {
    return [];
  }

  async begin(planned: PlacedKvm[]): Promise<void> {
    for (const kvm of planned) {
      if (kvm.scope.kind === 'env') this.environments.add(kvm.scope.env);
      const file = this.relative(kvm.scope);
      this.expected.set(file, (this.expected.get(file) ?? 0) + 1);
    }
  }

  async write(kvm: Kvm): Promise<void> {
    const file = this.relative(kvm.scope);
    const open = this.open.get(file) ?? this.openFile(file);
    open.out.add(open.first ? '  ' : ',\n  ');
    open.first = false;
    emitMavenKvmText(kvm, (piece) => open.out.add(piece));
    this.countDown(file, open);
    await this.files().ready();
  }

  /** One KVM's text (mavenKvmText), rendered by a worker thread. */
  placeRendered(kvm: PlacedKvm, _entries: number, text: Uint8Array): void {
    const file = this.relative(kvm.scope);
    const open = this.open.get(file) ?? this.openFile(file);
    open.out.add(open.first ? '  ' : ',\n  ');
    open.first = false;
    open.out.flush();
    this.files().appendBytes(open.handle, text);
    this.countDown(file, open);
  }

  async drain(): Promise<void> {
    await this.background?.ready();
  }

  async skip(kvm: PlacedKvm): Promise<void> {
    const file = this.relative(kvm.scope);
    const open = this.open.get(file);
    if (open) return this.countDown(file, open);
    const remaining = (this.expected.get(file) ?? 0) - 1;
    this.expected.set(file, remaining);
  }

  /** One planned KVM of `file` is done; the file is closed when none is left. */
  private countDown(file: string, open: OpenFile): void {
    open.remaining -= 1;
    if (open.remaining > 0) return;
    open.out.add(open.first ? ']\n' : '\n]\n');
    open.out.flush();
    this.files().close(open.handle);
    this.open.delete(file);
    this.written.push(file);
  }

  fileList(): { files: string[]; extras: string[] } {
    if (this.open.size > 0) throw new Error(`internal: export ended before all planned KVMs of ${[...this.open.keys()].join(', ')} were written`);
    const files = [...this.written].sort();
    return { files: this.project ? ['pom.xml', ...files] : files, extras: [] };
  }

  async finish(): Promise<string[]> {
    let list: { files: string[] };
    try {
      list = this.fileList();
    } catch (err) {
      await this.close();
      throw err;
    }
    await this.background?.flush();
    await this.background?.stop();
    if (this.project) {
      const { buildPom } = await import('./mavenPom.js');
      const pom = buildPom({ org: this.project.org, environments: [...this.environments], pluginVersion: this.project.pluginVersion });
      await writeFileAtomic(path.join(this.root, 'pom.xml'), pom);
    }
    return list.files;
  }

  async close(): Promise<void> {
    this.open.clear();
    await this.background?.stop();
  }

  /** The writer thread, started with the first file. */
  private files(): BackgroundWriter {
    this.background ??= new BackgroundWriter();
    return this.background;
  }

  private relative(scope: Scope): string {
    return path.join(this.configDir, mavenConfigFile(scope));
  }

  private openFile(file: string): OpenFile {
    const remaining = this.expected.get(file);
    if (!remaining) throw new Error(`internal: ${file} was not planned`);
    const full = path.join(this.root, file);
    const files = this.files();
    files.mkdir(path.dirname(full), DIR_MODE);
    const handle = files.open(full, FILE_MODE);
    const open: OpenFile = { handle, remaining, first: true, out: new PieceWriter((text) => files.append(handle, text)) };
    open.out.add('[\n');
    this.open.set(file, open);
    return open;
  }
}
