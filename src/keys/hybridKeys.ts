// Apigee hybrid KVM keys: decoding a secret's data entry into the raw AES key, and decrypting values with it.
//
// The secret's data (after the Kubernetes API's own base64) is the overrides value: base64 text of
// the raw key, 16, 24 or 32 bytes, i.e. AES-128/192/256. Values in `kvm_map_entry.val` are base64
// of AES-ECB ciphertext with PKCS#7 padding of the UTF-8 value. Messages never echo key bytes.

import { InputError, KeyError } from '../errors.js';
import type { Scope } from '../kvm/model.js';
import { aesEcbDecrypt, DecryptFailure, isAesKeyLength } from './aesEcb.js';
import { strictBase64 } from './base64.js';

/** Names of the data entries in a key secret. */
export const SECRET_DATA_KEYS = Object.freeze({
  /** Org- and proxy-scope KVMs. */
  kvm: 'kvmEncryptionKey',
  /** Environment-scope KVMs. */
  envKvm: 'envKvmEncryptionKey',
  kms: 'kmsEncryptionKey',
  cache: 'cacheEncryptionKey',
} as const);
export type SecretDataKey = (typeof SECRET_DATA_KEYS)[keyof typeof SECRET_DATA_KEYS];

/** The key hybrid ships with when none is configured: "iloveapis1234567". */
export const DEFAULT_HYBRID_KEY_BASE64 = 'aWxvdmVhcGlzMTIzNDU2Nw==';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The data entry holding the KVM key of a scope: env scope has its own, org and proxy share one. */
export function kvmDataKeyFor(scope: Scope): SecretDataKey {
  return scope.kind === 'env' ? SECRET_DATA_KEYS.envKvm : SECRET_DATA_KEYS.kvm;
}


/**
 * The raw key in a secret's data entry. `secretData` is the entry after the API's base64 decode:
 * base64 text of the raw key (surrounding whitespace tolerated). `what` names it in errors, e.g.
 * `secret apigee/my-org-1a2b3c4-encryption-keys, kvmEncryptionKey`.
 */
export function decodeSecretKey(secretData: Buffer, what: string): Buffer {
  const text = secretData.toString('latin1').trim();
  const key = strictBase64(text);
  if (key === null) {
    throw new KeyError(`${what} is not base64 text of an AES key`, rawKeyHint(secretData.length));
  }
  if (!isAesKeyLength(key.length)) {
    throw new KeyError(`${what} holds a ${key.length}-byte key; AES keys are 16, 24 or 32 bytes`, rawKeyHint(secretData.length));
  }
  return key;
}

/** A hint when the data has the length of a raw key: it may hold the key itself, not its base64. */
function rawKeyHint(dataLength: number): string[] {
  return isAesKeyLength(dataLength)
    ? [`the entry is ${dataLength} bytes long: it may hold the raw key instead of its base64 text`]
    : [];
}

/** True when `key` is hybrid's shipped default key. */
export function isDefaultHybridKey(key: Buffer): boolean {
  return key.equals(Buffer.from(DEFAULT_HYBRID_KEY_BASE64, 'base64'));
}

/** AES-ECB decryption with PKCS#7 padding (the shared, decipher-reusing one); a padding failure is a KeyError (wrong key). */
function decryptWithKey(key: Buffer, data: Buffer, what: string): Buffer {
  if (!isAesKeyLength(key.length)) throw new KeyError(`an AES key must be 16, 24 or 32 bytes, not ${key.length}`);
  try {
    return aesEcbDecrypt(key, data);
  } catch (err) {
    if (!(err instanceof DecryptFailure)) throw err;
    throw new KeyError(`${what} does not decrypt with this key (bad padding): wrong key?`, [], { cause: err });
  }
}

/**
 * Decrypts one `val` of `kvm_map_entry`: strict base64, AES-ECB by key length, PKCS#7, UTF-8
 * (fatal, a byte-order mark kept). Malformed base64 is an InputError; a wrong key a KeyError.
 */
export function decryptHybridValue(key: Buffer, b64: string, what = 'the value'): string {
  const data = strictBase64(b64);
  if (data === null) throw new InputError(`${what} is not base64 ciphertext`);
  if (data.length === 0 || data.length % 16 !== 0) {
    throw new InputError(`${what} is ${data.length} bytes of ciphertext, not a positive multiple of 16`);
  }
  const plain = decryptWithKey(key, data, what);
  try {
    return UTF8.decode(plain);
  } catch (err) {
    throw new KeyError(`${what} decrypts to bytes that are not UTF-8: wrong key?`, [], { cause: err });
  }
}
