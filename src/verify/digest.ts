// Content digests of KVM entries: what `kvms verify` compares and shows instead of names and values.
import { createHash } from 'node:crypto';
import type { KvmEntry } from '../kvm/model.js';

/** A KVM's content reduced to what verify keeps: the entry count and a digest, never a name or value. */
export interface ContentDigest {
  entries: number;
  /** sha256 hex of the canonical serialisation. */
  digest: string;
}

/** Length of the digest prefix shown to users. */
export const SHORT_DIGEST = 12;

function compareEntries(a: KvmEntry, b: KvmEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/**
 * sha256 over the entries sorted by name then value, one JSON `[name, value]` line each.
 * Order is ignored on purpose: neither apigeecli (parallel upserts) nor the maven plugin keeps it,
 * and Apigee lists entries in its own order, so two trees that differ only in order import alike.
 */
export function digestEntries(entries: readonly KvmEntry[]): ContentDigest {
  const hash = createHash('sha256');
  // The same bytes as one update of `JSON.stringify([name, value])\n` per entry, hashed about 256 K characters at a time.
  let pieces: string[] = [];
  let chars = 0;
  for (const e of [...entries].sort(compareEntries)) {
    const line = `[${JSON.stringify(e.name)},${JSON.stringify(e.value)}]\n`;
    pieces.push(line);
    chars += line.length;
    if (chars >= 256 * 1024) {
      hash.update(pieces.join(''));
      pieces = [];
      chars = 0;
    }
  }
  if (pieces.length > 0) hash.update(pieces.join(''));
  return { entries: entries.length, digest: hash.digest('hex') };
}

export function shortDigest(digest: string): string {
  return digest.slice(0, SHORT_DIGEST);
}
