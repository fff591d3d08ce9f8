// Resource paths of the Apigee API v1 for key value maps, and which names a URL path can carry.
import type { Scope } from '../kvm/model.js';

/** A scope on Apigee X / hybrid: no revisions (export maps them to the proxy). */
export type TargetScope = Exclude<Scope, { kind: 'revision' }>;

/** One path segment, percent-encoded (`%`, spaces, unicode, `?`, `#` all travel; `/` is refused by addressability). */
export function segment(name: string): string {
  return encodeURIComponent(name);
}

/**
 * How a name can be used in the API: `ok`; `post-only` when the body of a POST can carry it but no URL path can
 * (a `/`, which Google's front end does not accept encoded, or `.`/`..`, which paths normalise away): it can be
 * created but never read, updated or deleted one by one; `impossible` when not even a POST can (empty).
 */
export type Addressability = 'ok' | 'post-only' | 'impossible';

export function addressability(name: string): Addressability {
  if (name === '') return 'impossible';
  if (name.includes('/') || name === '.' || name === '..') return 'post-only';
  return 'ok';
}

/** `organizations/o`, `organizations/o/environments/e`, `organizations/o/apis/p`. */
export function scopePath(org: string, scope: TargetScope): string {
  const base = `organizations/${segment(org)}`;
  if (scope.kind === 'env') return `${base}/environments/${segment(scope.env)}`;
  if (scope.kind === 'proxy') return `${base}/apis/${segment(scope.proxy)}`;
  return base;
}

export function kvmsPath(org: string, scope: TargetScope): string {
  return `${scopePath(org, scope)}/keyvaluemaps`;
}

export function kvmPath(org: string, scope: TargetScope, kvm: string): string {
  return `${kvmsPath(org, scope)}/${segment(kvm)}`;
}

export function entriesPath(org: string, scope: TargetScope, kvm: string): string {
  return `${kvmPath(org, scope, kvm)}/entries`;
}

export function entryPath(org: string, scope: TargetScope, kvm: string, entry: string): string {
  return `${entriesPath(org, scope, kvm)}/${segment(entry)}`;
}

/** The full URL of an API path under `--api-url` (which may carry a path prefix of its own). */
export function apiUrl(base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}/v1/${path}`);
}
