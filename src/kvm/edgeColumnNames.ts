// Decodes keyvaluemaps_r21 column names (`<scope>s@kvmaps:s@<lowercased kvm name>`) into scope + KVM key.
//
// Unambiguous reading: Edge never allows `:` or `@` in organization, environment or proxy names, or
// anything but digits in revisions, so the scope part can never contain the marker `s@kvmaps:s@`.
// The FIRST marker therefore ends the scope, and everything after it (which may contain `:`, `@`,
// spaces, even another `s@kvmaps:s@`) is the lowercased KVM name.

import { InputError } from '../errors.js';
import type { Scope } from './model.js';

export const KVM_MARKER = 's@kvmaps:s@';

const ENV_SCOPE = /^s@env:s@([^:]+):$/;
const PROXY_SCOPE = /^s@apis:s@([^:]+):$/;
const REVISION_SCOPE = /^s@apis:s@([^:]+):s@revision:s@([^:]+):$/;

export interface DecodedColumn {
  scope: Scope;
  /** The KVM name as stored in the column name: lowercased by Edge. The real name is in the row value. */
  kvmKey: string;
}

/** Splits a column name into its scope and lowercased KVM name; anything else is an InputError. */
export function decodeColumnName(column: string, where?: string): DecodedColumn {
  const at = column.indexOf(KVM_MARKER);
  if (at === -1) throw badColumn(column, where, `it has no "${KVM_MARKER}" part`);
  const kvmKey = column.slice(at + KVM_MARKER.length);
  if (kvmKey === '') throw badColumn(column, where, 'the KVM name after it is empty');
  const scope = decodeScope(column.slice(0, at));
  if (scope === undefined) throw badColumn(column, where, `unknown scope "${column.slice(0, at)}"`);
  return { scope, kvmKey };
}

/** Builds the column name Edge uses for a KVM (the inverse of decodeColumnName). */
export function encodeColumnName(scope: Scope, kvmName: string): string {
  return scopePrefix(scope) + KVM_MARKER + kvmName.toLowerCase();
}

/** The scope part of a column name: '' for the organization, `s@env:s@<env>:` and so on. */
export function scopePrefix(scope: Scope): string {
  switch (scope.kind) {
    case 'org':
      return '';
    case 'env':
      return `s@env:s@${scope.env}:`;
    case 'proxy':
      return `s@apis:s@${scope.proxy}:`;
    case 'revision':
      return `s@apis:s@${scope.proxy}:s@revision:s@${scope.revision}:`;
  }
}

function decodeScope(prefix: string): Scope | undefined {
  if (prefix === '') return { kind: 'org' };
  let m = ENV_SCOPE.exec(prefix);
  if (m) return { kind: 'env', env: m[1] };
  m = PROXY_SCOPE.exec(prefix);
  if (m) return { kind: 'proxy', proxy: m[1] };
  m = REVISION_SCOPE.exec(prefix);
  if (m) return { kind: 'revision', proxy: m[1], revision: m[2] };
  return undefined;
}

function badColumn(column: string, where: string | undefined, why: string): InputError {
  const at = where === undefined ? '' : `${where}: `;
  return new InputError(`${at}column name ${JSON.stringify(column)} is not a KVM column: ${why}`, [
    'Expected <scope>s@kvmaps:s@<kvm>, where <scope> is empty (organization), s@env:s@<env>:, s@apis:s@<proxy>: or s@apis:s@<proxy>:s@revision:s@<rev>:',
  ]);
}
