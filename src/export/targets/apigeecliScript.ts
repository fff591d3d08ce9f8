// Writes import-kvms.sh beside apigeecli files: creates each KVM and imports its entries with apigeecli; safe to run again.
import { escapeControl } from '../../cli/output.js';
import type { PlacedKvm } from './target.js';
import { apigeecliFileName, type ApigeecliNaming } from './apigeecli.js';

/** A KVM the script imports, with the number of entries its file holds. */
export interface ScriptKvm extends PlacedKvm {
  entries: number;
}

/** Quotes `text` for bash: single quotes, with embedded ones as '\''. */
export function shellQuote(text: string): string {
  return text.includes("'") ? `'${text.replace(/'/g, `'\\''`)}'` : `'${text}'`;
}

/** How the script names a KVM in what it prints: control characters escaped, so a name cannot rewrite the terminal. */
function label(kvm: PlacedKvm): string {
  const where = kvm.scope.kind === 'env' ? ` ${kvm.scope.env}` : kvm.scope.kind === 'proxy' ? ` ${kvm.scope.proxy}` : '';
  return escapeControl(`${kvm.scope.kind}${where} KVM ${kvm.name}`);
}

function callFor(kvm: ScriptKvm, naming: ApigeecliNaming): string {
  const file = apigeecliFileName(kvm, naming);
  const where = kvm.scope.kind === 'env' ? kvm.scope.env : kvm.scope.kind === 'proxy' ? kvm.scope.proxy : '';
  return `import_kvm ${kvm.scope.kind} ${shellQuote(where)} ${shellQuote(kvm.name)} ${shellQuote(file)} ${kvm.entries} ${shellQuote(label(kvm))}`;
}

const HEADER = `#!/usr/bin/env bash
# Made by amu: creates each exported KVM in the target Apigee org and imports its entries with apigeecli.
#   ORG=<target org> ./import-kvms.sh
# Authentication, the apigeecli flags added to every call:
#   APIGEECLI_ACCOUNT=/path/sa.json   --account with that service-account key file (spaces in the path are fine)
#   APIGEECLI_AUTH='<flags>'          these flags, split as shell words ('quoted parts' stay whole; nothing is run)
#   APIGEECLI_AUTH=''                 no flag: the token apigeecli cached ("apigeecli token cache")
#   neither set                       --default-token (gcloud application-default credentials)
# Safe to run again: a KVM that exists already is not an error; its entries are imported (apigeecli updates
# entries of the same name), or it is skipped when the export holds no entries for it. The last line counts
# the KVMs created, updated, skipped and failed.
set -uo pipefail
: "\${ORG:?set ORG to the target Apigee organization}"
here="$(cd "$(dirname "$0")" && pwd)"
auth=()
if [ -n "\${APIGEECLI_ACCOUNT:-}" ]; then
  auth=(--account "$APIGEECLI_ACCOUNT")
elif [ -z "\${APIGEECLI_AUTH+set}" ]; then
  auth=(--default-token)
elif [ -n "\${APIGEECLI_AUTH//[[:space:]]/}" ]; then
  if ! words="$(xargs printf '%s\\n' <<< "$APIGEECLI_AUTH" 2>/dev/null)"; then
    echo "APIGEECLI_AUTH cannot be split into words (an unbalanced quote?)" >&2
    exit 2
  fi
  mapfile -t auth <<< "$words"
fi
created=0 updated=0 skipped=0 failed=0

# import_kvm <kind> <env or proxy> <name> <file> <entries in the file> <label to print>
import_kvm() {
  local kind=$1 where=$2 name=$3 file=$4 entries=$5 label=$6 loc=() out state
  case "$kind" in
    env) loc=(-e "$where") ;;
    proxy) loc=(-p "$where") ;;
  esac
  echo "== $label"
  if out="$(apigeecli kvms create -o "$ORG" \${loc[@]+"\${loc[@]}"} -n "$name" \${auth[@]+"\${auth[@]}"} 2>&1)"; then
    state=created
  elif grep -qiE 'already exists|ALREADY_EXISTS|"code": *409' <<< "$out"; then
    if [ "$entries" -eq 0 ]; then
      echo "   exists already and the export holds no entries for it: skipped"
      skipped=$((skipped + 1))
      return
    fi
    echo "   exists already: importing its $entries entries (entries of the same name are updated)"
    state=updated
  else
    printf '%s\\n' "$out" | cat -v | sed 's/^/   /' >&2
    echo "   FAILED to create $label" >&2
    failed=$((failed + 1))
    return
  fi
  if apigeecli kvms entries import -o "$ORG" \${loc[@]+"\${loc[@]}"} -m "$name" -f "$here/$file" \${auth[@]+"\${auth[@]}"}; then
    if [ "$state" = created ]; then created=$((created + 1)); else updated=$((updated + 1)); fi
  else
    echo "   FAILED to import the entries of $label" >&2
    failed=$((failed + 1))
  fi
}

`;

/** The script for these KVMs, org scope first, then environments, then proxies. */
export function buildImportScript(kvms: ScriptKvm[], naming: ApigeecliNaming): string {
  return [...importScriptPieces(kvms, naming)].join('');
}

/**
 * The call lines of `kvms`, each a flat string (made flat at once, so the pieces it was built from die young instead
 * of filling the old generation for 100k KVMs), in the script's order: org scope first, then environments, then
 * proxies, each by the order String#localeCompare gives (one collator for all), ties in the order given.
 */
function sortedCalls(kvms: ScriptKvm[], naming: ApigeecliNaming): string[] {
  const order = { org: 0, env: 1, proxy: 2, revision: 3 } as const;
  const calls = new Array<string>(kvms.length);
  const ranks = new Uint8Array(kvms.length);
  const indexes = new Array<number>(kvms.length);
  for (let i = 0; i < kvms.length; i++) {
    const call = callFor(kvms[i]!, naming);
    call.charCodeAt(0); // flattens the string V8 built by concatenation
    calls[i] = call;
    ranks[i] = order[kvms[i]!.scope.kind];
    indexes[i] = i;
  }
  const collator = new Intl.Collator();
  indexes.sort((a, b) => ranks[a]! - ranks[b]! || collator.compare(calls[a]!, calls[b]!) || a - b);
  return indexes.map((i) => calls[i]!);
}

/** The same text in pieces of about a megabyte (for 100k KVMs the script is tens of megabytes). */
export function* importScriptPieces(kvms: ScriptKvm[], naming: ApigeecliNaming): Generator<string> {
  const lines = sortedCalls(kvms, naming);
  yield HEADER;
  let batch: string[] = [];
  let chars = 0;
  for (let i = 0; i < lines.length; i++) {
    batch.push(lines[i]!);
    if (i + 1 < lines.length) batch.push('\n');
    chars += lines[i]!.length + 1;
    if (chars >= 1024 * 1024) {
      yield batch.join('');
      batch = [];
      chars = 0;
    }
  }
  batch.push(
    '\n\n',
    `echo "${kvms.length} KVM(s): $created created, $updated updated (existed already), $skipped skipped (existed already, no entries), $failed failed"\n`,
    'if [ "$failed" -gt 0 ]; then echo "$failed KVM(s) failed to import" >&2; exit 1; fi\n',
  );
  yield batch.join('');
}
