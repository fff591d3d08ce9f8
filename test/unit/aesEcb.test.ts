// AES-ECB/PKCS#7 checked against the real openssl CLI, Edge's DEK wrapping, strict base64/UTF-8, and hex key parsing.

import { execFileSync } from 'node:child_process';
import {
  aesEcbDecrypt,
  aesEcbEncrypt,
  DecryptFailure,
  decryptEdgeValue,
  decryptEdgeValues,
  encryptEdgeValue,
  unwrapEdgeDek,
  wrapEdgeDek,
} from '../../src/keys/aesEcb.js';
import { parseHexKey, toHex } from '../../src/keys/hex.js';
import { UsageError } from '../../src/errors.js';

const KEY128 = Buffer.from('14dadc9f2e3e0d3cc774f07f5a0357f1', 'hex');
const KEY192 = Buffer.from('000102030405060708090a0b0c0d0e0f1011121314151617', 'hex');
const KEY256 = Buffer.from('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4', 'hex');
const OTHER128 = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Test keys only: -K puts the key on argv. */
function openssl(mode: 'enc' | 'dec', key: Buffer, data: Buffer): Buffer {
  const args = ['enc', `-aes-${key.length * 8}-ecb`, '-K', key.toString('hex'), '-nosalt'];
  if (mode === 'dec') args.push('-d');
  return execFileSync('openssl', args, { input: data });
}

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

function failureOf(fn: () => unknown): DecryptFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecryptFailure) return err;
    throw err;
  }
  throw new Error('expected a DecryptFailure');
}

const PLAINTEXTS = ['', 'a', 'fifteen bytes!!', 'exactly 16 bytes', 'seventeen bytes!!', 'Grüße € 😀 ✓ ü', 'x'.repeat(1000)];

const withOpenssl = opensslAvailable() ? describe : describe.skip;
if (!opensslAvailable()) console.warn('aesEcb.test: openssl not found on PATH; the openssl cross-checks are skipped');

withOpenssl('AES-ECB against openssl enc', () => {
  describe.each([
    ['AES-128', KEY128],
    ['AES-192', KEY192],
    ['AES-256', KEY256],
  ])('%s', (_name, key) => {
    it.each(PLAINTEXTS.map((p) => [p.length, p]))('encrypts %d chars exactly like openssl, and decrypts its output', (_n, text) => {
      const plain = Buffer.from(text, 'utf8');
      const ours = aesEcbEncrypt(key, plain);
      expect(ours.toString('hex')).toBe(openssl('enc', key, plain).toString('hex'));
      expect(openssl('dec', key, ours).equals(plain)).toBe(true);
      expect(aesEcbDecrypt(key, openssl('enc', key, plain)).equals(plain)).toBe(true);
    });
  });

  it('decryptEdgeValue reads values that openssl encrypted (base64 of AES-ECB of UTF-8)', () => {
    for (const text of PLAINTEXTS) {
      expect(decryptEdgeValue(KEY128, openssl('enc', KEY128, Buffer.from(text)).toString('base64'))).toBe(text);
    }
  });
});

describe('Edge value encryption', () => {
  it('round-trips values, including empty, non-ASCII and a leading BOM', () => {
    for (const text of [...PLAINTEXTS, '\uFEFFbom first', '\u0000nul']) {
      expect(decryptEdgeValue(KEY256, encryptEdgeValue(KEY256, text))).toBe(text);
    }
  });

  it('refuses a value under the wrong key (bad padding)', () => {
    const b64 = encryptEdgeValue(KEY128, 'sdasddazxa');
    expect(failureOf(() => decryptEdgeValue(OTHER128, b64)).reason).toBe('padding');
  });

  it('refuses a decryption that is not UTF-8 text', () => {
    const b64 = aesEcbEncrypt(KEY128, Buffer.from([0x61, 0xff, 0xfe, 0x62])).toString('base64');
    expect(failureOf(() => decryptEdgeValue(KEY128, b64)).reason).toBe('utf8');
  });

  it.each([
    ['missing padding', (b: string) => b.replace(/=+$/, '')],
    ['inner whitespace', (b: string) => `${b.slice(0, 4)} ${b.slice(4)}`],
    ['a trailing newline', (b: string) => `${b}\n`],
    ['URL-safe alphabet', (b: string) => b.replace(/\+/g, '-').replace(/\//g, '_')],
    ['a stray character', (b: string) => `${b.slice(0, 4)}!${b.slice(5)}`],
  ])('refuses base64 with %s', (_what, damage) => {
    // this plaintext's ciphertext has '+', '/' and '=' in its base64 (asserted, so every damage applies)
    const good = encryptEdgeValue(KEY128, 'value-with-plus-and-slash:0059');
    expect(good).toMatch(/[+/]/);
    expect(good).toMatch(/=$/);
    expect(failureOf(() => decryptEdgeValue(KEY128, damage(good))).reason).toBe('base64');
  });

  it('refuses ciphertext that is empty or not whole blocks', () => {
    expect(failureOf(() => decryptEdgeValue(KEY128, '')).reason).toBe('length');
    expect(failureOf(() => decryptEdgeValue(KEY128, Buffer.alloc(15).toString('base64'))).reason).toBe('length');
    expect(failureOf(() => aesEcbDecrypt(KEY128, Buffer.alloc(17))).reason).toBe('length');
  });

  it('keeps working after a failure and with interleaved keys (cached cipher contexts hold no state)', () => {
    const a = encryptEdgeValue(KEY128, 'under A');
    const b = encryptEdgeValue(OTHER128, 'under B');
    expect(() => decryptEdgeValue(OTHER128, a)).toThrow(DecryptFailure);
    expect(decryptEdgeValue(KEY128, a)).toBe('under A');
    expect(decryptEdgeValue(OTHER128, b)).toBe('under B');
    expect(decryptEdgeValue(KEY128, a)).toBe('under A');
  });
});

describe('decryptEdgeValues (batch)', () => {
  it('gives the same result as one-by-one decryption, in order', () => {
    const texts = Array.from({ length: 500 }, (_, i) => `v${i} ${'é'.repeat(i % 40)}`);
    const b64s = texts.map((t) => encryptEdgeValue(KEY128, t));
    expect(decryptEdgeValues(KEY128, b64s)).toEqual(texts);
    expect(decryptEdgeValues(KEY128, [])).toEqual([]);
  });

  it('names the index of the first bad value', () => {
    const b64s = ['a', 'b', 'c'].map((t) => encryptEdgeValue(KEY128, t));
    const wrong = [...b64s];
    wrong[1] = encryptEdgeValue(OTHER128, 'b');
    expect(failureOf(() => decryptEdgeValues(KEY128, wrong))).toMatchObject({ reason: 'padding', index: 1 });
    expect(failureOf(() => decryptEdgeValues(KEY128, [b64s[0], b64s[1], 'not base64!']))).toMatchObject({ reason: 'base64', index: 2 });
    expect(failureOf(() => decryptEdgeValues(KEY128, [b64s[0], '']))).toMatchObject({ reason: 'length', index: 1 });
    expect(decryptEdgeValues(KEY128, b64s)).toEqual(['a', 'b', 'c']);
  });
});

describe('Edge DEK wrapping', () => {
  it('unwraps the real qa-environment DEK from the capture with the real KEK', () => {
    const dek = unwrapEdgeDek(KEY128, '73UWPn77I49c6Zziuso1iZLSDG0YoMCaZ27wg6Y9nDg=');
    expect(dek.toString('base64')).toBe('wbh9P2QMRnyuYaof/zsR4w==');
  });

  it.each([16, 24, 32])('round-trips a %d-byte DEK', (n) => {
    const dek = Buffer.alloc(n, 7);
    expect(unwrapEdgeDek(KEY128, wrapEdgeDek(KEY128, dek)).equals(dek)).toBe(true);
  });

  it('refuses a wrong KEK', () => {
    const wrapped = wrapEdgeDek(KEY128, Buffer.alloc(16, 1));
    expect(failureOf(() => unwrapEdgeDek(OTHER128, wrapped)).reason).toBe('padding');
  });

  it('refuses a wrapped value that is not base64 text or not a 16/24/32-byte key', () => {
    const notText = aesEcbEncrypt(KEY128, Buffer.from('not*base64')).toString('base64');
    expect(failureOf(() => unwrapEdgeDek(KEY128, notText)).reason).toBe('dek');
    const shortKey = aesEcbEncrypt(KEY128, Buffer.from(Buffer.alloc(10).toString('base64'))).toString('base64');
    expect(failureOf(() => unwrapEdgeDek(KEY128, shortKey))).toMatchObject({ reason: 'dek', message: expect.stringContaining('10 bytes') });
  });
});

describe('parseHexKey / toHex', () => {
  it('accepts 32/48/64 hex digits, trimmed, case-insensitive, with optional 0x', () => {
    expect(parseHexKey('14dadc9f2e3e0d3cc774f07f5a0357f1', '--kek').equals(KEY128)).toBe(true);
    expect(parseHexKey('  0x14DADC9F2E3E0D3CC774F07F5A0357F1\n', '--kek').equals(KEY128)).toBe(true);
    expect(parseHexKey(KEY192.toString('hex'), '--kek').length).toBe(24);
    expect(parseHexKey(`0X${KEY256.toString('hex')}`, '--kek').equals(KEY256)).toBe(true);
  });

  it('says how many digits there are, without echoing the key', () => {
    const key = '14dadc9f2e3e0d3cc774f07f5a0357f';
    expect(() => parseHexKey(key, '--kek')).toThrow(UsageError);
    expect(() => parseHexKey(key, '--kek')).toThrow('--kek: has 31 hex digits; an AES key has 32 (AES-128), 48 (AES-192) or 64 (AES-256)');
    expect(() => parseHexKey('', '--kek')).toThrow('has 0 hex digits');
    for (const text of [`${key}0ff`, `${key}z`]) {
      const err = usageErrorOf(() => parseHexKey(text, '--kek'));
      expect(`${err.message} ${err.details.join(' ')}`).not.toContain(key.slice(0, 6));
    }
  });

  it('gives the 1-based position of the first bad character in the text as given', () => {
    expect(() => parseHexKey('14dadc9f2e3e0d3cc774f07f5a0357fg', '--kek')).toThrow('--kek: character 32 is not a hex digit');
    expect(() => parseHexKey('  0x14dadc9f 2e3e0d3cc774f07f5a0357f1', '--kek')).toThrow('character 13 is not a hex digit');
    expect(() => parseHexKey('0x0x14dadc9f2e3e0d3cc774f07f5a0357', '--kek')).toThrow('character 4 is not a hex digit');
  });

  it('toHex prints two lowercase digits per byte, leading zeros kept', () => {
    expect(toHex(Buffer.from([0x00, 0x0a, 0xff, 0x10]))).toBe('000aff10');
    expect(toHex(new Uint8Array([1, 2]))).toBe('0102');
    expect(toHex(KEY128)).toBe('14dadc9f2e3e0d3cc774f07f5a0357f1');
  });
});
