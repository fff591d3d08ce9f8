// `kvms import`: lists what the target has, then creates missing KVMs and entries, updates differing ones, prunes on request.
import { AmuError, ExternalError, InputError, InterruptedError } from '../errors.js';
import { ApiError, type ApigeeClient } from '../apigee/client.js';
import { addressability, type TargetScope } from '../apigee/paths.js';
import type { KvmEntry } from '../kvm/model.js';
import type { ImportItem, ImportKvm, ImportSource } from './source.js';
import { addCounts, emptyCounts, type ImportFailure, type ImportRow, type ImportSummary, type UnaddressableEntry } from './summary.js';

export interface ImportOptions {
  source: ImportSource;
  client: ApigeeClient;
  org: string;
  /** For messages: `organization x at https://apigee.googleapis.com`. */
  target: string;
  dryRun: boolean;
  prune: boolean;
  /** Most entry operations in flight at once (the throttle may allow fewer). */
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (p: { kvms: number; totalKvms: number; entries: number }) => void;
}

export function scopeText(scope: TargetScope): string {
  return scope.kind === 'org' ? 'org' : scope.kind === 'env' ? `env ${scope.env}` : `proxy ${scope.proxy}`;
}

function scopeId(scope: TargetScope): string {
  return scope.kind === 'org' ? 'org' : scope.kind === 'env' ? `env:${scope.env}` : `proxy:${scope.proxy}`;
}

/** Environments and proxies the source has KVMs in but the target lacks: one message before anything is written (exit 3). */
export async function checkTargetScopes(client: ApigeeClient, org: string, target: string, kvms: ImportKvm[]): Promise<void> {
  const envs = new Set(kvms.flatMap((k) => (k.scope.kind === 'env' ? [k.scope.env] : [])));
  const proxies = new Set(kvms.flatMap((k) => (k.scope.kind === 'proxy' ? [k.scope.proxy] : [])));
  let haveEnvs: string[];
  try {
    haveEnvs = await client.listEnvironments(org);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new ExternalError(`the organization ${org} is not found at ${target}`, ['Check --tgt-org and --api-url, and that the credentials may see it.']);
    }
    throw err;
  }
  const missingEnvs = [...envs].filter((e) => !haveEnvs.includes(e)).sort();
  const haveProxies = proxies.size > 0 ? await client.listProxies(org) : [];
  const missingProxies = [...proxies].filter((p) => !haveProxies.includes(p)).sort();
  if (missingEnvs.length + missingProxies.length === 0) return;
  const count = (what: string[], noun: string) => `${what.length} ${noun}(s)`;
  const lines = [
    ...(missingEnvs.length > 0 ? [`  environments: ${missingEnvs.join(', ')} (the target has: ${haveEnvs.join(', ') || 'none'})`] : []),
    ...(missingProxies.length > 0 ? [`  proxies: ${missingProxies.join(', ')}`] : []),
    'Nothing was imported. Create them in the target first (proxies: import them; a KVM can be scoped to a proxy not yet deployed), or map environments with --env-map old=new.',
  ];
  const kvmCount = kvms.filter((k) => (k.scope.kind === 'env' && missingEnvs.includes(k.scope.env)) || (k.scope.kind === 'proxy' && missingProxies.includes(k.scope.proxy))).length;
  const what = [missingEnvs.length > 0 ? count(missingEnvs, 'environment') : '', missingProxies.length > 0 ? `${missingProxies.length} prox${missingProxies.length === 1 ? 'y' : 'ies'}` : ''].filter(Boolean).join(' and ');
  throw new InputError(`the target organization ${org} lacks ${what} that ${kvmCount} KVM(s) of the source belong to:`, lines);
}

/** Runs `tasks` with at most `width` at once; stops taking new ones once `stopped()` is true. */
async function pool<T>(tasks: Iterable<T>, width: number, run: (task: T) => Promise<void>, stopped: () => boolean): Promise<void> {
  const iterator = tasks[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); !next.done && !stopped(); next = iterator.next()) await run(next.value);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, width) }, worker));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

type Op = { kind: 'create' | 'update' | 'delete'; name: string; value: string };

class Importer {
  readonly summary: ImportSummary;
  private readonly kvmNames = new Map<string, Promise<Set<string>>>();
  private fatal: unknown;
  private entriesDone = 0;
  private kvmsDone = 0;
  private readonly started = Date.now();

  constructor(private readonly options: ImportOptions) {
    this.summary = {
      source: options.source.description,
      target: options.target,
      dryRun: options.dryRun,
      prune: options.prune,
      kvms: { total: options.source.kvms.length, created: 0, existing: 0, notImported: options.source.notImported.length, failed: 0 },
      entries: emptyCounts(),
      rows: [],
      notImported: options.source.notImported,
      unaddressable: [],
      failures: [],
      calls: { sent: 0, retried: 0, quotaWaits: 0, unavailable: 0 },
      seconds: 0,
      complete: false,
    };
  }

  private get client(): ApigeeClient {
    return this.options.client;
  }

  private stopped = (): boolean => this.fatal !== undefined || this.options.signal?.aborted === true;

  private names(scope: TargetScope): Promise<Set<string>> {
    let names = this.kvmNames.get(scopeId(scope));
    if (!names) {
      names = this.client.listKvms(this.options.org, scope).then((list) => new Set(list));
      this.kvmNames.set(scopeId(scope), names);
    }
    return names;
  }

  private progress(): void {
    this.options.onProgress?.({ kvms: this.kvmsDone, totalKvms: this.summary.kvms.total, entries: this.entriesDone });
  }

  async run(): Promise<ImportSummary> {
    const items = this.options.source.read(this.options.signal)[Symbol.asyncIterator]();
    const next = async (): Promise<ImportItem | undefined> => {
      const r = await items.next();
      return r.done ? undefined : r.value;
    };
    const workers = Math.max(1, Math.min(8, Math.ceil(this.options.concurrency / 4)));
    const worker = async () => {
      for (let item = await next(); item && !this.stopped(); item = await next()) {
        try {
          await this.importKvm(item);
        } catch (err) {
          this.fatal ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    await items.return?.();
    this.finishTotals();
    const done = this.options.dryRun ? 0 : this.summary.rows.reduce((n, r) => n + r.created + r.updated + r.pruned, 0) + this.summary.kvms.created;
    if (this.options.signal?.aborted) {
      throw new InterruptedError(`import interrupted after ${done} change(s); run the same command again: it does only what is left`);
    }
    if (this.fatal !== undefined) {
      if (this.fatal instanceof AmuError && !this.options.dryRun) this.fatal.details.push(`${done} change(s) were made before this; once it is fixed, run the same command again: it does only what is left.`);
      throw this.fatal;
    }
    return this.summary;
  }

  private finishTotals(): void {
    const calls = this.client.calls;
    const t = this.client.throttle.stats;
    this.summary.calls = { sent: calls.sent, retried: calls.retried, quotaWaits: t.quota, unavailable: t.unavailable };
    this.summary.seconds = (Date.now() - this.started) / 1000;
    this.summary.rows.sort((a, b) => (a.scope !== b.scope ? (a.scope < b.scope ? -1 : 1) : a.kvm < b.kvm ? -1 : a.kvm > b.kvm ? 1 : 0));
    const lossNotImported = this.summary.notImported.some((n) => n.loss);
    const e = this.summary.entries;
    this.summary.complete = !lossNotImported && e.failed === 0 && e.unaddressable === 0 && this.summary.kvms.failed === 0;
  }

  private async importKvm(item: ImportItem): Promise<void> {
    const { kvm } = item;
    const row: ImportRow = { scope: scopeText(kvm.scope), kvm: kvm.name, action: 'exists', ...emptyCounts() };
    this.summary.rows.push(row);
    if ('failed' in item) {
      row.action = 'failed';
      row.note = `not imported: ${item.failed}`;
      this.summary.kvms.failed += 1;
      this.summary.failures.push({ scope: row.scope, kvm: row.kvm, message: `its values do not decrypt: ${item.failed}` });
      return;
    }
    const names = await this.names(kvm.scope);
    const existing = new Map<string, string>();
    if (!names.has(kvm.name)) {
      row.action = 'create';
      if (!this.options.dryRun) await this.client.createKvm(this.options.org, kvm.scope, kvm.name);
      names.add(kvm.name);
      this.summary.kvms.created += 1;
    } else {
      this.summary.kvms.existing += 1;
      for await (const page of this.client.listEntries(this.options.org, kvm.scope, kvm.name)) for (const e of page) existing.set(e.name, e.value);
    }
    const ops = this.plan(kvm, row, item.entries, existing);
    this.entriesDone += row.unchanged + row.unaddressable;
    if (this.options.dryRun) {
      for (const op of ops) row[op.kind === 'create' ? 'created' : op.kind === 'update' ? 'updated' : 'pruned'] += 1;
    } else {
      await pool(ops, this.options.concurrency, (op) => this.apply(kvm, row, op), this.stopped);
    }
    addCounts(this.summary.entries, row);
    this.kvmsDone += 1;
    this.progress();
  }

  private unaddressable(kvm: ImportKvm, row: ImportRow, entry: string, kind: UnaddressableEntry['kind'], reason: string): void {
    this.summary.unaddressable.push({ scope: row.scope, kvm: kvm.name, entry, kind, reason });
    if (kind === 'not-applied') row.unaddressable += 1;
  }

  /** What the target needs: creates, updates and (with --prune) deletes; unchanged and unaddressable entries are counted here. */
  private plan(kvm: ImportKvm, row: ImportRow, entries: KvmEntry[], existing: Map<string, string>): Op[] {
    const wanted = new Map<string, string>();
    for (const e of entries) wanted.set(e.name, e.value);
    if (wanted.size < entries.length) row.note = `${entries.length - wanted.size} entry name(s) appear twice in the source; the last value of each is imported`;
    const ops: Op[] = [];
    for (const [name, value] of wanted) {
      const address = addressability(name);
      const current = existing.get(name);
      if (address === 'impossible') this.unaddressable(kvm, row, name, 'not-applied', 'an entry without a name cannot be created through the API');
      else if (current === undefined) {
        ops.push({ kind: 'create', name, value });
        if (address === 'post-only') this.unaddressable(kvm, row, name, 'created-only', 'created by POST; a URL path cannot carry this name, so it can never be updated or deleted one by one');
      } else if (current === value) row.unchanged += 1;
      else if (address === 'post-only') this.unaddressable(kvm, row, name, 'not-applied', 'its value differs in the target, and a URL path cannot carry this name to update it');
      else ops.push({ kind: 'update', name, value });
    }
    if (this.options.prune) {
      for (const name of existing.keys()) {
        if (wanted.has(name)) continue;
        if (addressability(name) === 'ok') ops.push({ kind: 'delete', name, value: '' });
        else this.unaddressable(kvm, row, name, 'not-applied', 'not in the source, but a URL path cannot carry this name to delete it');
      }
    }
    return ops;
  }

  private async apply(kvm: ImportKvm, row: ImportRow, op: Op): Promise<void> {
    const { org } = this.options;
    try {
      if (op.kind === 'create') await this.create(kvm, row, op);
      else if (op.kind === 'update') {
        try {
          await this.client.updateEntry(org, kvm.scope, kvm.name, op);
          row.updated += 1;
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
          await this.client.createEntry(org, kvm.scope, kvm.name, op);
          row.created += 1;
        }
      } else {
        await this.client.deleteEntry(org, kvm.scope, kvm.name, op.name);
        row.pruned += 1;
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      row.failed += 1;
      this.summary.failures.push({ scope: row.scope, kvm: kvm.name, entry: op.name, message: err.message } satisfies ImportFailure);
    }
    this.entriesDone += 1;
    if (this.entriesDone % 50 === 0) this.progress();
  }

  /**
   * POST; a 409 means the entry is there after all (an earlier attempt of this call that timed out had landed, or
   * someone else made it): read it back and compare, so a retry never applies twice nor overwrites blindly.
   */
  private async create(kvm: ImportKvm, row: ImportRow, op: Op): Promise<void> {
    const { org } = this.options;
    try {
      await this.client.createEntry(org, kvm.scope, kvm.name, op);
      row.created += 1;
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      const current = await this.readBack(kvm, op.name);
      if (current === op.value) {
        row[err.retried ? 'created' : 'unchanged'] += 1;
      } else if (addressability(op.name) !== 'ok') {
        this.unaddressable(kvm, row, op.name, 'not-applied', 'it appeared in the target with another value, and a URL path cannot carry this name to update it');
      } else {
        await this.client.updateEntry(org, kvm.scope, kvm.name, op);
        row.updated += 1;
      }
    }
  }

  private async readBack(kvm: ImportKvm, name: string): Promise<string | undefined> {
    if (addressability(name) === 'ok') return this.client.getEntry(this.options.org, kvm.scope, kvm.name, name);
    for await (const page of this.client.listEntries(this.options.org, kvm.scope, kvm.name)) {
      const found = page.find((e) => e.name === name);
      if (found) return found.value;
    }
    return undefined;
  }
}

/** Imports the source into the target org; the summary says what was done (or, dry run, what would be). */
export async function importKvms(options: ImportOptions): Promise<ImportSummary> {
  await checkTargetScopes(options.client, options.org, options.target, options.source.kvms);
  return new Importer(options).run();
}
