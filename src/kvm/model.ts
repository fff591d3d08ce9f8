// The KVM data model shared by every source (cassandra-cli, cqlsh, CQL) and every target writer.

/** Where a KVM lives. `revision` exists only on Edge; export maps it to `proxy`. */
/** The platforms amu reads: Apigee Edge for Private Cloud (the CLI value `--src opdk`) and Apigee hybrid. */
export type Platform = 'edge' | 'hybrid';

export type Scope =
  | { kind: 'org' }
  | { kind: 'env'; env: string }
  | { kind: 'proxy'; proxy: string }
  | { kind: 'revision'; proxy: string; revision: string };

export interface KvmEntry {
  name: string;
  value: string;
}

/** A KVM as read from a dump: values are still ciphertext (base64) when `encrypted`. */
export interface RawKvm {
  scope: Scope;
  /** The KVM's real name (original case). */
  name: string;
  encrypted: boolean;
  entries: KvmEntry[];
  /** Where it was read, for error messages: "validate-kvms.out line 12". */
  origin: string;
}

/** A KVM ready for a target: every value is plain text. */
export interface Kvm {
  scope: Scope;
  name: string;
  encrypted: boolean;
  entries: KvmEntry[];
}

/** A short, stable, human-readable scope label: `org`, `env qa`, `proxy p1`, `proxy p1 revision 3`. */
export function scopeLabel(scope: Scope): string {
  switch (scope.kind) {
    case 'org':
      return 'org';
    case 'env':
      return `env ${scope.env}`;
    case 'proxy':
      return `proxy ${scope.proxy}`;
    case 'revision':
      return `proxy ${scope.proxy} revision ${scope.revision}`;
  }
}

/**
 * A value worked out per scope for a run of KVMs: the KVMs of a scope come together and share its object, so it is
 * worked out again only when the scope object changes (two objects of one scope just work it out twice).
 */
export class PerScope<T> {
  private scope: Scope | undefined;
  private value: T | undefined;

  constructor(private readonly compute: (scope: Scope) => T) {}

  of(scope: Scope): T {
    if (scope !== this.scope || this.value === undefined) {
      this.value = this.compute(scope);
      this.scope = scope;
    }
    return this.value;
  }
}

/** Things gathered by scope (one group per scopeKey), without a key string made per item. */
export class ScopeGroups<T> {
  readonly groups = new Map<string, T>();
  private readonly current: PerScope<T>;

  constructor(create: () => T) {
    this.current = new PerScope((scope) => {
      const key = scopeKey(scope);
      let group = this.groups.get(key);
      if (group === undefined) this.groups.set(key, (group = create()));
      return group;
    });
  }

  /** The group of `scope`. */
  of(scope: Scope): T {
    return this.current.of(scope);
  }
}

/** Scope labels with one string per label, for rows that each name their scope (100k rows, a handful of scopes). */
export class ScopeLabels {
  private readonly labels = new Map<string, string>();
  private readonly current = new PerScope((scope) => this.shared(scopeLabel(scope)));

  of(scope: Scope): string {
    return this.current.of(scope);
  }

  private shared(label: string): string {
    const shared = this.labels.get(label);
    if (shared !== undefined) return shared;
    this.labels.set(label, label);
    return label;
  }
}

/** True when `a` and `b` are the same scope. */
export function sameScope(a: Scope, b: Scope): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'org':
      return b.kind === 'org';
    case 'env':
      return b.kind === 'env' && a.env === b.env;
    case 'proxy':
      return b.kind === 'proxy' && a.proxy === b.proxy;
    case 'revision':
      return b.kind === 'revision' && a.proxy === b.proxy && a.revision === b.revision;
  }
}

/** A key that identifies a scope in maps: `org`, `env:qa`, `proxy:p1`, `revision:p1:3`. */
export function scopeKey(scope: Scope): string {
  switch (scope.kind) {
    case 'org':
      return 'org';
    case 'env':
      return `env:${scope.env}`;
    case 'proxy':
      return `proxy:${scope.proxy}`;
    case 'revision':
      return `revision:${scope.proxy}:${scope.revision}`;
  }
}
