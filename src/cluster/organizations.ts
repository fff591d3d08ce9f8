// Organizations: Edge's, from kms.organizations over CQL; Apigee hybrid's org,env pairs of an org, read from its
// runtime contract table rtc_<org>_hybrid.contract_ref with cqlsh in amu's client pod.
//
// What the table holds beyond its `org` and `env` columns is not documented; the bash amu read it
// with `COPY rtc_<org>_hybrid.contract_ref(org,env) TO STDOUT`, which confirms those two names. amu
// selects `*` and finds the columns by name, so an unexpected layout is reported with the columns it
// has. A pair appears once per contract row, so pairs are made distinct (and sorted).
import { TextDecoder } from 'node:util';
import type { CqlSession } from '../adapters/cql.js';
import type { KubeAdapter } from '../adapters/kube/index.js';
import { ExternalError } from '../errors.js';
import type { ClientPod } from './clientPod.js';
import { queryCqlsh, type CqlshResult } from './cqlshExec.js';
import { hybridKeyspace } from './keyspaces.js';

export interface OrgEnvPair {
  org: string;
  env: string;
}

export interface OrgEnvList {
  /** `rtc_<org>_hybrid.contract_ref`. */
  table: string;
  pairs: OrgEnvPair[];
  /** Rows whose org or env is null or empty (left out). */
  incompleteRows: number;
}

export const ORG_COLUMN = 'org';
export const ENV_COLUMN = 'env';

/** `rtc_<org>_hybrid.contract_ref`. */
export function contractRefTable(org: string): string {
  return `${hybridKeyspace('rtc', org)}.contract_ref`;
}

/** Throws when the result lacks the org or env column, naming the columns it has. */
function checkPairColumns(result: CqlshResult, table: string): void {
  const missing = [ORG_COLUMN, ENV_COLUMN].filter((c) => !result.columns.includes(c));
  if (missing.length > 0) {
    throw new ExternalError(`${table} has no ${missing.join(' and ')} column, so amu cannot read org,env pairs from it`, [
      `its columns: ${result.columns.join(', ')}`,
    ]);
  }
}

/** Distinct org,env pairs of the result, sorted by org then env. */
export function orgEnvPairs(result: CqlshResult, table: string): OrgEnvList {
  checkPairColumns(result, table);
  const seen = new Map<string, OrgEnvPair>();
  let incompleteRows = 0;
  for (const row of result.rows) {
    const org = row.cells[ORG_COLUMN];
    const env = row.cells[ENV_COLUMN];
    if (!org || !env) {
      incompleteRows++;
      continue;
    }
    seen.set(JSON.stringify([org, env]), { org, env });
  }
  const pairs = [...seen.values()].sort((a, b) => (a.org === b.org ? compare(a.env, b.env) : compare(a.org, b.org)));
  return { table, pairs, incompleteRows };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads contract_ref with cqlsh in the pod and returns its distinct org,env pairs. */
export async function listOrgEnvPairs(kube: KubeAdapter, pod: ClientPod, org: string, onWarning?: (text: string) => void): Promise<OrgEnvList> {
  const table = contractRefTable(org);
  const result = await queryCqlsh(kube, pod, `SELECT * FROM ${table};`, table, onWarning);
  const list = orgEnvPairs(result, table);
  if (list.incompleteRows > 0) onWarning?.(`${list.incompleteRows} rows of ${table} have no org or env; left out`);
  return list;
}

export const LIST_ORGANIZATIONS_QUERY = 'SELECT key FROM kms.organizations';

/** Edge organization names from `kms.organizations` (text keys, or UTF-8 blob keys), sorted. */
export async function listOrganizationsOverCql(session: CqlSession, pageSize = 1000): Promise<string[]> {
  const names = new Set<string>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  for await (const page of session.scan(LIST_ORGANIZATIONS_QUERY, [], { pageSize })) {
    for (const [key] of page.rows) {
      if (typeof key === 'string') names.add(key);
      else if (Buffer.isBuffer(key)) names.add(decodeKey(utf8, key));
      else if (key !== null && key !== undefined) throw new ExternalError(`kms.organizations has a key of unexpected type ${typeof key}`);
    }
  }
  return [...names].sort();
}

function decodeKey(utf8: TextDecoder, key: Buffer): string {
  try {
    return utf8.decode(key);
  } catch {
    throw new ExternalError(`kms.organizations has a key that is not UTF-8: 0x${key.toString('hex')}`);
  }
}
