// Apigee hybrid's per-org Cassandra keyspaces (`<prefix>_<org with - as _>_hybrid`) and safe CQL names and literals.
import { UsageError } from '../errors.js';

/** Apigee organization names: letters, digits and hyphens (hybrid keyspace names replace `-` by `_`). */
const HYBRID_ORG_RE = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** CQL identifiers that need no quotes (unquoted ones are case-insensitive, read as lowercase). */
const BARE_IDENTIFIER_RE = /^[a-z][a-z0-9_]*$/;
/** Names Cassandra allows for keyspaces and tables. */
const CASSANDRA_NAME_RE = /^\w+$/;

/** Refuses org names that could not be part of a keyspace name or of a CQL string literal. */
export function checkHybridOrgName(org: string): void {
  if (!HYBRID_ORG_RE.test(org)) {
    throw new UsageError(`organization name "${org}" is not a valid Apigee organization name (letters, digits and -)`);
  }
}

/** `_<org>_hybrid`, lowercase, `-` as `_`: the end of every keyspace of the org. */
export function orgKeyspaceSuffix(org: string): string {
  return `_${org.toLowerCase().replace(/-/g, '_')}_hybrid`;
}

/** The org's keyspace of one kind: `hybridKeyspace('kvm', 'my-org')` is `kvm_my_org_hybrid`. */
export function hybridKeyspace(prefix: string, org: string): string {
  checkHybridOrgName(org);
  return `${prefix}${orgKeyspaceSuffix(org)}`;
}

/** True for keyspace and table names Cassandra itself would accept (so they are safe in paths and CQL). */
export function isCassandraName(name: string): boolean {
  return CASSANDRA_NAME_RE.test(name);
}

/** A keyspace or table name as CQL text: bare when lowercase, else double-quoted (case kept). */
export function cqlIdentifier(name: string): string {
  return BARE_IDENTIFIER_RE.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A CQL string literal. */
export function cqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
