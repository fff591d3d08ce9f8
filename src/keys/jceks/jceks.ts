// Reads secret keys out of Java JCEKS keystores (the Apigee vault) in pure TypeScript, without Java.

import crypto from 'node:crypto';
import { InputError, KeyError } from '../../errors.js';
import {
  BinaryFormatError,
  ByteReader,
  getByteArrayField,
  getEnumField,
  getStringField,
  isInstanceOf,
  javaClassName,
  parseJavaSerialization,
  type JavaObject,
  type JavaValue,
} from './javaSerialization.js';
import { decryptPbeWithMd5AndTripleDes, parsePbeParameters, PbeError, type PbeParameters } from './pbeMd5TripleDes.js';

export interface JceksOptions {
  storepass: string;
  /** The entry (Apigee's: `datastore-alias`, the --alias default). Matched case-insensitively, as keytool lowercases aliases. */
  alias: string;
  /** Default: the store password. */
  keypass?: string;
}

export interface JceksSecretKey {
  /** The alias as stored in the keystore. */
  alias: string;
  algorithm: string;
  /** The raw key bytes. */
  key: Buffer;
}

export type JceksEntryKind = 'private-key' | 'trusted-cert' | 'secret-key';

export interface JceksEntryInfo {
  alias: string;
  kind: JceksEntryKind;
  date: Date;
}

const JCEKS_MAGIC = 0xcececece;
const JKS_MAGIC = 0xfeedfeed;
const SUPPORTED_VERSIONS = [1, 2];
const TRAILER_LENGTH = 20;
const INTEGRITY_SALT = 'Mighty Aphrodite';
const PBE_ALGORITHM = 'PBEWithMD5AndTripleDES';
const ENTRY_KINDS: Record<number, JceksEntryKind> = { 1: 'private-key', 2: 'trusted-cert', 3: 'secret-key' };

interface JceksEntry extends JceksEntryInfo {
  /** The javax.crypto.SealedObject of a secret-key entry. */
  sealedKey?: JavaObject;
}

interface JceksLayout {
  entries: JceksEntry[];
  /** Length of everything the integrity trailer covers. */
  bodyLength: number;
}

/**
 * Decrypts the secret-key entry `opts.alias` of a JCEKS keystore and returns its raw key bytes.
 * The integrity trailer is checked before any entry is looked up or decrypted; only the framing is
 * read first, so that a truncated file is reported as such and not as a wrong password.
 */
export function readJceksSecretKey(vault: Buffer, opts: JceksOptions, fileName?: string): JceksSecretKey {
  const where = fileName ?? 'the vault';
  const layout = readLayout(vault, where);
  verifyIntegrity(vault, layout.bodyLength, opts.storepass, where);
  const entry = findSecretKeyEntry(layout.entries, opts.alias, where);
  return unsealSecretKey(entry, opts.keypass ?? opts.storepass, where);
}

/**
 * The entries of a JCEKS keystore. With a store password the integrity trailer is verified first;
 * without one it is not (like `keytool -list` without a password).
 */
export function listJceksEntries(vault: Buffer, storepass: string | undefined, fileName?: string): JceksEntryInfo[] {
  const where = fileName ?? 'the vault';
  const layout = readLayout(vault, where);
  if (storepass !== undefined) verifyIntegrity(vault, layout.bodyLength, storepass, where);
  return layout.entries.map(({ alias, kind, date }) => ({ alias, kind, date }));
}

/** Checks the magic number, naming the format when the file is another kind of keystore. */
function checkFormat(vault: Buffer, where: string): void {
  if (vault.length === 0) {
    throw new InputError(`${where}: the file is empty; expected a JCEKS keystore`);
  }
  if (looksLikeDerSequence(vault)) {
    throw new InputError(
      `${where}: this looks like a PKCS12 keystore (it starts with a DER SEQUENCE); expected a JCEKS keystore`,
      ['Convert it with: keytool -importkeystore -srcstoretype PKCS12 -deststoretype JCEKS ...'],
    );
  }
  if (vault.length < 4) {
    throw new InputError(`${where}: the file is only ${vault.length} byte(s); expected a JCEKS keystore`);
  }
  const magic = vault.readUInt32BE(0);
  if (magic === JKS_MAGIC) {
    throw new InputError(`${where}: this is a JKS keystore, which cannot hold secret keys; expected a JCEKS keystore`);
  }
  if (magic !== JCEKS_MAGIC) {
    throw new InputError(
      `${where}: not a JCEKS keystore: it starts with ${vault.subarray(0, 4).toString('hex')}, expected cececece`,
    );
  }
}

/** 0x30 then a DER length byte: short form, long form with 1–4 length bytes, or BER indefinite (0x80). */
function looksLikeDerSequence(vault: Buffer): boolean {
  const lengthByte = vault[1];
  return vault[0] === 0x30 && lengthByte !== undefined && lengthByte <= 0x84;
}

/** Reads the header and the framing of every entry, without any password. */
function readLayout(vault: Buffer, where: string): JceksLayout {
  checkFormat(vault, where);
  const reader = new ByteReader(vault, 4);
  try {
    const version = reader.u32('version');
    if (!SUPPORTED_VERSIONS.includes(version)) {
      throw new InputError(`${where}: unsupported JCEKS version ${version} (expected 1 or 2)`);
    }
    const count = reader.u32('entry count');
    const entries: JceksEntry[] = [];
    for (let i = 0; i < count; i++) {
      entries.push(readEntry(reader, version, where));
    }
    checkTrailerLength(reader.remaining, where);
    return { entries, bodyLength: reader.offset };
  } catch (err) {
    if (err instanceof BinaryFormatError) {
      throw new InputError(`${where}: the JCEKS keystore is truncated or corrupt: ${err.message}`, [], { cause: err });
    }
    throw err;
  }
}

function checkTrailerLength(remaining: number, where: string): void {
  if (remaining < TRAILER_LENGTH) {
    throw new InputError(
      `${where}: the JCEKS keystore is truncated: it ends ${TRAILER_LENGTH - remaining} byte(s) short of its integrity hash`,
    );
  }
  if (remaining > TRAILER_LENGTH) {
    throw new InputError(
      `${where}: the JCEKS keystore is corrupt: ${remaining - TRAILER_LENGTH} unexpected byte(s) after its integrity hash`,
    );
  }
}

/** One entry: u32 tag, alias, i64 date, then a body that depends on the tag. */
function readEntry(reader: ByteReader, version: number, where: string): JceksEntry {
  const tagOffset = reader.offset;
  const tag = reader.u32('entry tag');
  const kind = ENTRY_KINDS[tag];
  if (kind === undefined) {
    throw new InputError(`${where}: the JCEKS keystore is corrupt: unknown entry tag ${tag} at offset ${tagOffset}`);
  }
  const alias = reader.utf('alias');
  const date = new Date(Number(reader.i64('entry date')));
  if (kind === 'private-key') {
    skipPrivateKeyBody(reader, version);
  } else if (kind === 'trusted-cert') {
    skipCertificate(reader, version);
  } else {
    return { alias, kind, date, sealedKey: readSealedKey(reader, alias, where) };
  }
  return { alias, kind, date };
}

/** Tag 1: u32-length encrypted private key, then the certificate chain. */
function skipPrivateKeyBody(reader: ByteReader, version: number): void {
  skipLengthPrefixed(reader, 'encrypted private key');
  const chainLength = reader.u32('certificate chain length');
  for (let i = 0; i < chainLength; i++) {
    skipCertificate(reader, version);
  }
}

/** A certificate: its type name (version 2 only), then u32-length encoding. */
function skipCertificate(reader: ByteReader, version: number): void {
  if (version === 2) reader.utf('certificate type');
  skipLengthPrefixed(reader, 'certificate');
}

function skipLengthPrefixed(reader: ByteReader, what: string): void {
  reader.skip(reader.u32(`${what} length`), what);
}

/** Tag 3: a serialization stream with no length prefix holding a javax.crypto.SealedObject. */
function readSealedKey(reader: ByteReader, alias: string, where: string): JavaObject {
  const start = reader.offset;
  const { value, length } = parseJavaSerialization(reader.buf, start);
  if (!isInstanceOf(value, 'javax.crypto.SealedObject')) {
    throw new InputError(
      `${where}: the JCEKS keystore is corrupt: secret-key entry "${alias}" holds ${describeValue(value)}, not a SealedObject`,
    );
  }
  reader.skip(length, 'sealed key');
  return value;
}

/** SHA-1(UTF-16BE(storepass) || "Mighty Aphrodite" || body) must equal the 20-byte trailer. */
function verifyIntegrity(vault: Buffer, bodyLength: number, storepass: string, where: string): void {
  const passwordBytes = Buffer.from(storepass, 'utf16le').swap16();
  const digest = crypto
    .createHash('sha1')
    .update(passwordBytes)
    .update(INTEGRITY_SALT, 'utf8')
    .update(vault.subarray(0, bodyLength))
    .digest();
  passwordBytes.fill(0);
  if (!crypto.timingSafeEqual(digest, vault.subarray(bodyLength, bodyLength + TRAILER_LENGTH))) {
    throw new KeyError(
      `${where}: keystore integrity check failed: the store password is wrong (or the file was altered)`,
    );
  }
}

/** The secret-key entry with this alias (case-insensitive). */
function findSecretKeyEntry(entries: JceksEntry[], alias: string, where: string): JceksEntry & { sealedKey: JavaObject } {
  const wanted = alias.toLowerCase();
  const entry = entries.find((e) => e.alias.toLowerCase() === wanted);
  if (entry === undefined) {
    const present = entries.map((e) => `${e.alias} (${e.kind})`);
    throw new InputError(
      `${where}: no entry with alias "${alias}"; ${
        present.length ? `entries present: ${present.join(', ')}` : 'the keystore has no entries'
      }`,
      present,
    );
  }
  if (entry.sealedKey === undefined) {
    throw new InputError(`${where}: alias "${entry.alias}" is a ${entry.kind} entry, not a secret key`);
  }
  return entry as JceksEntry & { sealedKey: JavaObject };
}

interface SealedKeyFields {
  params: PbeParameters;
  encryptedContent: Buffer;
}

/** The PBE parameters and ciphertext of a SealedObject, checking it uses PBEWithMD5AndTripleDES. */
function sealedKeyFields(sealed: JavaObject, alias: string, where: string): SealedKeyFields {
  try {
    const sealAlg = getStringField(sealed, 'sealAlg');
    const paramsAlg = getStringField(sealed, 'paramsAlg');
    if (sealAlg !== PBE_ALGORITHM || paramsAlg !== PBE_ALGORITHM) {
      throw new InputError(
        `${where}: secret key "${alias}" is sealed with ${sealAlg} (parameters ${paramsAlg}); only ${PBE_ALGORITHM} is supported`,
      );
    }
    return {
      params: parsePbeParameters(getByteArrayField(sealed, 'encodedParams')),
      encryptedContent: getByteArrayField(sealed, 'encryptedContent'),
    };
  } catch (err) {
    if (err instanceof BinaryFormatError || err instanceof PbeError) {
      throw new InputError(`${where}: secret key "${alias}" is malformed: ${err.message}`, [], { cause: err });
    }
    throw err;
  }
}

/** Decrypts a sealed secret key with the key password and extracts the raw key. */
function unsealSecretKey(entry: JceksEntry & { sealedKey: JavaObject }, keypass: string, where: string): JceksSecretKey {
  const { params, encryptedContent } = sealedKeyFields(entry.sealedKey, entry.alias, where);
  let plaintext: { value: JavaValue };
  try {
    plaintext = decryptPbeWithMd5AndTripleDes(encryptedContent, keypass, params, parsePlaintextStream);
  } catch (err) {
    if (!(err instanceof PbeError)) throw err;
    const message = `${where}: cannot decrypt secret key "${entry.alias}": ${err.message}`;
    throw err.reason === 'malformed' ? new InputError(message, [], { cause: err }) : new KeyError(message);
  }
  return { alias: entry.alias, ...keyFromPlaintext(plaintext.value, entry.alias, where) };
}

/** A decrypted plaintext is accepted only if it is exactly one serialization stream. */
function parsePlaintextStream(plaintext: Buffer): { value: JavaValue } | undefined {
  try {
    const { value, length } = parseJavaSerialization(plaintext);
    return length === plaintext.length ? { value } : undefined;
  } catch (err) {
    if (err instanceof BinaryFormatError) return undefined;
    throw err;
  }
}

/** The algorithm and raw bytes of a decrypted javax.crypto.spec.SecretKeySpec or java.security.KeyRep. */
function keyFromPlaintext(value: JavaValue, alias: string, where: string): { algorithm: string; key: Buffer } {
  const fail = (detail: string, cause?: unknown): never => {
    throw new InputError(`${where}: secret key "${alias}" ${detail}`, [], { cause });
  };
  try {
    let result: { algorithm: string; key: Buffer } | undefined;
    if (isInstanceOf(value, 'javax.crypto.spec.SecretKeySpec')) {
      result = { algorithm: getStringField(value, 'algorithm'), key: getByteArrayField(value, 'key') };
    } else if (isInstanceOf(value, 'java.security.KeyRep')) {
      result = keyFromKeyRep(value, fail);
    } else {
      return fail(`decrypted to ${describeValue(value)}, not a SecretKeySpec or KeyRep`);
    }
    if (result.key.length === 0) fail('is empty');
    return result;
  } catch (err) {
    if (err instanceof BinaryFormatError) return fail(`decrypted to a malformed key object: ${err.message}`, err);
    throw err;
  }
}

function keyFromKeyRep(rep: JavaObject, fail: (detail: string) => never): { algorithm: string; key: Buffer } {
  const type = getEnumField(rep, 'type').constant;
  if (type !== 'SECRET') fail(`is a KeyRep of type ${type}, not SECRET`);
  const format = getStringField(rep, 'format');
  if (format !== 'RAW') fail(`is a KeyRep in format ${format}, not RAW`);
  return { algorithm: getStringField(rep, 'algorithm'), key: getByteArrayField(rep, 'encoded') };
}

function describeValue(value: JavaValue): string {
  if (value === null) return 'null';
  const className = javaClassName(value);
  return className ? `a ${className}` : `a ${typeof value === 'object' ? value.kind : typeof value}`;
}
