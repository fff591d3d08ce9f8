// Writes import-kvms.sh beside apigeecli files: creates each KVM and imports its entries with apigeecli, scope by scope.
import type { PlacedKvm } from './target.js';
import { apigeecliFileName, type ApigeecliNaming } from './apigeecli.js';

export const IMPORT_SCRIPT = 'import-kvms.sh';

/** Quotes `text` for bash: single quotes, with embedded ones as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function callFor(kvm: PlacedKvm, naming: ApigeecliNaming): string {
  const file = apigeecliFileName(kvm, naming);
  const where = kvm.scope.kind === 'env' ? kvm.scope.env : kvm.scope.kind === 'proxy' ? kvm.scope.proxy : '';
  return `import_kvm ${kvm.scope.kind} ${shellQuote(where)} ${shellQuote(kvm.name)} ${shellQuote(file)}`;
}

const HEADER = `#!/usr/bin/env bash
# Made by amu: creates each exported KVM in the target Apigee org and imports its entries with apigeecli.
#   ORG=<target org> ./import-kvms.sh
# Authentication: apigeecli's --default-token (gcloud application-default credentials) unless
# APIGEECLI_AUTH holds other apigeecli flags (e.g. "--account /path/sa.json"). A KVM that exists
# already is reported and its entries are still imported (existing entries of the same name fail).
set -uo pipefail
: "\${ORG:?set ORG to the target Apigee organization}"
here="$(cd "$(dirname "$0")" && pwd)"
read -r -a auth <<< "\${APIGEECLI_AUTH:---default-token}"
failures=0

import_kvm() {
  local kind=$1 where=$2 name=$3 file=$4 loc=()
  case "$kind" in
    env) loc=(-e "$where") ;;
    proxy) loc=(-p "$where") ;;
  esac
  echo "== $kind \${where:+$where }KVM $name"
  apigeecli kvms create -o "$ORG" \${loc[@]+"\${loc[@]}"} -n "$name" "\${auth[@]}" >/dev/null \\
    || echo "   could not create $name (it may exist already); importing its entries anyway" >&2
  if ! apigeecli kvms entries import -o "$ORG" \${loc[@]+"\${loc[@]}"} -m "$name" -f "$here/$file" "\${auth[@]}"; then
    echo "   FAILED to import the entries of $name from $file" >&2
    failures=$((failures + 1))
  fi
}

`;

/** The script for these KVMs, org scope first, then environments, then proxies. */
export function buildImportScript(kvms: PlacedKvm[], naming: ApigeecliNaming): string {
  const order = { org: 0, env: 1, proxy: 2, revision: 3 } as const;
  const sorted = [...kvms].sort((a, b) => order[a.scope.kind] - order[b.scope.kind] || callFor(a, naming).localeCompare(callFor(b, naming)));
  const calls = sorted.map((k) => callFor(k, naming)).join('\n');
  return `${HEADER}${calls}\n\nif [ "$failures" -gt 0 ]; then echo "$failures KVM(s) failed to import" >&2; exit 1; fi\necho "all ${kvms.length} KVM(s) imported"\n`;
}
