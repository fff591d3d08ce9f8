// Decodes the `a_scp` column of Apigee hybrid's KVM tables into a Scope; unknown kinds are collected, never guessed.
//
// Known forms: "" is the organization, "environments###<env>" an environment (both seen in real
// dumps and in the original amu's lib/amu/amu-export-kvms-hybrid.awk, apigee/ahr). How hybrid
// writes a proxy-scoped map is not documented, and no public source shows it (searched apigee/ahr,
// apigee/apigeecli, Cassandra-level KVM code, issue trackers for "apis###"/"apiproxies###"), so
// no proxy kind is known by default: such rows are reported with their kind, and the caller may
// name the kind explicitly (`extraKinds`, e.g. { apis: 'proxy' }) once a dump shows it.

import { InputError } from '../errors.js';
import type { Scope } from './model.js';
import { ownedText } from './ownedText.js';

/** The separator between kind and name in `a_scp`. */
export const SCOPE_SEPARATOR = '###';

/** What a kind in `a_scp` stands for. */
export type HybridScopeKind = 'env' | 'proxy';

/** Kinds known from evidence. */
export const KNOWN_SCOPE_KINDS: Readonly<Record<string, HybridScopeKind>> = Object.freeze({ environments: 'env' });

/** The outcome of reading one `a_scp`: a scope, an unknown kind, or text of no known form. */
export type HybridScopeResult = { scope: Scope } | { unknownKind: string } | { malformed: string };

/** The kind table to use: the known kinds plus the caller's. */
function kindTable(extraKinds: Readonly<Record<string, HybridScopeKind>>): Readonly<Record<string, HybridScopeKind>> {
  return { ...KNOWN_SCOPE_KINDS, ...extraKinds };
}

/** Classifies an `a_scp` value without throwing. */
export function classifyHybridScope(
  aScp: string,
  extraKinds: Readonly<Record<string, HybridScopeKind>> = {},
): HybridScopeResult {
  if (aScp === '') return { scope: { kind: 'org' } };
  const sep = aScp.indexOf(SCOPE_SEPARATOR);
  if (sep < 0) return { malformed: `"${aScp}" is neither empty nor <kind>${SCOPE_SEPARATOR}<name>` };
  const kind = aScp.slice(0, sep);
  const name = aScp.slice(sep + SCOPE_SEPARATOR.length);
  if (kind === '' || name === '') return { malformed: `"${aScp}" has an empty kind or name` };
  const table = kindTable(extraKinds);
  const meaning = Object.hasOwn(table, kind) ? table[kind] : undefined;
  if (meaning === 'env') return { scope: { kind: 'env', env: name } };
  if (meaning === 'proxy') return { scope: { kind: 'proxy', proxy: name } };
  return { unknownKind: kind };
}

/** Decodes one `a_scp` value; `where` (e.g. "dump.out line 12") names it in errors. */
export function decodeHybridScope(
  aScp: string,
  where: string,
  extraKinds: Readonly<Record<string, HybridScopeKind>> = {},
): Scope {
  const result = classifyHybridScope(aScp, extraKinds);
  if ('scope' in result) return result.scope;
  if ('malformed' in result) throw new InputError(`${where}: a_scp ${result.malformed}`);
  throw unknownKindsError([{ kind: result.unknownKind, firstSeen: where, count: 1 }]);
}

/** One unknown kind, where it was first seen, and how many rows carry it. */
export interface UnknownScopeKind {
  kind: string;
  firstSeen: string;
  count: number;
}

/** The error listing every unknown kind. */
function unknownKindsError(unknown: UnknownScopeKind[]): InputError {
  const kinds = unknown.map((u) => u.kind).join(', ');
  const details = unknown.map((u) => `"${u.kind}###…": ${u.count} row(s), first at ${u.firstSeen}`);
  details.push('only "" (organization) and "environments###<env>" are known; amu stopped before writing anything');
  return new InputError(`unknown a_scp scope kind(s): ${kinds}`, details);
}

/**
 * Decodes many `a_scp` values, collecting unknown kinds so that one error can list all of them.
 * Malformed values throw at once (they are damage, not an unknown dialect).
 */
export class ScopeDecoder {
  private readonly unknown = new Map<string, UnknownScopeKind>();
  private readonly cache = new Map<string, HybridScopeResult>();

  constructor(private readonly extraKinds: Readonly<Record<string, HybridScopeKind>> = {}) {}

  /** The scope of `aScp`, or null when its kind is unknown (then it is recorded). */
  decode(aScp: string, where: string): Scope | null {
    const result = this.classify(aScp);
    if ('scope' in result) return result.scope;
    if ('malformed' in result) throw new InputError(`${where}: a_scp ${result.malformed}`);
    const seen = this.unknown.get(result.unknownKind);
    if (seen) seen.count++;
    else this.unknown.set(result.unknownKind, { kind: result.unknownKind, firstSeen: where, count: 1 });
    return null;
  }

  /** Every unknown kind met so far, in order of first appearance. */
  unknownKinds(): UnknownScopeKind[] {
    return [...this.unknown.values()].map((u) => ({ ...u }));
  }

  /** Throws one InputError listing all unknown kinds, if any were met. */
  throwIfUnknown(): void {
    if (this.unknown.size > 0) throw unknownKindsError(this.unknownKinds());
  }

  private classify(aScp: string): HybridScopeResult {
    let result = this.cache.get(aScp);
    if (result === undefined) {
      // Kept for the whole dump: a copy, not a view of the (possibly megabytes long) line the value was cut from.
      const owned = ownedText(aScp);
      result = classifyHybridScope(owned, this.extraKinds);
      this.cache.set(owned, result);
    }
    return result;
  }
}

/** The distinct unknown kinds among `aScps`, in order of first appearance (malformed values ignored). */
export function collectUnknownScopeKinds(
  aScps: Iterable<string>,
  extraKinds: Readonly<Record<string, HybridScopeKind>> = {},
): string[] {
  const kinds = new Set<string>();
  for (const aScp of aScps) {
    const result = classifyHybridScope(aScp, extraKinds);
    if ('unknownKind' in result) kinds.add(result.unknownKind);
  }
  return [...kinds];
}
