// The refusal of an emigrate that finds no KVM rows: most often a misspelt organization name, never a quiet success.
import { InputError } from '../errors.js';

export type EmptySource = 'opdk' | 'hybrid';

/** How to list the organizations the source knows, for the message. */
function listHint(src: EmptySource, org: string): string {
  return src === 'opdk'
    ? 'List the organizations of this Edge installation with: amu organizations list --src opdk --cass-ip <cassandra host>'
    : `List the org,env pairs of this hybrid cluster with: amu organizations list --src hybrid --org ${org} --hybrid-version <version>`;
}

/** The error of an emigrate that found no rows; `where` says what was read (e.g. "keyvaluemaps_r21 over CQL"). */
export function noRowsError(src: EmptySource, org: string, where: string): InputError {
  return new InputError(`no KVM rows found for organization "${org}" in ${where}; no dump was written and any earlier dump was kept`, [
    'The organization name may be misspelt (names are case-sensitive).',
    listHint(src, org),
    'If this organization really has no KVMs, run again with --allow-empty (ALLOW_EMPTY=1) to record an empty dump.',
  ]);
}
