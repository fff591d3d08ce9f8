// AES-ECB with PKCS#7 padding as Edge uses it for KVMs: KEK -> wrapped DEK -> encrypted values.
//
// Speed: createDecipheriv per value costs about 3-4 us (context setup dominates). ECB has no chaining
// state, so one cipher context per key is kept (padding off) and reused: update() on whole blocks
// returns exactly those blocks decrypted and leaves nothing buffered; padding is checked here.
// decryptEdgeValues() also batches many values into a single update() call (fastest path).

import { isUtf8 } from 'node:buffer';
import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';
import { isStrictBase64 } from './base64.js';

const BLOCK = 16;
/** Bytes of an AES-128, AES-192 and AES-256 key. */
export const AES_KEY_LENGTHS: readonly number[] = [16, 24, 32];
const MAX_CACHED_KEYS = 256;

/** True when `length` bytes make an AES key. */
export function isAesKeyLength(length: number): boolean {
  return AES_KEY_LENGTHS.includes(length);
}

/** Why a decryption was refused. `index` is the position in a batch. */
export type DecryptFailureReason = 'base64' | 'length' | 'padding' | 'utf8' | 'dek';

/**
 * A ciphertext did not decrypt to what it should: wrong key (bad padding, rarely non-UTF-8 text),
 * or a value that is not Edge ciphertext. Internal: callers turn it into a KeyError or InputError
 * naming the KVM and scope. Messages never contain key bytes or plaintext.
 */
export class DecryptFailure extends Error {
  constructor(
    readonly reason: DecryptFailureReason,
    message: string,
    readonly index?: number,
  ) {
    super(message);
    this.name = 'DecryptFailure';
  }
}

const decipherCache = new Map<string, Decipher>();
const cipherCache = new Map<string, Cipher>();

/** AES-ECB decrypt with PKCS#7 padding; the AES size follows the key length (16/24/32 bytes). */
export function aesEcbDecrypt(key: Buffer, data: Buffer): Buffer {
  checkCiphertextLength(data.length);
  const blocks = decipherFor(key).update(data);
  return blocks.subarray(0, blocks.length - paddingLength(blocks, blocks.length));
}

/**
 * Whole blocks decrypted with `key`, padding left in place (the caller checks it): for callers that decrypt many
 * values at once and check each one's padding and text themselves.
 */
export function aesEcbDecryptBlocks(key: Buffer, data: Buffer): Buffer {
  return decipherFor(key).update(data);
}

/** AES-ECB encrypt with PKCS#7 padding (tests and the test kit; Edge's own format). */
export function aesEcbEncrypt(key: Buffer, data: Buffer): Buffer {
  const pad = BLOCK - (data.length % BLOCK);
  const padded = Buffer.allocUnsafe(data.length + pad);
  data.copy(padded, 0);
  padded.fill(pad, data.length);
  return cipherFor(key).update(padded);
}

/**
 * Unwraps a scope's DEK (the keystore pseudo-KVM's `key1`): base64 -> AES-ECB(KEK) -> base64 text
 * -> DEK bytes. Both base64 layers must be strict and the DEK 16, 24 or 32 bytes long.
 */
export function unwrapEdgeDek(kek: Buffer, wrappedB64: string): Buffer {
  const text = aesEcbDecrypt(kek, decodeBase64Strict(wrappedB64));
  const dekB64 = text.toString('latin1');
  if (!isStrictBase64(dekB64)) {
    throw new DecryptFailure('dek', 'the wrapped DEK decrypts to something that is not base64 text (wrong KEK?)');
  }
  const dek = Buffer.from(dekB64, 'base64');
  if (!isAesKeyLength(dek.length)) {
    throw new DecryptFailure('dek', `the unwrapped DEK has ${dek.length} bytes, not 16, 24 or 32 (wrong KEK?)`);
  }
  return dek;
}

/** Wraps a DEK like Edge: base64(AES-ECB(KEK, ASCII(base64(DEK)))). */
export function wrapEdgeDek(kek: Buffer, dek: Buffer): string {
  checkKey(dek);
  return aesEcbEncrypt(kek, Buffer.from(dek.toString('base64'), 'latin1')).toString('base64');
}

/** Decrypts one Edge KVM value: strict base64 -> AES-ECB(DEK) -> strict UTF-8 text. */
export function decryptEdgeValue(dek: Buffer, b64: string): string {
  return decodeUtf8(aesEcbDecrypt(dek, decodeBase64Strict(b64)));
}

/** Ciphertext decrypted per AES call: small, reused buffers instead of one fresh buffer of a whole huge KVM. */
const GROUP_BYTES = 256 * 1024;
let scratch = Buffer.allocUnsafe(GROUP_BYTES);

/**
 * Decrypts many values under one DEK with one reused cipher context (the fast path for whole KVMs), in
 * groups of about GROUP_BYTES of ciphertext per AES call. Result order matches the input. The first bad
 * value throws a DecryptFailure with its `index`: every value's base64 and length are checked before any
 * is decrypted, then padding and UTF-8 in order.
 */
export function decryptEdgeValues(dek: Buffer, b64s: readonly string[]): string[] {
  const decipher = decipherFor(dek);
  const lengths = new Array<number>(b64s.length);
  for (let i = 0; i < b64s.length; i++) {
    const b64 = b64s[i]!;
    if (!isStrictBase64(b64)) throw notBase64(i);
    const n = (b64.length >> 2) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
    try {
      checkCiphertextLength(n);
    } catch (err) {
      throw withIndex(err, i);
    }
    lengths[i] = n;
  }
  const out = new Array<string>(b64s.length);
  let next = 0;
  while (next < b64s.length) {
    const first = next;
    let bytes = 0;
    while (next < b64s.length && (next === first || bytes + lengths[next]! <= GROUP_BYTES)) bytes += lengths[next++]!;
    if (scratch.length < bytes) scratch = Buffer.allocUnsafe(bytes);
    let offset = 0;
    for (let i = first; i < next; i++) offset += scratch.write(b64s[i]!, offset, 'base64');
    decryptGroup(decipher.update(scratch.subarray(0, offset)), lengths, first, next, out);
  }
  return out;
}

/** Splits one AES call's output into values first..next-1: padding checked, UTF-8 checked, decoded. */
function decryptGroup(blocks: Buffer, lengths: number[], first: number, next: number, out: string[]): void {
  // Valid padding bytes (1..16) are ASCII, so up to the first bad padding the whole buffer is UTF-8 exactly
  // when every value is: one check for all, and one per value only when it fails.
  const allText = isUtf8(blocks);
  let start = 0;
  for (let i = first; i < next; i++) {
    const end = start + lengths[i]!;
    let stop: number;
    try {
      stop = end - paddingLength(blocks, end);
    } catch (err) {
      throw withIndex(err, i);
    }
    if (!allText && !isUtf8(blocks.subarray(start, stop))) throw withIndex(notUtf8(), i);
    out[i] = blocks.toString('utf8', start, stop);
    start = end;
  }
}

/** Encrypts one value like Edge: base64(AES-ECB(DEK, UTF-8(text))). */
export function encryptEdgeValue(dek: Buffer, text: string): string {
  return aesEcbEncrypt(dek, Buffer.from(text, 'utf8')).toString('base64');
}

/** Standard alphabet, `=` padding, canonical (re-encoding gives the same text): anything else is refused. */
function decodeBase64Strict(b64: string): Buffer {
  if (!isStrictBase64(b64)) throw notBase64();
  return Buffer.from(b64, 'base64');
}

function notBase64(index?: number): DecryptFailure {
  return new DecryptFailure('base64', 'the value is not strict base64 (standard alphabet with = padding)', index);
}

function checkCiphertextLength(n: number): void {
  if (n === 0 || n % BLOCK !== 0) {
    throw new DecryptFailure('length', `the ciphertext has ${n} bytes, not a positive multiple of ${BLOCK}`);
  }
}

/** PKCS#7 padding length of the value whose last block ends at `end`; a bad pad means a wrong key. */
function paddingLength(blocks: Buffer, end: number): number {
  const pad = blocks[end - 1];
  let ok = pad >= 1 && pad <= BLOCK;
  for (let i = end - pad; ok && i < end - 1; i++) ok = blocks[i] === pad;
  if (!ok) throw new DecryptFailure('padding', 'bad padding after decryption (wrong key?)');
  return pad;
}

/** Strict UTF-8 (a byte-order mark is kept, as Buffer decoding keeps it). */
function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw notUtf8();
  return bytes.toString('utf8');
}

function notUtf8(): DecryptFailure {
  return new DecryptFailure('utf8', 'decrypts to bytes that are not UTF-8 text (wrong key?)');
}

function withIndex(err: unknown, index: number): unknown {
  return err instanceof DecryptFailure ? new DecryptFailure(err.reason, err.message, index) : err;
}

function decipherFor(key: Buffer): Decipher {
  const id = key.toString('latin1');
  let decipher = decipherCache.get(id);
  if (decipher === undefined) {
    decipher = createDecipheriv(algorithmFor(key), key, null).setAutoPadding(false);
    remember(decipherCache, id, decipher);
  }
  return decipher;
}

function cipherFor(key: Buffer): Cipher {
  const id = key.toString('latin1');
  let cipher = cipherCache.get(id);
  if (cipher === undefined) {
    cipher = createCipheriv(algorithmFor(key), key, null).setAutoPadding(false);
    remember(cipherCache, id, cipher);
  }
  return cipher;
}

function remember<T>(cache: Map<string, T>, id: string, value: T): void {
  if (cache.size >= MAX_CACHED_KEYS) cache.clear();
  cache.set(id, value);
}

function algorithmFor(key: Buffer): string {
  checkKey(key);
  return `aes-${key.length * 8}-ecb`;
}

function checkKey(key: Buffer): void {
  if (!isAesKeyLength(key.length)) throw new RangeError(`an AES key has 16, 24 or 32 bytes, not ${key.length}`);
}
