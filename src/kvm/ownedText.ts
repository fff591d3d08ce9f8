// Copies of names cut from dump lines, so that what the first pass keeps per KVM does not keep the lines alive.
//
// V8 keeps a substring of 13 characters or more as a view of the string it was cut from (regular expression
// captures and slices alike): a KVM name kept from a 60 KB dump line holds the 60 KB line, and a first pass over
// 100k KVMs would hold the whole dump. Names kept beyond their line go through ownedText; scopes through ScopeIndex,
// which also shares one object per scope instead of one per KVM.
import { scopeKey, type Scope } from './model.js';

/** Shorter substrings are copies already. */
const SLICE_MIN_LENGTH = 13;

/** `text` as a string of its own (the same characters, exactly; nothing else held alive). */
export function ownedText(text: string): string {
  // The concatenation is made flat (a new string), and the slice is a view of that new string only.
  return text.length < SLICE_MIN_LENGTH ? text : (' ' + text).slice(1);
}

/** One shared, owned Scope object per scope seen. */
export class ScopeIndex {
  private readonly scopes = new Map<string, Scope>();

  owned(scope: Scope): Scope {
    const key = scopeKey(scope);
    let kept = this.scopes.get(key);
    if (kept === undefined) {
      kept = ownedScope(scope);
      this.scopes.set(ownedText(key), kept);
    }
    return kept;
  }
}

function ownedScope(scope: Scope): Scope {
  switch (scope.kind) {
    case 'org':
      return { kind: 'org' };
    case 'env':
      return { kind: 'env', env: ownedText(scope.env) };
    case 'proxy':
      return { kind: 'proxy', proxy: ownedText(scope.proxy) };
    case 'revision':
      return { kind: 'revision', proxy: ownedText(scope.proxy), revision: ownedText(scope.revision) };
  }
}
