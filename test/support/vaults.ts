// Test helpers that make real keystores (JCEKS, JKS, PKCS12) with the JDK's keytool and VaultTool.java.

import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The single-file Java program run with the JDK source launcher. */
export const VAULT_TOOL = fileURLToPath(new URL('./java/VaultTool.java', import.meta.url));

let javaCheck: boolean | undefined;

/** True when `java` (17 or later, for the source launcher and HexFormat) and `keytool` can run. */
export function javaAvailable(): boolean {
  if (javaCheck === undefined) {
    const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
    const keytool = spawnSync('keytool', ['-help'], { encoding: 'utf8' });
    const major = /version "(\d+)/.exec(`${java.stderr ?? ''}${java.stdout ?? ''}`)?.[1];
    javaCheck = java.status === 0 && keytool.status === 0 && major !== undefined && Number(major) >= 17;
  }
  return javaCheck;
}

/** A fresh temporary directory for vault files. */
export function makeTempDir(prefix = 'amu-vaults-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A secret-key entry holding exactly `hexKey` (a javax.crypto.spec.SecretKeySpec). */
export interface SecretKeyEntrySpec {
  alias: string;
  algorithm: 'AES' | 'DESede';
  hexKey: string;
  /** Default: the store password. */
  keypass?: string;
}

export interface MakeVaultOptions {
  /** Key-protection iteration count (JDK 17 default 200,000; old JDKs wrote 20). */
  iterationCount?: number;
}

/**
 * Creates `file` as a JCEKS store with these entries, or adds them to it if it exists, in one JVM
 * launch of VaultTool.java.
 */
export async function makeVault(
  file: string,
  storepass: string,
  entries: SecretKeyEntrySpec[],
  opts: MakeVaultOptions = {},
): Promise<void> {
  const jvmOptions = opts.iterationCount === undefined ? [] : [`-Djdk.jceks.iterationCount=${opts.iterationCount}`];
  const entryArgs = entries.flatMap((e) => [e.keypass ?? storepass, e.alias, e.algorithm, e.hexKey]);
  await runJava([...jvmOptions, VAULT_TOOL, 'create', file, storepass, ...entryArgs]);
}

export interface JavaKeyDescription {
  alias: string;
  algorithm: string;
  className: string;
  hex: string;
}

/** What the JDK itself reads from secret-key entries (KeyStore.getKey), one JVM launch for all aliases. */
export async function describeVaultKeys(
  file: string,
  storepass: string,
  keypass: string,
  aliases: string[],
): Promise<JavaKeyDescription[]> {
  const stdout = await runJava([VAULT_TOOL, 'describe', file, storepass, keypass, ...aliases]);
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [alias = '', algorithm = '', className = '', hex = ''] = line.split('\t');
      return { alias, algorithm, className, hex };
    });
}

/** The keys as lowercase hex, as VaultTool `print` shows them. */
export async function printVaultKeys(file: string, storepass: string, keypass: string, aliases: string[]): Promise<string[]> {
  const stdout = await runJava([VAULT_TOOL, 'print', file, storepass, keypass, ...aliases]);
  return stdout.trim().split('\n');
}

/** Java's own PBEWithMD5AndTripleDES encryption (Cipher), to check our decryption against. */
export async function javaPbeEncrypt(password: string, salt: Buffer, iterations: number, plaintext: Buffer): Promise<Buffer> {
  const stdout = await runJava([
    VAULT_TOOL,
    'pbe-encrypt',
    password,
    salt.toString('hex'),
    String(iterations),
    plaintext.toString('hex'),
  ]);
  return Buffer.from(stdout.trim(), 'hex');
}

/** Runs keytool with an English locale; `input` is fed on stdin (e.g. the secret of -importpass). */
export async function keytool(args: string[], input?: string): Promise<string> {
  return run('keytool', ['-J-Duser.language=en', ...args], input);
}

/** `keytool -genkeypair` of a small EC key with a self-signed certificate. */
export async function makeKeyPair(
  file: string,
  storetype: 'JCEKS' | 'JKS' | 'PKCS12',
  storepass: string,
  keypass: string,
  alias: string,
): Promise<void> {
  await keytool([
    '-genkeypair',
    '-storetype', storetype,
    '-keystore', file,
    '-storepass', storepass,
    '-keypass', keypass,
    '-alias', alias,
    '-keyalg', 'EC',
    '-groupname', 'secp256r1',
    '-dname', 'CN=amu-test',
    '-validity', '30',
  ]);
}

async function runJava(args: string[]): Promise<string> {
  return run('java', args);
}

async function run(command: string, args: string[], input?: string): Promise<string> {
  const child = execFileAsync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  } else {
    child.child.stdin?.end();
  }
  try {
    return (await child).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}
