#!/usr/bin/env node
// Makes the bundled demo sample in fixtures/sample: a JCEKS vault made by keytool and a synthetic Edge org dumped as cassandra-cli prints it.
// Run: npm run build && npm run sample   (needs java 17+ and keytool; the committed output is what the demo uses)
import { $, fs, path } from 'zx';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'fixtures', 'sample');
const { buildEdgeColumns, formatCliDump, seededRandomBytes } = await import(path.join(root, 'build', 'test', 'support', 'edgeDump.js'));

export const SAMPLE = { org: 'demo', storepass: 'demo-store-pass', alias: 'datastore-alias' };
const vault = path.join(out, 'vault.jceks');

$.verbose = false;
await fs.mkdirp(out);
await fs.remove(vault);
// The KEK is made by the JDK itself, exactly as an Edge management server's vault holds it.
await $`keytool -genseckey -alias ${SAMPLE.alias} -keyalg AES -keysize 128 -storetype JCEKS -keystore ${vault} -storepass ${SAMPLE.storepass} -keypass ${SAMPLE.storepass}`.quiet();
// Read it back with the JDK, not with amu, so the sample does not depend on the code it demonstrates.
const kek = (await $`java ${path.join(root, 'test', 'support', 'java', 'VaultTool.java')} print ${vault} ${SAMPLE.storepass} ${SAMPLE.storepass} ${SAMPLE.alias}`).stdout.trim();

const org = { kind: 'org' };
const env = (name) => ({ kind: 'env', env: name });
const proxy = (name) => ({ kind: 'proxy', proxy: name });
const revision = (name, rev) => ({ kind: 'revision', proxy: name, revision: rev });
const e = (name, value) => ({ name, value });

const kvms = [
  { scope: org, name: 'orgSettings', encrypted: true, entries: [e('region', 'eu-west'), e('supportEmail', 'api-team@example.com')] },
  { scope: org, name: 'featureFlags', encrypted: false, entries: [e('newCheckout', 'true'), e('betaBanner', 'false')] },
  { scope: org, name: 'CustomReportsdemo#1f0c3a52-8a4e-4c55-9d1e-6b2f3c4d5e6f', encrypted: false, entries: [e('1f0c3a52-8a4e-4c55-9d1e-6b2f3c4d5e6f', '{"displayName":"traffic"}')] },
  { scope: env('test'), name: 'backendCredentials', encrypted: true, entries: [e('username', 'svc-test'), e('password', 'p@ss, value=tricky), timestamp=1'), e('note', 'line one\nline two "quoted" \\ backslash')] },
  { scope: env('test'), name: 'Empty', encrypted: true, entries: [] },
  { scope: env('test'), name: 'routing', encrypted: false, entries: [e('target', 'https://test.backend.example.com'), e('timeoutMs', '3000')] },
  { scope: env('prod'), name: 'backendCredentials', encrypted: true, entries: [e('username', 'svc-prod'), e('password', 'Zürich-€-東京'), e('empty', '')] },
  { scope: env('prod'), name: 'routing', encrypted: false, entries: [e('target', 'https://backend.example.com'), e('timeoutMs', '1500')] },
  { scope: proxy('weather-api'), name: 'apiKeys', encrypted: true, entries: [e('openweather', 'k-123456'), e('fallback', 'k-654321')] },
  { scope: revision('weather-api', '1'), name: 'cacheConfig', encrypted: true, entries: [e('ttl', '60')] },
  { scope: revision('weather-api', '2'), name: 'cacheConfig', encrypted: true, entries: [e('ttl', '300')] },
  { scope: revision('orders-api', '5'), name: 'limits', encrypted: true, entries: [e('perMinute', '100')] },
];

const columns = buildEdgeColumns(Buffer.from(kek, 'hex'), kvms, seededRandomBytes('amu-demo-sample'));
await fs.writeFile(path.join(out, 'demo-kvms.out'), formatCliDump(SAMPLE.org, columns));
await fs.writeJson(path.join(out, 'expected.json'), { org: SAMPLE.org, kek, kvms }, { spaces: 2 });
console.log(`fixtures/sample: vault.jceks (KEK ${kek}), demo-kvms.out (${columns.length} columns), expected.json`);
