// The export stage: plan from a first pass, decrypt and write in a second, into a staging folder committed whole.
import path from 'node:path';
import { InputError, InterruptedError } from '../errors.js';
import { clearLeftovers } from '../dumps/leftovers.js';
import { lockExportDir } from './exportLock.js';
import { checkExportDir, REPORT_FILE, type ExportDirCheck } from './overwriteGuard.js';
import { mkdirPrivate, StagingDir, writeFileAtomic } from '../fs/secureFs.js';
import { prettyJsonChunks } from '../fs/prettyJson.js';
import { BackgroundWriter } from '../fs/backgroundWriter.js';
import { createTarget, type TargetKind, type TargetOptions } from './targets/index.js';
import type { TargetWriter } from './targets/target.js';
import { planExport, type PlannedKvm } from './plan.js';
import { descriptorKey, type KvmDescriptor, type KvmSource, type SourceIndex } from './source.js';
import { emptyCounts, isLoss, skippedEntry, type ExportSummary, type KvmReport } from './summary.js';
import { amuVersion } from '../version.js';
import { sameScope, ScopeLabels } from '../kvm/model.js';

export interface ExportOptions extends TargetOptions {
  source: KvmSource;
  target: TargetKind;
  exportDir: string;
  /** Replace a non-empty export folder whole (never merge into it). */
  overwrite: boolean;
  includeCustomReports: boolean;
  /** Where the dump came from, recorded in the report (with absolute paths) for `kvms verify`; without it the report has no settings. */
  recordedSource?: { src: 'opdk' | 'hybrid'; emigrateDir: string; dumpFiles: string[]; keysFile?: string | undefined };
  signal?: AbortSignal;
  onProgress?: (done: { kvms: number; entries: number; total: number }) => void;
  /** The folder the dumps are in: --overwrite never replaces it, a folder holding it, or one inside it. */
  emigrateDir?: string;
  /** The user's current folder: --overwrite never replaces it or a folder holding it. */
  cwd?: string;
  /** The user's home folder: --overwrite never replaces it. */
  home?: string;
  /** Worker threads for the second pass (undefined: as many as pay on this machine; 0: none). */
  threads?: number;
  /** Things done on the way the user should know (a killed run's leftovers removed, a stale lock taken over). */
  onNote?: (text: string) => void;
}

export { REPORT_FILE };

function reportOf(p: PlannedKvm, labels: ScopeLabels): KvmReport {
  const scope = labels.of(p.target.scope);
  const { name } = p.target;
  const { encrypted } = p.descriptor;
  // Literals of fixed shape (fields in the report's order): 100k rows built by spreads take several times the time.
  if (p.target.scope === p.descriptor.scope && !p.skip) return { scope, name, encrypted, entries: null, status: 'exported' };
  const dumpScope = labels.of(p.descriptor.scope);
  const report: KvmReport = dumpScope !== scope ? { scope, name, dumpScope, encrypted, entries: null, status: 'exported' } : { scope, name, encrypted, entries: null, status: 'exported' };
  if (p.skip) Object.assign(report, { status: p.skip.reason, reason: p.skip.detail });
  return report;
}

function countFound(plans: PlannedKvm[], summary: ExportSummary): void {
  for (const p of plans) {
    const counts = summary.byScope[p.descriptor.scope.kind];
    counts.kvms += 1;
    if (p.descriptor.encrypted) counts.encryptedKvms += 1;
    else counts.plainKvms += 1;
    if (p.skip) summary.skipped.push(skippedEntry(p.descriptor.scope, p.descriptor.name, p.skip.reason, p.skip.detail));
  }
}

/**
 * Finds the plan of each KVM the second pass reads, once. The pass reads the planned KVMs in the order the first
 * pass found them, so the next planned one is nearly always it; a map by descriptorKey is made only if not.
 */
class PlanFinder {
  /** `found[i]` once plan i was read again. */
  readonly found: Uint8Array;
  private next = 0;
  private byKey: Map<string, number> | undefined;

  constructor(private readonly plans: PlannedKvm[]) {
    this.found = new Uint8Array(plans.length);
  }

  /** The index of the plan of a KVM read in the second pass; undefined for one not planned (or read twice). */
  planOf(descriptor: KvmDescriptor): number | undefined {
    const { plans, found } = this;
    while (this.next < plans.length && (plans[this.next]!.skip || found[this.next])) this.next++;
    const candidate = plans[this.next];
    let i: number | undefined;
    if (candidate !== undefined && candidate.descriptor.name === descriptor.name && sameScope(candidate.descriptor.scope, descriptor.scope)) i = this.next;
    else {
      if (this.byKey === undefined) {
        this.byKey = new Map();
        plans.forEach((p, n) => {
          if (!p.skip) this.byKey!.set(descriptorKey(p.descriptor), n);
        });
      }
      i = this.byKey.get(descriptorKey(descriptor));
    }
    if (i === undefined || found[i]) return undefined;
    found[i] = 1;
    return i;
  }
}

async function writeAll(options: ExportOptions, writer: TargetWriter, plans: PlannedKvm[], summary: ExportSummary): Promise<void> {
  const wanted = plans.filter((p) => !p.skip);
  const total = wanted.length;
  const planned = wanted.map((p) => p.target);
  summary.warnings.push(...writer.warnings(planned));
  await writer.begin(planned);
  let done = 0;
  let entries = 0;
  const finder = new PlanFinder(plans);
  const { found } = finder;
  /** The plan of a KVM read in the second pass, once; undefined for one not planned (or read twice). */
  const planOf = (descriptor: KvmDescriptor): number | undefined => {
    if (options.signal?.aborted) throw new InterruptedError('export interrupted; nothing was written to the export folder');
    return finder.planOf(descriptor);
  };
  const failed = async (i: number, reason: string) => {
    const d = plans[i]!.descriptor;
    await writer.skip(plans[i]!.target);
    summary.skipped.push(skippedEntry(d.scope, d.name, 'decrypt-failed', reason));
    Object.assign(summary.kvms[i]!, { status: 'decrypt-failed', reason });
  };
  const exported = (i: number, count: number) => {
    const counts = summary.byScope[plans[i]!.descriptor.scope.kind];
    counts.exportedKvms += 1;
    summary.kvms[i]!.entries = count;
    counts.exportedEntries += count;
    done += 1;
    entries += count;
  };
  // Worker threads decrypt and render when the source and machine allow it (a batch per chunk of the dump); else KVM by KVM.
  const batches = options.source.readRendered?.(wanted.map((p) => p.descriptor), writer.renderKind, options.threads);
  if (batches !== undefined) {
    for await (const batch of batches) {
      for (const item of batch) {
        const i = planOf(item.descriptor);
        if (i === undefined) continue;
        if (item.kind === 'failed') await failed(i, item.reason);
        else {
          writer.placeRendered(plans[i]!.target, item.entries, item.text);
          exported(i, item.entries);
        }
      }
      await writer.drain();
      options.onProgress?.({ kvms: done, entries, total });
    }
  } else {
    const wantedKeys = new Set(wanted.map((p) => descriptorKey(p.descriptor)));
    for await (const item of options.source.read((d) => wantedKeys.has(descriptorKey(d)))) {
      const i = planOf(item.descriptor);
      if (i === undefined) continue;
      if (item.kind === 'failed') await failed(i, item.reason);
      else {
        await writer.write({ ...item.kvm, scope: plans[i]!.target.scope, name: plans[i]!.target.name });
        exported(i, item.kvm.entries.length);
        options.onProgress?.({ kvms: done, entries, total });
      }
    }
  }
  const missing = plans.filter((p, i) => !p.skip && !found[i]);
  if (missing.length > 0) {
    const names = missing.map((p) => `${p.descriptor.name} (${p.descriptor.origin})`).join(', ');
    throw new InputError(`the dump changed between the two passes of the export: not found again: ${names}`);
  }
}

/** Runs the whole export; the export folder appears only when everything that could be written was. */
export async function exportKvms(options: ExportOptions): Promise<ExportSummary> {
  const note = (text: string) => options.onNote?.(text);
  await mkdirPrivate(path.dirname(path.resolve(options.exportDir)));
  const lock = await lockExportDir(options.exportDir, note);
  try {
    await clearLeftovers([options.exportDir], note);
    await checkExportDir(exportDirCheck(options));
    return await exportLocked(options);
  } finally {
    await lock.release();
  }
}

function exportDirCheck(options: ExportOptions): ExportDirCheck {
  return {
    exportDir: options.exportDir,
    overwrite: options.overwrite,
    cwd: options.cwd ?? process.cwd(),
    ...(options.home !== undefined ? { home: options.home } : {}),
    ...(options.emigrateDir !== undefined ? { emigrateDir: options.emigrateDir } : {}),
  };
}

async function exportLocked(options: ExportOptions): Promise<ExportSummary> {
  // The file writer thread starts while the first pass reads the dump (the next target writer takes it).
  BackgroundWriter.startAhead();
  let index: SourceIndex | undefined = await options.source.index();
  const staging = await StagingDir.create(options.exportDir);
  const writer = createTarget(options.target, staging.dir, options);
  const recorded = options.recordedSource;
  const summary: ExportSummary = {
    amuVersion: amuVersion(),
    createdAt: new Date().toISOString(),
    ...(recorded
      ? {
          settings: {
            src: recorded.src,
            org: options.org,
            emigrateDir: path.resolve(recorded.emigrateDir),
            dumpFiles: recorded.dumpFiles.map((f) => path.resolve(f)),
            ...(recorded.keysFile !== undefined ? { keysFile: path.resolve(recorded.keysFile) } : {}),
            tgt: options.target,
            apigeecliNaming: options.apigeecliNaming,
            includeCustomReports: options.includeCustomReports,
            mavenProject: options.target === 'maven' && options.mavenProject,
          },
        }
      : {}),
    org: options.org,
    source: options.source.description,
    target: writer.label,
    exportDir: path.resolve(options.exportDir),
    rowsRead: index.rowsRead,
    byScope: emptyCounts(),
    skipped: [],
    sourceNotes: index.notes,
    files: [],
    warnings: [...(index.warnings ?? [])],
    complete: false,
    kvms: [],
  };
  try {
    let plans: PlannedKvm[] | undefined = planExport(index.kvms, {
      includeCustomReports: options.includeCustomReports,
      unrepresentable: (kvm) => writer.unrepresentable(kvm),
    });
    // The descriptors are held by the plans from here, and the plans only until the second pass is done: for 100k
    // KVMs that is tens of megabytes the script and the report are made without.
    index = undefined;
    countFound(plans, summary);
    const labels = new ScopeLabels();
    summary.kvms = plans.map((p) => reportOf(p, labels));
    await writeAll(options, writer, plans, summary);
    plans = undefined;
    const { files, extras } = writer.fileList();
    summary.files = files;
    summary.complete = !summary.skipped.some((s) => isLoss(s.reason));
    summary.written = [...files, ...extras, REPORT_FILE].sort();
    // Written a megabyte at a time (for an org of 100k KVMs the report is tens of megabytes), while the writer thread
    // finishes the last files; a failure there still fails the export and takes the report with the staging folder.
    await writeFileAtomic(path.join(staging.dir, REPORT_FILE), prettyJsonChunks(summary, '\n'));
    await writer.finish();
    // The folder to replace is checked again: the user may have put files in it while the export ran.
    await checkExportDir(exportDirCheck(options));
    await staging.commit(options.overwrite);
    return summary;
  } catch (err) {
    await writer.close();
    await staging.abort();
    throw err;
  }
}
