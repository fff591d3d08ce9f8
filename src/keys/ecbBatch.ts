// AES-ECB decryption of many ciphertexts laid end to end in one buffer: one AES call per KVM (aesEcb.ts's reused decipher per key).
//
// The same checks and results as decryptEdgeValues (aesEcb.ts), which takes base64 text instead: PKCS#7
// padding of each value, strict UTF-8, values decoded as UTF-8 (a byte-order mark kept). Any failure
// gives null, and the caller decrypts value by value to name the first bad one.

import { isUtf8 } from 'node:buffer';
import { aesEcbDecryptBlocks } from './aesEcb.js';

const BLOCK = 16;

/**
 * Decrypts `data` (ciphertexts of `lengths[i]` bytes each, every one a positive multiple of 16, end to end)
 * with `key`; the plain texts in order, or null when any padding or UTF-8 check fails.
 */
export function decryptLaidOut(key: Buffer, data: Buffer, lengths: ArrayLike<number>, count: number): string[] | null {
  const blocks = aesEcbDecryptBlocks(key, data);
  const allText = isUtf8(blocks);
  const out = new Array<string>(count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = start + lengths[i]!;
    const pad = blocks[end - 1]!;
    if (pad < 1 || pad > BLOCK) return null;
    for (let j = end - pad; j < end - 1; j++) if (blocks[j] !== pad) return null;
    const stop = end - pad;
    if (!allText && !isUtf8(blocks.subarray(start, stop))) return null;
    out[i] = blocks.toString('utf8', start, stop);
    start = end;
  }
  return out;
}
