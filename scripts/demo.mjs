#!/usr/bin/env node
// `npm run demo`: the whole Edge pipeline on the bundled sample (fixtures/sample), as a user would run it, into demo-out/ and a stand-in Apigee API.
import { $, fs, path, chalk } from 'zx';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const sample = path.join(root, 'fixtures', 'sample');
const out = path.join(root, 'demo-out');
const amu = path.join(root, 'bin', 'amu');

$.verbose = false;
$.stdio = ['pipe', 'pipe', 'inherit'];
const step = (text) => console.log(chalk.bold(`\n$ ${text}`));

await fs.remove(out);
// The sample vault's password: a demo value, passed as the variable STOREPASS so it never shows in ps.
const env = { ...process.env, STOREPASS: 'demo-store-pass', ORG: 'demo', SRC: 'opdk', EMIGRATE_DIR: path.join(out, 'emigrate') };

step('amu kek export --src opdk --vault fixtures/sample/vault.jceks        # STOREPASS from the environment');
const kek = (await $({ env })`${amu} kek export --vault ${path.join(sample, 'vault.jceks')}`).stdout.trim();
console.log(`${kek.slice(0, 4)}…${kek.slice(-4)} (${kek.length / 2} bytes; kept in the variable KEK)`);

step('amu kvms emigrate --src opdk --org demo --emigrate-dir demo-out/emigrate --cassandra-cli fixtures/sample/bin/cassandra-cli');
console.log((await $({ env })`${amu} kvms emigrate --cassandra-cli ${path.join(sample, 'bin', 'cassandra-cli')}`).stdout.trim());

for (const [tgt, dir, extra] of [
  ['apigeecli', 'apigeecli', []],
  ['maven', 'maven-project', ['--maven-project']],
]) {
  step(`amu kvms export --src opdk --org demo --emigrate-dir demo-out/emigrate --export-dir demo-out/${dir} --tgt ${tgt} ${extra.join(' ')}`);
  const r = await $({ env: { ...env, KEK: kek }, nothrow: true })`${amu} kvms export --export-dir ${path.join(out, dir)} --tgt ${tgt} ${extra}`;
  console.log(r.stdout.trim());
  if (r.exitCode !== 0) throw new Error(`amu kvms export exited with ${r.exitCode}`);
}

step('amu kvms verify --src opdk --org demo --emigrate-dir demo-out/emigrate --export-dir demo-out/apigeecli --tgt apigeecli');
const verify = await $({ env: { ...env, KEK: kek }, nothrow: true })`${amu} kvms verify --export-dir ${path.join(out, 'apigeecli')} --tgt apigeecli`;
console.log(verify.stdout.trim());
if (verify.exitCode !== 0) throw new Error(`amu kvms verify exited with ${verify.exitCode}`);

// Apigee X stands in as amu's fake Apigee API (test/support, the v1 KVM resources) on loopback, with the sample's
// environments and proxies; amu talks to it as it would to https://apigee.googleapis.com.
const { FakeApigeeApi } = await import(path.join(root, 'build', 'test', 'support', 'fakeApigeeApi.js'));
const sampleKvms = JSON.parse(await fs.readFile(path.join(sample, 'expected.json'), 'utf8')).kvms;
const envs = [...new Set(sampleKvms.filter((k) => k.scope.kind === 'env').map((k) => k.scope.env))];
const proxies = [...new Set(sampleKvms.filter((k) => k.scope.kind === 'proxy' || k.scope.kind === 'revision').map((k) => k.scope.proxy))];
const apigee = new FakeApigeeApi({ tokens: ['demo-token'] });
apigee.addOrg('demo-x', envs, proxies);
const apiEnv = { ...env, KEK: kek, TGT_ORG: 'demo-x', API_URL: await apigee.start(), APIGEE_TOKEN: 'demo-token' };
try {
  for (const [command, args] of [
    ['kvms import', ['--dry-run']],
    ['kvms import', []],
    ['kvms verify', ['--live']],
  ]) {
    step(`amu ${command} --src opdk --org demo --emigrate-dir demo-out/emigrate --tgt-org demo-x --api-url ${apiEnv.API_URL} ${args.join(' ')}`.trim() + '   # a stand-in Apigee API; token in APIGEE_TOKEN');
    const r = await $({ env: apiEnv, nothrow: true })`${amu} ${command.split(' ')} ${args}`;
    console.log(r.stdout.trim());
    if (r.exitCode !== 0) throw new Error(`amu ${command} exited with ${r.exitCode}`);
  }
} finally {
  await apigee.stop();
}

step('find demo-out -type f');
console.log((await $`cd ${root} && find demo-out -type f | sort`).stdout.trim());
step('cat demo-out/apigeecli/env__prod__backendCredentials__kvmfile__0.json');
console.log(await fs.readFile(path.join(out, 'apigeecli', 'env__prod__backendCredentials__kvmfile__0.json'), 'utf8'));
