// PBEWithMD5AndTripleDES decryption (Sun's proprietary JCEKS key protection) with node:crypto.

import crypto from 'node:crypto';

/** Java refuses larger counts when unsealing a JCEKS key (KeyProtector.MAX_ITERATION_COUNT). */
export const MAX_PBE_ITERATIONS = 5_000_000;

export type PbeFailure = 'password-not-ascii' | 'malformed' | 'wrong-password';

/** Why a PBEWithMD5AndTripleDES decryption could not be done. Messages never contain the password. */
export class PbeError extends Error {
  constructor(
    readonly reason: PbeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'PbeError';
  }
}

export interface PbeParameters {
  /** 8 bytes. */
  readonly salt: Buffer;
  readonly iterations: number;
}

/** Parses the DER `SEQUENCE { OCTET STRING salt (8 bytes), INTEGER iterationCount }` Java writes as PBE parameters. */
export function parsePbeParameters(der: Buffer): PbeParameters {
  const seq = readDerElement(der, 0, 0x30, 'PBE parameters SEQUENCE');
  if (seq.end !== der.length) throw badParameters('bytes after the SEQUENCE');
  const salt = readDerElement(der, seq.contentStart, 0x04, 'salt OCTET STRING');
  const count = readDerElement(der, salt.end, 0x02, 'iteration count INTEGER');
  if (count.end !== seq.end) throw badParameters('bytes after the iteration count');
  const saltBytes = der.subarray(salt.contentStart, salt.end);
  if (saltBytes.length !== 8) throw badParameters(`salt is ${saltBytes.length} bytes, not 8`);
  const iterations = derPositiveInteger(der.subarray(count.contentStart, count.end));
  if (iterations > MAX_PBE_ITERATIONS) {
    throw badParameters(`iteration count ${iterations} exceeds the maximum Java accepts (${MAX_PBE_ITERATIONS})`);
  }
  return { salt: Buffer.from(saltBytes), iterations };
}

interface DerElement {
  readonly contentStart: number;
  readonly end: number;
}

/** One DER element with the expected tag; definite lengths only. */
function readDerElement(der: Buffer, offset: number, tag: number, what: string): DerElement {
  if (der[offset] !== tag) throw badParameters(`expected ${what}`);
  let pos = offset + 1;
  const first = der[pos++];
  if (first === undefined) throw badParameters(`${what} is truncated`);
  let length = first;
  if (first & 0x80) {
    const lengthBytes = first & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 3) throw badParameters(`${what} has an unsupported length form`);
    if (pos + lengthBytes > der.length) throw badParameters(`${what} is truncated`);
    length = der.readUIntBE(pos, lengthBytes);
    pos += lengthBytes;
  }
  if (pos + length > der.length) throw badParameters(`${what} is truncated`);
  return { contentStart: pos, end: pos + length };
}

function derPositiveInteger(bytes: Buffer): number {
  if (bytes.length === 0 || bytes.length > 5 || (bytes[0] as number) & 0x80) {
    throw badParameters('iteration count is not a positive integer');
  }
  const value = bytes.readUIntBE(0, bytes.length);
  if (value === 0) throw badParameters('iteration count is zero');
  return value;
}

function badParameters(detail: string): PbeError {
  return new PbeError('malformed', `invalid PBEWithMD5AndTripleDES parameters: ${detail}`);
}

/** The password as Java's PBEKey encodes it: one byte per char, printable ASCII only. */
export function pbePasswordBytes(password: string): Buffer {
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new PbeError(
        'password-not-ascii',
        'the key password contains a character that is not printable ASCII, which Java PBE keys cannot hold',
      );
    }
  }
  return Buffer.from(password, 'latin1');
}

/**
 * The salts to try, in order. When both 4-byte halves are equal, Java alters the first half
 * before deriving the key, and JDKs disagree on how:
 * - current JDKs (checked on the JDK 17 used by our tests) reverse it: [a,b,c,d] -> [d,c,b,a];
 * - the original JCE 1.2.2 and JDKs up to at least 8 (com.sun.crypto.provider.PBECipherCore /
 *   PBES1Core with the `salt[3-1] = tmp` typo) turn it into [d,a,b,d].
 * We try the reversal first and fall back to the old reading. Otherwise the salt is used as is.
 */
export function saltReadings(salt: Buffer): Buffer[] {
  if (!salt.subarray(0, 4).equals(salt.subarray(4, 8))) return [salt];
  const [a, b, c, d] = salt as unknown as [number, number, number, number];
  const reversed = Buffer.from([d, c, b, a, a, b, c, d]);
  const oldJdk = Buffer.from([d, a, b, d, a, b, c, d]);
  return [reversed, oldJdk];
}

export interface TripleDesKeyAndIv {
  readonly key: Buffer;
  readonly iv: Buffer;
}

/** For each salt half h: h = MD5(h || password), `iterations` times; 32 bytes = 3DES key (24) || IV (8). */
export function deriveKeyAndIv(password: Buffer, salt: Buffer, iterations: number): TripleDesKeyAndIv {
  const derived = Buffer.concat([
    iterateMd5(salt.subarray(0, 4), password, iterations),
    iterateMd5(salt.subarray(4, 8), password, iterations),
  ]);
  return { key: derived.subarray(0, 24), iv: derived.subarray(24, 32) };
}

function iterateMd5(saltHalf: Buffer, password: Buffer, iterations: number): Buffer {
  let digest = md5(Buffer.concat([saltHalf, password]));
  const input = Buffer.alloc(16 + password.length);
  password.copy(input, 16);
  for (let i = 1; i < iterations; i++) {
    digest.copy(input, 0);
    digest = md5(input);
  }
  return digest;
}

function md5(data: Buffer): Buffer {
  // crypto.hash (Node >= 20.12) avoids a Hash object per call: this loop runs up to 2 x 5,000,000 times.
  return typeof crypto.hash === 'function'
    ? crypto.hash('md5', data, 'buffer')
    : crypto.createHash('md5').update(data).digest();
}

/** DESede/CBC/PKCS5Padding decryption; undefined when the padding is wrong (the usual sign of a wrong password). */
export function decryptTripleDesCbc(ciphertext: Buffer, key: Buffer, iv: Buffer): Buffer | undefined {
  const decipher = crypto.createDecipheriv('des-ede3-cbc', key, iv);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * Decrypts PBEWithMD5AndTripleDES ciphertext and hands the plaintext to `interpret`, which returns
 * undefined when the plaintext is not what was expected. Each salt reading is tried in turn; when
 * none gives valid padding and an accepted plaintext, the password is wrong (PbeError 'wrong-password').
 */
export function decryptPbeWithMd5AndTripleDes<T>(
  ciphertext: Buffer,
  password: string,
  params: PbeParameters,
  interpret: (plaintext: Buffer) => T | undefined,
): T {
  if (ciphertext.length === 0 || ciphertext.length % 8 !== 0) {
    throw new PbeError('malformed', `the encrypted content is ${ciphertext.length} bytes, not a positive multiple of 8`);
  }
  const passwordBytes = pbePasswordBytes(password);
  for (const salt of saltReadings(params.salt)) {
    const { key, iv } = deriveKeyAndIv(passwordBytes, salt, params.iterations);
    const plaintext = decryptTripleDesCbc(ciphertext, key, iv);
    const result = plaintext === undefined ? undefined : interpret(plaintext);
    if (result !== undefined) return result;
  }
  throw new PbeError('wrong-password', 'decryption failed: the key password is wrong');
}
