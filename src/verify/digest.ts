// Keyed content digests of KVM entries: what `kvms verify` compares and shows instead of names and values.
import { createHmac, randomBytes } from 'node:crypto';
import type { KvmEntry } from '../kvm/model.js';

/** A KVM's content reduced to what verify keeps: the entry count and a digest, never a name or value. */
export interface ContentDigest {
  entries: number;
  /** HMAC-SHA256 hex of the canonical serialisation, under the run's key. */
  digest: string;
}

/** Length of the digest prefix shown to users. */
export const SHORT_DIGEST = 12;

/** Bytes of the random key of one run. */
const KEY_BYTES = 32;

function compareEntries(a: KvmEntry, b: KvmEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/**
 * Digests KVM contents with HMAC-SHA256 under a key drawn at random for one verify run and never shown or kept:
 * digests of the same run compare (dump against export), while a printed digest says nothing about the values
 * (an unkeyed hash of a short value, a PIN, is reversed by trying every value).
 */
export class ContentDigester {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(KEY_BYTES)) {
    this.key = Buffer.from(key);
  }

  /**
   * Over the entries sorted by name then value, one JSON `[name, value]` line each.
   * Order is ignored on purpose: neither apigeecli (parallel upserts) nor the maven plugin keeps it,
   * and Apigee lists entries in its own order, so two trees that differ only in order import alike.
   */
  digest(entries: readonly KvmEntry[]): ContentDigest {
    const hmac = createHmac('sha256', this.key);
    // The same bytes as one update of `JSON.stringify([name, value])\n` per entry, hashed about 256 K characters at a time.
    let pieces: string[] = [];
    let chars = 0;
    for (const e of [...entries].sort(compareEntries)) {
      const line = `[${JSON.stringify(e.name)},${JSON.stringify(e.value)}]\n`;
      pieces.push(line);
      chars += line.length;
      if (chars >= 256 * 1024) {
        hmac.update(pieces.join(''));
        pieces = [];
        chars = 0;
      }
    }
    if (pieces.length > 0) hmac.update(pieces.join(''));
    return { entries: entries.length, digest: hmac.digest('hex') };
  }
}

export function shortDigest(digest: string): string {
  return digest.slice(0, SHORT_DIGEST);
}
