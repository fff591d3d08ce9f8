// Authentication of import / verify --live: bearer token, service-account key (--account) and ADC through google-auth-library.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';

const kek = Buffer.from('1f1e1d1c1b1a19181716151413121110', 'hex');
const TOKEN = 'ya29.static-token-for-auth-tests';
const EMAIL = 'amu-importer@my-x-project.iam.gserviceaccount.com';

describe('Apigee API authentication', () => {
  let work: string;
  let dumpDir: string;
  let fake: FakeApigeeApi;
  let keyFile: string;
  let strangerKeyFile: string;
  let privateKey: string;
  let counter = 0;

  async function writeKey(file: string, pem: string, email: string): Promise<string> {
    const key = {
      type: 'service_account',
      project_id: 'my-x-project',
      private_key_id: '0123456789abcdef',
      private_key: pem,
      client_email: email,
      client_id: '1234567890',
      token_uri: `${fake.url}/token`,
    };
    await writeFile(file, JSON.stringify(key, null, 2), { mode: 0o600 });
    return file;
  }

  const base = () => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dumpDir, API_URL: fake.url });
  function freshOrg(): string {
    const name = `auth-${++counter}`;
    fake.addOrg(name, ['test'], []);
    return name;
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-auth-'));
    dumpDir = path.join(work, 'emigrate');
    await mkdir(dumpDir);
    const specs = [{ scope: { kind: 'env' as const, env: 'test' }, name: 'creds', encrypted: true, entries: [{ name: 'k', value: 'v' }] }];
    await writeFile(path.join(dumpDir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, specs, seededRandomBytes('auth'))));
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fake = new FakeApigeeApi({ tokens: [TOKEN], serviceAccounts: { [EMAIL]: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    await fake.start();
    keyFile = await writeKey(path.join(work, 'key.json'), privateKey, EMAIL);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    strangerKeyFile = await writeKey(path.join(work, 'stranger.json'), stranger, EMAIL);
  });
  afterAll(async () => {
    await fake.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('--account KEY_FILE: a signed JWT is exchanged at the key file\'s token_uri; the token never shows, even with --debug', async () => {
    const tgt = freshOrg();
    const before = fake.stats.tokenRequests;
    const r = await runAmu(['kvms', 'import', '--tgt-org', tgt, '--account', keyFile, '--debug'], base());
    expect(r.code).toBe(0);
    expect(fake.stats.tokenRequests).toBeGreaterThan(before);
    expect(fake.entriesOf(tgt, 'env:test', 'creds')).toEqual({ k: 'v' });
    expect(r.stderr).toContain(`authenticated with service account ${EMAIL} (--account ${keyFile})`);
    expect(r.stderr).toMatch(/debug: API GET \/v1\/organizations\/auth-\d+\/environments -> 200/);
    expect(r.stderr + r.stdout).not.toMatch(/ya29\.fake-/);
    expect(r.stderr + r.stdout).not.toContain(privateKey.split('\n')[1]);
  });

  test('Application Default Credentials from GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const tgt = freshOrg();
    const r = await runAmu(['kvms', 'import', '--tgt-org', tgt], { ...base(), GOOGLE_APPLICATION_CREDENTIALS: keyFile });
    expect(r.code).toBe(0);
    expect(fake.entriesOf(tgt, 'env:test', 'creds')).toEqual({ k: 'v' });
    const live = await runAmu(['kvms', 'verify', '--live', '--tgt-org', tgt], { ...base(), GOOGLE_APPLICATION_CREDENTIALS: keyFile });
    expect(live.code).toBe(0);
  });

  test('--token and APIGEE_TOKEN: a bearer token, masked in --debug output; the flag wins', async () => {
    const tgt = freshOrg();
    const viaVariable = await runAmu(['kvms', 'import', '--tgt-org', tgt, '--debug'], { ...base(), APIGEE_TOKEN: TOKEN });
    expect(viaVariable.code).toBe(0);
    expect(viaVariable.stderr).not.toContain(TOKEN);
    const viaFlag = await runAmu(['kvms', 'import', '--tgt-org', tgt, '--token', TOKEN], { ...base(), APIGEE_TOKEN: 'ya29.not-this-one' });
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stdout).not.toContain(TOKEN);
  });

  test('a key the token endpoint refuses, and a missing key file, are clear errors (exit 5, exit 3)', async () => {
    const refused = await runAmu(['kvms', 'import', '--tgt-org', freshOrg(), '--account', strangerKeyFile], base());
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(new RegExp(`error: cannot get an access token for service account ${EMAIL.replace(/\./g, '\\.')} \\(--account .*\\): .*invalid_grant`));
    const missing = await runAmu(['kvms', 'import', '--tgt-org', freshOrg(), '--account', path.join(work, 'nope.json')], base());
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/error: cannot read the credentials file .*nope\.json/);
  });
});
