// Names amu uses in a hybrid cluster: the Cassandra service, the secrets of Cassandra's credentials and CA, and the candidate
// names of the secrets holding the encryption keys, in the order to try.
//
// The encoded names shorten org and env to 15 characters and add 7 hex digits of a SHA-256, to stay
// under Kubernetes' 63-character limit. The rule, as found in public sources:
// - apigee/apigee-remote-service-cli, cmd/provision/config.go: shortName(s) = s[:15] (whole s when
//   shorter), shortSha(s) = first 7 hex digits of sha256(s), and
//   EnvScopeEncodedName(org, env) = shortName(org)-shortName(env)-shortSha("org:env");
// - Apigee hybrid's Helm charts, templates/_helpers.tpl: "shortName" = substr 0 15, "shortSha" =
//   sha256sum | trunc 7, "orgScopeEncodedName" = shortName(org)-shortSha(org), and
//   "envScopeEncodedName" as above.
// apigeectl-era installs name the secrets `<encoded>-encryption-keys` in namespace `apigee`; the
// kpt installer uses `<org>-encryption-keys` / `<org>-<env>-encryption-keys`; an `apigee-` prefix
// may appear in newer releases (unconfirmed). Org and env names are ASCII ([a-z0-9-]), so cutting
// at 15 UTF-16 units equals Go's and sprig's cut at 15 bytes.

import { createHash } from 'node:crypto';

/** Cassandra's DML user and password (made by Apigee hybrid), read by the CQL reader and mounted by the client pod. */
export const DML_CREDS_SECRET = 'apigee-datastore-default-creds';
export const DML_CREDS_KEYS = ['dml.user', 'dml.password'] as const;
/** Cassandra's TLS material; `ca.crt` checks the server's certificate. */
export const CASSANDRA_TLS_SECRET = 'apigee-cassandra-default-tls';
export const CASSANDRA_CA_KEY = 'ca.crt';

/** Suffix of every key secret's name. */
export const KEY_SECRET_SUFFIX = '-encryption-keys';

/** The Cassandra service's name in the cluster: the host the client pod connects to, and what its certificate holds. */
export function cassandraServiceName(namespace: string): string {
  return `apigee-cassandra-default.${namespace}.svc.cluster.local`;
}
/** Prefix some releases put before the name (unconfirmed; tried last). */
export const KEY_SECRET_PREFIX = 'apigee-';

/** Up to the first 15 characters (Apigee's shortName). */
export function shortName(name: string): string {
  return name.slice(0, 15);
}

/** The first 7 hex digits of the SHA-256 of the UTF-8 text (Apigee's shortSha). */
export function shortSha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 7);
}

/** Apigee's orgScopeEncodedName: `<org[:15]>-<sha256(org)[:7]>`. */
export function orgEncodedName(org: string): string {
  return `${shortName(org)}-${shortSha(org)}`;
}

/** Apigee's envScopeEncodedName: `<org[:15]>-<env[:15]>-<sha256("org:env")[:7]>`. */
export function envEncodedName(org: string, env: string): string {
  return `${shortName(org)}-${shortName(env)}-${shortSha(`${org}:${env}`)}`;
}

/** Distinct names in first-seen order. */
function distinct(names: string[]): string[] {
  return [...new Set(names)];
}

/** The names to try for the org-level secret (org- and proxy-scope KVM key), most likely first. */
export function orgSecretCandidates(org: string): string[] {
  const encoded = orgEncodedName(org) + KEY_SECRET_SUFFIX;
  const plain = org + KEY_SECRET_SUFFIX;
  return distinct([encoded, plain, KEY_SECRET_PREFIX + encoded, KEY_SECRET_PREFIX + plain]);
}

/** The names to try for an environment's secret (env-scope KVM key), most likely first. */
export function envSecretCandidates(org: string, env: string): string[] {
  const encoded = envEncodedName(org, env) + KEY_SECRET_SUFFIX;
  const plain = `${org}-${env}${KEY_SECRET_SUFFIX}`;
  return distinct([encoded, plain, KEY_SECRET_PREFIX + encoded, KEY_SECRET_PREFIX + plain]);
}
