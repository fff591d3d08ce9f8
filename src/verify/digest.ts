// Keyed content digests of KVM entries: what `kvms verify` compares and shows instead of names and values.
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { KvmEntry } from '../kvm/model.js';
import type { EntryLines } from './entryLines.js';

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

/** Characters JSON.stringify escapes (or may: every surrogate, paired or not); without them it only adds quotes. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON.stringify escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** JSON.stringify of a string, without its call for the common string that needs no escape. */
function quoted(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Entries in digest order: the array itself when it is already sorted (no copy), else a sorted copy. */
function inDigestOrder(entries: readonly KvmEntry[]): readonly KvmEntry[] {
  for (let i = 1; i < entries.length; i++) if (compareEntries(entries[i - 1]!, entries[i]!) > 0) return [...entries].sort(compareEntries);
  return entries;
}

/**
 * Digests KVM contents with HMAC-SHA256 under a key drawn at random for one verify run and never shown or kept:
 * digests of the same run compare (dump against export), while a printed digest says nothing about the values
 * (an unkeyed hash of a short value, a PIN, is reversed by trying every value).
 */
export class ContentDigester {
  private readonly key: KeyObject;

  constructor(key: Buffer = randomBytes(KEY_BYTES)) {
    this.key = createSecretKey(Buffer.from(key));
  }

  /**
   * Over the entries sorted by name then value, one JSON `[name, value]` line each.
   * Order is ignored on purpose: neither apigeecli (parallel upserts) nor the maven plugin keeps it,
   * and Apigee lists entries in its own order, so two trees that differ only in order import alike.
   */
  digest(entries: readonly KvmEntry[]): ContentDigest {
    const hmac = createHmac('sha256', this.key);
    // The same bytes as one update of `JSON.stringify([name, value])\n` per entry, hashed about 256 K characters at a time.
    let batch = '';
    for (const e of inDigestOrder(entries)) {
      batch += `[${quoted(e.name)},${quoted(e.value)}]\n`;
      if (batch.length >= 64 * 1024) {
        hmac.update(batch);
        batch = '';
      }
    }
    if (batch.length > 0) hmac.update(batch);
    return { entries: entries.length, digest: hmac.digest('hex') };
  }

  /** The same digest of lines read from a file's bytes (EntryLines), never turned into strings. */
  digestLines(lines: EntryLines): ContentDigest {
    return { entries: lines.count, digest: createHmac('sha256', this.key).update(lines.sorted()).digest('hex') };
  }
}

export function shortDigest(digest: string): string {
  return digest.slice(0, SHORT_DIGEST);
}
