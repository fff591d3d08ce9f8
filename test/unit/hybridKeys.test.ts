// Tests of hybrid key decoding and value decryption, against ciphertext made by the real openssl.
import { execFileSync } from 'node:child_process';
import { InputError, KeyError } from '../../src/errors.js';
import {
  decodeSecretKey,
  decryptHybridValue,
  DEFAULT_HYBRID_KEY_BASE64,
  isDefaultHybridKey,
  kvmDataKeyFor,
  SECRET_DATA_KEYS,
} from '../../src/keys/hybridKeys.js';
import { strictBase64 } from '../../src/keys/base64.js';

/** `openssl enc -aes-<bits>-ecb -K <hex> -nosalt -a -A`: base64 ciphertext of `plain`. */
function opensslEncrypt(key: Buffer, plain: Buffer): string {
  const args = ['enc', `-aes-${key.length * 8}-ecb`, '-K', key.toString('hex'), '-nosalt', '-a', '-A'];
  return execFileSync('openssl', args, { input: plain }).toString('latin1').trim();
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

const KEY_16 = Buffer.from('iloveapis1234567');
const KEY_24 = Buffer.from('0123456789abcdef01234567');
const KEY_32 = Buffer.from('f1e2d3c4b5a69788796a5b4c3d2e1f00', 'utf8');

describe('decodeSecretKey', () => {
  test('decodes the shipped default key', () => {
    const key = decodeSecretKey(Buffer.from(DEFAULT_HYBRID_KEY_BASE64), 'secret s, kvmEncryptionKey');
    expect(key.toString('latin1')).toBe('iloveapis1234567');
    expect(isDefaultHybridKey(key)).toBe(true);
    expect(isDefaultHybridKey(KEY_32)).toBe(false);
  });

  test('decodes 16-, 24- and 32-byte keys and tolerates surrounding whitespace', () => {
    for (const raw of [KEY_16, KEY_24, KEY_32]) {
      expect(decodeSecretKey(Buffer.from(`${raw.toString('base64')}\n`), 'k').equals(raw)).toBe(true);
    }
  });

  test('a key of the wrong length is a KeyError that echoes no key bytes', () => {
    const raw = Buffer.from('0123456789');
    const err = thrownBy(() => decodeSecretKey(Buffer.from(raw.toString('base64')), 'secret s, envKvmEncryptionKey'));
    expect(err).toBeInstanceOf(KeyError);
    expect(err.message).toBe('secret s, envKvmEncryptionKey holds a 10-byte key; AES keys are 16, 24 or 32 bytes');
  });

  test('data that is the raw key itself is refused with a hint, without echoing it', () => {
    const err = thrownBy(() => decodeSecretKey(KEY_16, 'secret s, kvmEncryptionKey')) as KeyError;
    expect(err).toBeInstanceOf(KeyError);
    expect(err.message).toBe('secret s, kvmEncryptionKey holds a 12-byte key; AES keys are 16, 24 or 32 bytes');
    expect(err.details).toEqual(['the entry is 16 bytes long: it may hold the raw key instead of its base64 text']);
    expect(JSON.stringify([err.message, err.details])).not.toContain('iloveapis');
  });

  test('data that is not base64 is a KeyError', () => {
    const err = thrownBy(() => decodeSecretKey(Buffer.from('not base64!'), 'secret s, kvmEncryptionKey'));
    expect(err).toBeInstanceOf(KeyError);
    expect(err.message).toBe('secret s, kvmEncryptionKey is not base64 text of an AES key');
  });
});

describe('data key names', () => {
  test('constants match the secret entries and scopes choose the right one', () => {
    expect(Object.values(SECRET_DATA_KEYS)).toEqual([
      'kvmEncryptionKey',
      'envKvmEncryptionKey',
      'kmsEncryptionKey',
      'cacheEncryptionKey',
    ]);
    expect(kvmDataKeyFor({ kind: 'org' })).toBe('kvmEncryptionKey');
    expect(kvmDataKeyFor({ kind: 'proxy', proxy: 'p' })).toBe('kvmEncryptionKey');
    expect(kvmDataKeyFor({ kind: 'env', env: 'e' })).toBe('envKvmEncryptionKey');
  });
});

describe('strictBase64', () => {
  test('accepts only padded standard base64', () => {
    expect(strictBase64('Zm9v')?.toString()).toBe('foo');
    expect(strictBase64('Zm8=')?.toString()).toBe('fo');
    expect(strictBase64('')?.length).toBe(0);
    for (const bad of ['Zm8', 'Zm9v\n', 'Zm-_', 'Zm9=', 'Z===', ' Zm9v', 'Zm9v====', 'Zm=v']) expect(strictBase64(bad)).toBeNull();
  });
  test('handles values of many megabytes (no regular expression to overflow)', () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    expect(strictBase64(big.toString('base64'))?.equals(big)).toBe(true);
    expect(strictBase64(`${big.toString('base64')}\n`)).toBeNull();
  });
});

describe('decryptHybridValue against openssl', () => {
  const plains = ['secret value', 'ünïcödé ✓ 名前', '', '\uFEFFstarts with a BOM', 'x'.repeat(1000)];

  test.each([
    ['16-byte (default) key', KEY_16],
    ['24-byte key', KEY_24],
    ['32-byte key', KEY_32],
  ])('decrypts what openssl encrypted with a %s', (_label, key) => {
    for (const plain of plains) {
      const b64 = opensslEncrypt(key, Buffer.from(plain, 'utf8'));
      expect(decryptHybridValue(key, b64)).toBe(plain);
    }
  });

  test('a wrong key is a KeyError', () => {
    const b64 = opensslEncrypt(KEY_32, Buffer.from('secret value'));
    const err = thrownBy(() => decryptHybridValue(KEY_16, b64, 'entry k1 of KVM m (env test)'));
    expect(err).toBeInstanceOf(KeyError);
    expect(err.message).toMatch(/^entry k1 of KVM m \(env test\) (does not decrypt|decrypts to bytes that are not UTF-8)/);
  });

  test('plaintext that is not UTF-8 is a KeyError', () => {
    const b64 = opensslEncrypt(KEY_16, Buffer.from([0xff, 0xfe, 0x41]));
    const err = thrownBy(() => decryptHybridValue(KEY_16, b64));
    expect(err).toBeInstanceOf(KeyError);
    expect(err.message).toBe('the value decrypts to bytes that are not UTF-8: wrong key?');
  });

  test('malformed ciphertext is an InputError', () => {
    expect(thrownBy(() => decryptHybridValue(KEY_16, 'not base64'))).toBeInstanceOf(InputError);
    expect(thrownBy(() => decryptHybridValue(KEY_16, Buffer.alloc(10).toString('base64'))).message).toBe(
      'the value is 10 bytes of ciphertext, not a positive multiple of 16',
    );
    expect(thrownBy(() => decryptHybridValue(KEY_16, '')).message).toBe(
      'the value is 0 bytes of ciphertext, not a positive multiple of 16',
    );
  });

  test('a key of a length AES does not take is a KeyError', () => {
    const b64 = opensslEncrypt(KEY_16, Buffer.from('v'));
    expect(thrownBy(() => decryptHybridValue(Buffer.alloc(20), b64))).toBeInstanceOf(KeyError);
  });
});
