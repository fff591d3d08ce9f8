// Tests of the pure-TypeScript JCEKS reader against keystores made by the real JDK (keytool, VaultTool.java).

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InputError, KeyError } from '../../src/errors.js';
import { listJceksEntries, readJceksSecretKey, type JceksOptions } from '../../src/keys/jceks/jceks.js';
import {
  getByteArrayField,
  getStringField,
  isInstanceOf,
  JavaSerializationError,
  parseJavaSerialization,
  TruncatedDataError,
  type JavaArray,
  type JavaEnum,
  type JavaObject,
} from '../../src/keys/jceks/javaSerialization.js';
import {
  decryptPbeWithMd5AndTripleDes,
  deriveKeyAndIv,
  parsePbeParameters,
  pbePasswordBytes,
  saltReadings,
} from '../../src/keys/jceks/pbeMd5TripleDes.js';
import {
  describeVaultKeys,
  javaAvailable,
  javaPbeEncrypt,
  keytool,
  makeKeyPair,
  makeTempDir,
  makeVault,
  printVaultKeys,
} from '../support/vaults.js';

// ---------- a tiny builder of serialization streams, for parser tests that need no JDK ----------

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const SVUID = hex('0102030405060708');
const MAGIC = hex('aced 0005');

/** `Demo implements Serializable { int count; boolean flag; String name; byte[] data; writeObject(...) }`. */
function demoObjectStream(): Buffer {
  return Buffer.concat([
    MAGIC,
    hex('73 72'), utf('Demo'), SVUID, hex('03'), hex('0004'), // TC_OBJECT TC_CLASSDESC, flags SERIALIZABLE|WRITE_METHOD
    hex('49'), utf('count'),
    hex('5a'), utf('flag'),
    hex('4c'), utf('name'), hex('74'), utf('Ljava/lang/String;'),
    hex('5b'), utf('data'), hex('74'), utf('[B'),
    hex('78 70'), // end of class annotation, no superclass
    u32(7), hex('01'), // count, flag
    hex('74'), utf('hi'), // name (handle 7e0004)
    hex('75 72'), utf('[B'), SVUID, hex('02 0000 78 70'), u32(3), hex('010203'), // data
    hex('77 02 aabb'), hex('71 007e0004'), hex('78'), // writeObject data: block data, back-reference to "hi"
  ]);
}

/** An enum constant `T.SECRET` whose class extends java.lang.Enum. */
function enumStream(): Buffer {
  return Buffer.concat([
    MAGIC,
    hex('7e 72'), utf('T'), SVUID, hex('12 0000 78'),
    hex('72'), utf('java.lang.Enum'), SVUID, hex('12 0000 78 70'),
    hex('74'), utf('SECRET'),
  ]);
}

describe('parseJavaSerialization (hand-made streams)', () => {
  test('reads fields, write-method annotations and back-references, and reports the bytes it used', () => {
    const stream = demoObjectStream();
    const parsed = parseJavaSerialization(Buffer.concat([hex('eeee'), stream, hex('ffffff')]), 2);
    expect(parsed.length).toBe(stream.length);
    const obj = parsed.value as JavaObject;
    expect(obj.classDesc.name).toBe('Demo');
    const data = obj.classData[0];
    expect(data?.values.get('count')).toBe(7);
    expect(data?.values.get('flag')).toBe(true);
    expect(getStringField(obj, 'name')).toBe('hi');
    expect(getByteArrayField(obj, 'data').toString('hex')).toBe('010203');
    expect(data?.annotations).toEqual([{ kind: 'blockData', bytes: hex('aabb') }, 'hi']);
  });

  test('reads an enum constant with its java.lang.Enum superclass', () => {
    const parsed = parseJavaSerialization(enumStream());
    const value = parsed.value as JavaEnum;
    expect(value.kind).toBe('enum');
    expect(value.constant).toBe('SECRET');
    expect(value.classDesc.superClass?.name).toBe('java.lang.Enum');
    expect(parsed.length).toBe(enumStream().length);
  });

  test('reads primitive arrays other than byte[]', () => {
    const stream = Buffer.concat([MAGIC, hex('75 72'), utf('[I'), SVUID, hex('02 0000 78 70'), u32(2), u32(5), u32(0xffffffff)]);
    const value = parseJavaSerialization(stream).value as JavaArray;
    expect(value.elements).toEqual([5, -1]);
  });

  test('every truncation of a valid stream is an error, never a shorter result', () => {
    const stream = demoObjectStream();
    for (let cut = 0; cut < stream.length; cut++) {
      expect(() => parseJavaSerialization(stream.subarray(0, cut))).toThrow(TruncatedDataError);
    }
  });

  test.each([
    ['a wrong magic', hex('acee 0005 70'), /not a Java serialization stream/],
    ['another version', hex('aced 0004 70'), /version 4/],
    ['TC_EXCEPTION', Buffer.concat([MAGIC, hex('7b')]), /unsupported .*TC_EXCEPTION/],
    ['TC_RESET', Buffer.concat([MAGIC, hex('79')]), /unsupported .*TC_RESET/],
    ['a proxy class', Buffer.concat([MAGIC, hex('73 7d')]), /TC_PROXYCLASSDESC/],
    ['block data at top level', Buffer.concat([MAGIC, hex('77 01 00')]), /found block data/],
    ['an unknown handle', Buffer.concat([MAGIC, hex('71 007e0009')]), /unknown handle 007e0009/],
    ['an invalid type code', Buffer.concat([MAGIC, hex('42')]), /invalid type code 42/],
    [
      'an externalizable class',
      Buffer.concat([MAGIC, hex('73 72'), utf('Ext'), SVUID, hex('0c 0000 78 70'), hex('78')]),
      /externalizable class Ext/,
    ],
    [
      'a boolean that is not 0 or 1',
      Buffer.concat([MAGIC, hex('73 72'), utf('B'), SVUID, hex('02 0001 5a'), utf('z'), hex('78 70 02')]),
      /boolean B.z has value 2/,
    ],
    [
      'a negative array length',
      Buffer.concat([MAGIC, hex('75 72'), utf('[B'), SVUID, hex('02 0000 78 70'), u32(0xffffffff)]),
      /negative length -1 for \[B/,
    ],
  ])('rejects %s', (_name, stream, message) => {
    expect(() => parseJavaSerialization(stream)).toThrow(JavaSerializationError);
    expect(() => parseJavaSerialization(stream)).toThrow(message);
  });

  test('rejects an array longer than the input before reading it', () => {
    const stream = Buffer.concat([MAGIC, hex('75 72'), utf('[J'), SVUID, hex('02 0000 78 70'), u32(1000), hex('00')]);
    expect(() => parseJavaSerialization(stream)).toThrow(TruncatedDataError);
    expect(() => parseJavaSerialization(stream)).toThrow(/1000 element\(s\) of \[J needs 8000 byte/);
  });
});

describe('PBEWithMD5AndTripleDES helpers', () => {
  test('parses Java PBE parameters (DER SEQUENCE of salt and iteration count)', () => {
    const params = parsePbeParameters(hex('300f 0408 f4a1333fe61adcff 0203 030d40'));
    expect(params.salt.toString('hex')).toBe('f4a1333fe61adcff');
    expect(params.iterations).toBe(200_000);
    expect(() => parsePbeParameters(hex('300e 0407 f4a1333fe61adc 0203 030d40'))).toThrow(/salt is 7 bytes/);
    expect(() => parsePbeParameters(hex('300f 0408 f4a1333fe61adcff 0203 4c4b41'))).toThrow(/exceeds the maximum/);
    expect(() => parsePbeParameters(hex('300f 0408 f4a1333fe61adcff 0203 030d'))).toThrow(/truncated/);
  });

  test('salt halves: used as is when different, reversed then old-JDK [d,a,b,d] when equal', () => {
    expect(saltReadings(hex('0102030405060708'))).toEqual([hex('0102030405060708')]);
    expect(saltReadings(hex('0102030401020304'))).toEqual([hex('0403020101020304'), hex('0401020401020304')]);
  });

  test('the key password must be printable ASCII, as in Java', () => {
    expect(pbePasswordBytes('Abc ~1').toString('latin1')).toBe('Abc ~1');
    expect(() => pbePasswordBytes('pässword')).toThrow(/not printable ASCII/);
    expect(() => pbePasswordBytes('pässword')).not.toThrow(/pässword/);
  });

  test('falls back to the old-JDK salt reading (ciphertext made the way JDK 8 derives the key)', () => {
    const salt = hex('a1b2c3d4a1b2c3d4');
    const { key, iv } = deriveKeyAndIv(Buffer.from('secret'), hex('d4a1b2d4a1b2c3d4'), 3);
    const cipher = crypto.createCipheriv('des-ede3-cbc', key, iv);
    const ciphertext = Buffer.concat([cipher.update('old jdk plaintext'), cipher.final()]);
    const seen: string[] = [];
    const plain = decryptPbeWithMd5AndTripleDes(ciphertext, 'secret', { salt, iterations: 3 }, (p) => {
      seen.push(p.toString('latin1'));
      return p.toString() === 'old jdk plaintext' ? p.toString() : undefined;
    });
    expect(plain).toBe('old jdk plaintext');
    expect(seen.at(-1)).toBe('old jdk plaintext');
  });
});

// ---------- real keystores made by the JDK on this machine ----------

const HAVE_JAVA = javaAvailable();
if (!HAVE_JAVA) {
  console.warn('jceks.test.ts: java 17+ and keytool are not on PATH; skipping the tests against real JDK keystores');
}
const describeWithJava = HAVE_JAVA ? describe : describe.skip;

const randomHex = (bytes: number): string => crypto.randomBytes(bytes).toString('hex');

const PBE_PLAINTEXT = Buffer.from('JCEKS salt quirk check');
const PBE_SALTS = { distinct: hex('0102030405060708'), equalHalves: hex('0102030401020304') };

/** The alias Apigee keeps its KEK under (amu's --alias default). */
const APIGEE_ALIAS = 'datastore-alias';
const STOREPASS = 'store-Pass1';
const KEYPASS_OTHER = 'other-Key-pass2';
const MIXED_STOREPASS = 'mixedStore9';
const MIXED_KEYPASS = 'mixedKey77';
const ALL_PASSWORDS = [STOREPASS, KEYPASS_OTHER, MIXED_STOREPASS, MIXED_KEYPASS, 'wrong-password'];

/** Keys of the default-count vault (new JDK, 200,000 iterations). */
const NEW_KEYS = {
  kek: randomHex(16),
  aes256: randomHex(32),
  other: randomHex(16),
};
/** Keys of the 20-iteration vault (what old JDKs wrote). */
const OLD_KEYS = {
  kek: randomHex(16),
  zero1: `00${randomHex(15)}`,
  zero2: `0000${randomHex(14)}`,
  desede: randomHex(24),
};

interface Vaults {
  dir: string;
  /** Java's PBEWithMD5AndTripleDES ciphertexts of PBE_PLAINTEXT, keyed by salt hex. */
  javaCiphertexts: Map<string, Buffer>;
  newVault: string;
  oldVault: string;
  mixed: string;
  jks: string;
  pkcs12: string;
}

/** Expects `fn` to throw `type` with a message matching `message` that names the file and no password. */
function expectError(fn: () => unknown, type: typeof InputError | typeof KeyError, message: RegExp, fileName: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  const err = caught as InputError;
  expect(err.message).toMatch(message);
  expect(err.message).toContain(fileName);
  for (const password of ALL_PASSWORDS) {
    expect([err.message, ...err.details].join('\n')).not.toContain(password);
  }
}

describeWithJava('readJceksSecretKey / listJceksEntries on JDK-made keystores', () => {
  let v: Vaults;
  const read = (file: string, opts: JceksOptions): ReturnType<typeof readJceksSecretKey> =>
    readJceksSecretKey(fs.readFileSync(file), opts, file);

  beforeAll(async () => {
    const dir = makeTempDir();
    v = {
      dir,
      javaCiphertexts: new Map(),
      newVault: path.join(dir, 'new.jceks'),
      oldVault: path.join(dir, 'old.jceks'),
      mixed: path.join(dir, 'mixed.jceks'),
      jks: path.join(dir, 'store.jks'),
      pkcs12: path.join(dir, 'store.p12'),
    };
    await Promise.all([
      makeVault(v.newVault, STOREPASS, [
        { alias: 'datastore-alias', algorithm: 'AES', hexKey: NEW_KEYS.kek },
        { alias: 'aes256', algorithm: 'AES', hexKey: NEW_KEYS.aes256 },
        { alias: 'Other.Pass', algorithm: 'AES', hexKey: NEW_KEYS.other, keypass: KEYPASS_OTHER },
      ]),
      makeVault(
        v.oldVault,
        STOREPASS,
        [
          { alias: 'datastore-alias', algorithm: 'AES', hexKey: OLD_KEYS.kek },
          { alias: 'zero1', algorithm: 'AES', hexKey: OLD_KEYS.zero1 },
          { alias: 'zero2', algorithm: 'AES', hexKey: OLD_KEYS.zero2 },
          { alias: 'desede', algorithm: 'DESede', hexKey: OLD_KEYS.desede },
        ],
        { iterationCount: 20 },
      ),
      makeMixedVault(v.mixed, dir),
      makeKeyPair(v.jks, 'JKS', STOREPASS, STOREPASS, 'pk'),
      keytool(['-genseckey', '-storetype', 'PKCS12', '-keystore', v.pkcs12, '-storepass', STOREPASS, '-alias', 'k', '-keyalg', 'AES', '-keysize', '128']),
      ...Object.values(PBE_SALTS).map(async (salt) => {
        v.javaCiphertexts.set(salt.toString('hex'), await javaPbeEncrypt('quirk-pass', salt, 7, PBE_PLAINTEXT));
      }),
    ]);
  }, 120_000);

  afterAll(() => {
    if (v) fs.rmSync(v.dir, { recursive: true, force: true });
  });

  /** keytool entries of every kind, with a key password different from the store password. */
  async function makeMixedVault(file: string, dir: string): Promise<void> {
    const common = ['-storetype', 'JCEKS', '-keystore', file, '-storepass', MIXED_STOREPASS];
    await keytool(['-genseckey', ...common, '-keypass', MIXED_KEYPASS, '-alias', 'gen-aes', '-keyalg', 'AES', '-keysize', '128']);
    await keytool(['-genseckey', ...common, '-keypass', MIXED_KEYPASS, '-alias', 'gen-des', '-keyalg', 'DESede']);
    await keytool(['-importpass', ...common, '-keypass', MIXED_KEYPASS, '-alias', 'pass-entry'], 'imported-Secret-42\nimported-Secret-42\n');
    await makeKeyPair(file, 'JCEKS', MIXED_STOREPASS, MIXED_KEYPASS, 'pk');
    const cert = path.join(dir, 'pk.cer');
    await keytool(['-exportcert', ...common, '-alias', 'pk', '-file', cert]);
    await keytool(['-importcert', '-noprompt', ...common, '-alias', 'trusted', '-file', cert]);
    await makeVault(file, MIXED_STOREPASS, [
      { alias: 'datastore-alias', algorithm: 'AES', hexKey: NEW_KEYS.kek, keypass: MIXED_KEYPASS },
    ]);
  }

  test("AES-128 KEK under Apigee's alias, with the default (200,000) iteration count", () => {
    const key = read(v.newVault, { storepass: STOREPASS, alias: APIGEE_ALIAS });
    expect(key).toEqual({ alias: 'datastore-alias', algorithm: 'AES', key: Buffer.from(NEW_KEYS.kek, 'hex') });
    expect(iterationCounts(fs.readFileSync(v.newVault))).toEqual([200_000, 200_000, 200_000]);
  });

  test('AES-256 key', () => {
    const key = read(v.newVault, { storepass: STOREPASS, alias: 'aes256' });
    expect(key.key.toString('hex')).toBe(NEW_KEYS.aes256);
    expect(key.key).toHaveLength(32);
  });

  test('a key password different from the store password; aliases match case-insensitively', () => {
    const key = read(v.newVault, { storepass: STOREPASS, keypass: KEYPASS_OTHER, alias: 'OTHER.pass' });
    expect(key.alias).toBe('other.pass'); // the JDK lowercases aliases when storing
    expect(key.key.toString('hex')).toBe(NEW_KEYS.other);
  });

  test('old vaults (20 iterations): AES-128 keys with leading zero bytes keep all 16 bytes', () => {
    const vault = fs.readFileSync(v.oldVault);
    expect(iterationCounts(vault)).toEqual([20, 20, 20, 20]);
    for (const alias of ['datastore-alias', 'zero1', 'zero2'] as const) {
      const expected = alias === 'datastore-alias' ? OLD_KEYS.kek : OLD_KEYS[alias];
      const key = readJceksSecretKey(vault, { storepass: STOREPASS, alias }, v.oldVault);
      expect(key.key.toString('hex')).toBe(expected);
      expect(key.key).toHaveLength(16);
    }
    expect(OLD_KEYS.zero2.startsWith('0000')).toBe(true);
  });

  test('DESede key (old vault)', () => {
    const key = read(v.oldVault, { storepass: STOREPASS, alias: 'desede' });
    expect(key).toEqual({ alias: 'desede', algorithm: 'DESede', key: Buffer.from(OLD_KEYS.desede, 'hex') });
  });

  test('keytool -genseckey (AES-128, DESede) and -importpass entries give the bytes the JDK reads', async () => {
    const aliases = ['gen-aes', 'gen-des', 'pass-entry', 'datastore-alias'];
    const [java, printed] = await Promise.all([
      describeVaultKeys(v.mixed, MIXED_STOREPASS, MIXED_KEYPASS, aliases),
      printVaultKeys(v.mixed, MIXED_STOREPASS, MIXED_KEYPASS, ['gen-aes']),
    ]);
    const vault = fs.readFileSync(v.mixed);
    const ours = aliases.map((alias) =>
      readJceksSecretKey(vault, { storepass: MIXED_STOREPASS, keypass: MIXED_KEYPASS, alias }, v.mixed),
    );
    expect(ours.map((k) => [k.alias, k.key.toString('hex')])).toEqual(java.map((j) => [j.alias, j.hex]));
    expect(ours[0]?.key).toHaveLength(16);
    expect(ours[1]?.key).toHaveLength(24);
    // -importpass stores the password itself as a PBE key (one byte per char).
    expect(ours[2]?.key.toString('latin1')).toBe('imported-Secret-42');
    expect(ours[2]?.algorithm).toBe(java[2]?.algorithm);
    expect(ours[3]?.key.toString('hex')).toBe(NEW_KEYS.kek);
    expect(printed).toEqual([ours[0]?.key.toString('hex')]);
  });

  test('lists every entry, skipping private-key and trusted-cert bodies', () => {
    const vault = fs.readFileSync(v.mixed);
    const entries = listJceksEntries(vault, MIXED_STOREPASS, v.mixed);
    const kinds = Object.fromEntries(entries.map((e) => [e.alias, e.kind]));
    expect(kinds).toEqual({
      'gen-aes': 'secret-key',
      'gen-des': 'secret-key',
      'pass-entry': 'secret-key',
      'datastore-alias': 'secret-key',
      pk: 'private-key',
      trusted: 'trusted-cert',
    });
    for (const entry of entries) {
      expect(Math.abs(entry.date.getTime() - Date.now())).toBeLessThan(3_600_000);
    }
    expect(listJceksEntries(vault, undefined, v.mixed)).toEqual(entries);
  });

  test('wrong store password: KeyError before anything else, even for a missing alias', () => {
    for (const alias of ['datastore-alias', 'no-such-alias']) {
      expectError(
        () => read(v.newVault, { storepass: 'wrong-password', keypass: STOREPASS, alias }),
        KeyError,
        /keystore integrity check failed: the store password is wrong \(or the file was altered\)/,
        v.newVault,
      );
    }
    expectError(() => listJceksEntries(fs.readFileSync(v.mixed), 'wrong-password', v.mixed), KeyError, /integrity/, v.mixed);
  });

  test('an altered byte with the right store password fails the integrity check', () => {
    const vault = fs.readFileSync(v.oldVault);
    vault[vault.length - 40] = (vault[vault.length - 40] as number) ^ 0x01;
    expectError(() => readJceksSecretKey(vault, { storepass: STOREPASS, alias: APIGEE_ALIAS }, 'altered.jceks'), KeyError, /integrity/, 'altered.jceks');
  });

  test('wrong key password: KeyError', () => {
    expectError(
      () => read(v.oldVault, { storepass: STOREPASS, keypass: 'wrong-password', alias: 'zero1' }),
      KeyError,
      /cannot decrypt secret key "zero1".*key password is wrong/,
      v.oldVault,
    );
    expectError(() => read(v.mixed, { storepass: MIXED_STOREPASS, alias: APIGEE_ALIAS }), KeyError, /key password is wrong/, v.mixed);
    expectError(
      () => read(v.oldVault, { storepass: STOREPASS, keypass: 'pässword', alias: APIGEE_ALIAS }),
      KeyError,
      /not printable ASCII/,
      v.oldVault,
    );
  });

  test('missing alias: InputError listing the aliases present with their kinds', () => {
    let caught: unknown;
    try {
      read(v.mixed, { storepass: MIXED_STOREPASS, keypass: MIXED_KEYPASS, alias: 'kek' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    const err = caught as InputError;
    expect(err.message).toContain(v.mixed);
    expect(err.message).toMatch(/no entry with alias "kek"/);
    for (const present of ['datastore-alias (secret-key)', 'pk (private-key)', 'trusted (trusted-cert)', 'pass-entry (secret-key)']) {
      expect(err.message).toContain(present);
      expect(err.details).toContain(present);
    }
  });

  test('an alias that is not a secret key: InputError', () => {
    expectError(() => read(v.mixed, { storepass: MIXED_STOREPASS, alias: 'pk' }), InputError, /"pk" is a private-key entry, not a secret key/, v.mixed);
    expectError(() => read(v.mixed, { storepass: MIXED_STOREPASS, alias: 'Trusted' }), InputError, /trusted-cert entry/, v.mixed);
  });

  test('JKS and PKCS12 stores made by keytool: InputError naming the format', () => {
    expectError(() => read(v.jks, { storepass: STOREPASS, alias: APIGEE_ALIAS }), InputError, /JKS keystore, which cannot hold secret keys/, v.jks);
    expectError(() => read(v.pkcs12, { storepass: STOREPASS, alias: APIGEE_ALIAS }), InputError, /PKCS12/, v.pkcs12);
    expectError(() => listJceksEntries(fs.readFileSync(v.pkcs12), undefined, v.pkcs12), InputError, /PKCS12/, v.pkcs12);
  });

  test('empty, junk, truncated and over-long files: InputError naming what was expected', () => {
    const opts = { storepass: STOREPASS, alias: APIGEE_ALIAS };
    expectError(() => readJceksSecretKey(Buffer.alloc(0), opts, 'empty.jceks'), InputError, /empty; expected a JCEKS keystore/, 'empty.jceks');
    expectError(
      () => readJceksSecretKey(Buffer.from('hello, this is not a keystore\n'), opts, 'junk.jceks'),
      InputError,
      /not a JCEKS keystore: it starts with 68656c6c, expected cececece/,
      'junk.jceks',
    );
    expectError(() => readJceksSecretKey(hex('cece'), opts, 'tiny.jceks'), InputError, /only 2 byte\(s\); expected a JCEKS keystore/, 'tiny.jceks');
    const vault = fs.readFileSync(v.oldVault);
    for (const cut of [6, 12, 20, 40, 300, vault.length - 21, vault.length - 20, vault.length - 1]) {
      expectError(
        () => readJceksSecretKey(vault.subarray(0, cut), opts, 'cut.jceks'),
        InputError,
        /JCEKS keystore is truncated/,
        'cut.jceks',
      );
    }
    expectError(
      () => readJceksSecretKey(Buffer.concat([vault, hex('00')]), opts, 'long.jceks'),
      InputError,
      /1 unexpected byte\(s\) after its integrity hash/,
      'long.jceks',
    );
    expectError(() => readJceksSecretKey(hex('cececece 00000007 00000000'), opts, 'v7.jceks'), InputError, /unsupported JCEKS version 7/, 'v7.jceks');
  });

  test('the sealed-key stream inside a real vault: the parser reports exactly the bytes it used', () => {
    const vault = fs.readFileSync(v.oldVault);
    let offset = 12; // magic, version, count
    for (let i = 0; i < 4; i++) {
      expect(vault.readUInt32BE(offset)).toBe(3); // secret-key tag
      const aliasLength = vault.readUInt16BE(offset + 4);
      const streamStart = offset + 4 + 2 + aliasLength + 8;
      const parsed = parseJavaSerialization(vault, streamStart);
      const sealed = parsed.value as JavaObject;
      expect(sealed.classDesc.name).toBe('com.sun.crypto.provider.SealedObjectForKeyProtector');
      expect(isInstanceOf(sealed, 'javax.crypto.SealedObject')).toBe(true);
      expect(getStringField(sealed, 'sealAlg')).toBe('PBEWithMD5AndTripleDES');
      offset = streamStart + parsed.length;
    }
    expect(offset).toBe(vault.length - 20); // the integrity trailer follows the last stream
  });

  test('our PBE decryption matches Java Cipher PBEWithMD5AndTripleDES, including equal salt halves', () => {
    const expected = (p: Buffer): Buffer | undefined => (p.equals(PBE_PLAINTEXT) ? p : undefined);
    for (const salt of Object.values(PBE_SALTS)) {
      const ciphertext = v.javaCiphertexts.get(salt.toString('hex')) as Buffer;
      expect(decryptPbeWithMd5AndTripleDes(ciphertext, 'quirk-pass', { salt, iterations: 7 }, expected)).toEqual(PBE_PLAINTEXT);
      expect(() => decryptPbeWithMd5AndTripleDes(ciphertext, 'quirk-pasS', { salt, iterations: 7 }, expected)).toThrow(/key password is wrong/);
    }
    // The JDK here uses the first reading we try (the reversal [d,c,b,a]).
    const [reversed] = saltReadings(PBE_SALTS.equalHalves);
    const { key, iv } = deriveKeyAndIv(Buffer.from('quirk-pass'), reversed as Buffer, 7);
    const decipher = crypto.createDecipheriv('des-ede3-cbc', key, iv);
    const ciphertext = v.javaCiphertexts.get(PBE_SALTS.equalHalves.toString('hex')) as Buffer;
    expect(Buffer.concat([decipher.update(ciphertext), decipher.final()])).toEqual(PBE_PLAINTEXT);
  });
});

/** The PBE iteration count of every secret-key entry, read from the sealed objects' parameters. */
function iterationCounts(vault: Buffer): number[] {
  const counts: number[] = [];
  let at = vault.indexOf(MAGIC);
  while (at >= 0) {
    const { value, length } = parseJavaSerialization(vault, at);
    counts.push(parsePbeParameters(getByteArrayField(value as JavaObject, 'encodedParams')).iterations);
    at = vault.indexOf(MAGIC, at + length);
  }
  return counts;
}
