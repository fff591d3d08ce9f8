// Writes import-kvms.sh beside apigeecli files: creates each KVM and imports its entries with apigeecli; safe to run again.
import { escapeControl } from '../../cli/output.js';
import type { PlacedKvm } from './target.js';
import { ByteChunks } from '../../fs/byteChunks.js';
import { apigeecliFileName, type ApigeecliNaming } from './apigeecliNames.js';

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

/** The script's line for `kvm`, whose entries are in `file`. */
function callFor(kvm: ScriptKvm, file: string): string {
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

const SCOPE_ORDER = { org: 0, env: 1, proxy: 2, revision: 3 } as const;

/**
 * The script's call lines, one added as each KVM is written (the work spread over the export), sorted once at the
 * end: org scope first, then environments, then proxies, each by the order String#localeCompare gives (one collator
 * for all), ties in the order added.
 */
export class ImportScriptLines {
  private readonly lines: string[] = [];
  private readonly ranks: number[] = [];
  /** Line indexes in the script's order, once sorted. */
  private order: number[] | undefined;

  constructor(private readonly naming: ApigeecliNaming) {}

  /** A KVM written to `file` (its apigeecli file name, when already known). */
  add(kvm: ScriptKvm, file = apigeecliFileName(kvm, this.naming)): void {
    const call = callFor(kvm, file);
    call.charCodeAt(0); // flattens the string V8 built by concatenation (its pieces die young)
    this.lines.push(call);
    this.ranks.push(SCOPE_ORDER[kvm.scope.kind]);
  }

  /** Puts the lines in the script's order. */
  private sort(): void {
    const { lines, ranks } = this;
    const order = Array.from({ length: lines.length }, (_, i) => i);
    const collator = new Intl.Collator();
    order.sort((a, b) => ranks[a]! - ranks[b]! || collator.compare(lines[a]!, lines[b]!) || a - b);
    this.order = order;
  }

  /** The whole script as UTF-8, a megabyte at a time (for 100k KVMs it is tens of megabytes); the lines are let go. */
  *chunks(): Generator<Uint8Array> {
    this.sort();
    const { lines } = this;
    const order = this.order!;
    const out = new ByteChunks();
    out.text(HEADER);
    for (let i = 0; i < order.length; i++) {
      out.text(lines[order[i]!]!);
      if (i + 1 < order.length) out.text('\n');
      if (out.hasReady()) yield* out.takeReady();
    }
    out.text('\n\n');
    out.text(`echo "${lines.length} KVM(s): $created created, $updated updated (existed already), $skipped skipped (existed already, no entries), $failed failed"\n`);
    out.text('if [ "$failed" -gt 0 ]; then echo "$failed KVM(s) failed to import" >&2; exit 1; fi\n');
    this.lines.length = 0;
    this.ranks.length = 0;
    this.order = undefined;
    out.flush();
    yield* out.takeReady();
  }
}

/** The script for these KVMs as one string. */
export function buildImportScript(kvms: ScriptKvm[], naming: ApigeecliNaming): string {
  const lines = new ImportScriptLines(naming);
  for (const kvm of kvms) lines.add(kvm);
  const copies: Buffer[] = [];
  for (const chunk of lines.chunks()) copies.push(Buffer.from(chunk));
  return Buffer.concat(copies).toString('utf8');
}
