// The apigeecli and maven targets: file names, refused names, files written, extras (import-kvms.sh, pom.xml).
import { mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApigeecliWriter, apigeecliFileName } from '../../src/export/targets/apigeecli.js';
import { MavenConfigWriter, mavenConfigFile } from '../../src/export/targets/maven.js';
import { buildPom } from '../../src/export/targets/mavenPom.js';
import { XMLParser } from 'fast-xml-parser';
import type { Kvm } from '../../src/kvm/model.js';

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'amu-targets-'));
const org = { kind: 'org' } as const;
const env = (e: string) => ({ kind: 'env', env: e }) as const;
const proxy = (p: string) => ({ kind: 'proxy', proxy: p }) as const;

describe('apigeecli target', () => {
  test('file names, current and legacy', () => {
    expect(apigeecliFileName({ scope: org, name: 'k' }, 'current')).toBe('org__k__kvmfile__0.json');
    expect(apigeecliFileName({ scope: env('qa'), name: 'k' }, 'current')).toBe('env__qa__k__kvmfile__0.json');
    expect(apigeecliFileName({ scope: proxy('p'), name: 'k' }, 'current')).toBe('proxy__p__k__kvmfile__0.json');
    expect(apigeecliFileName({ scope: env('qa'), name: 'k' }, 'legacy')).toBe('env_qa_k_kvmfile_0.json');
  });
  test('names that cannot round-trip are refused with a reason', () => {
    const w = new ApigeecliWriter('/nowhere');
    expect(w.unrepresentable({ scope: org, name: 'a__b' })).toMatch(/"__"/);
    expect(w.unrepresentable({ scope: org, name: 'a b' })).toMatch(/whitespace/);
    expect(w.unrepresentable({ scope: org, name: 'a/b' })).toMatch(/path separator/);
    expect(w.unrepresentable({ scope: org, name: '..' })).toMatch(/"\.\."/);
    expect(w.unrepresentable({ scope: env('q a'), name: 'k' })).toMatch(/environment name/);
    expect(w.unrepresentable({ scope: proxy('my-env'), name: 'k' })).toMatch(/ends with "env"/);
    expect(w.unrepresentable({ scope: org, name: 'trailing_' })).toMatch(/ends with "_"/);
    expect(w.unrepresentable({ scope: org, name: 'a_b-c.d' })).toBeUndefined();
    expect(w.unrepresentable({ scope: env('_qa'), name: '_private' })).toBeUndefined();
    expect(w.unrepresentable({ scope: env('qa_'), name: 'k' })).toMatch(/ends with "_"/);
    const legacy = new ApigeecliWriter('/nowhere', 'legacy');
    expect(legacy.unrepresentable({ scope: org, name: 'a_b' })).toMatch(/"_"/);
  });
  test('writes one 0600 file per KVM with keyValueEntries and nextPageToken', async () => {
    const dir = await tmp();
    const w = new ApigeecliWriter(dir);
    const kvm: Kvm = { scope: env('qa'), name: 'k', encrypted: true, entries: [{ name: 'a', value: 'line1\nline2 "q" \\ é' }, { name: '', value: '' }] };
    await w.write(kvm);
    expect(await w.finish()).toEqual(['env__qa__k__kvmfile__0.json']);
    const file = path.join(dir, 'env__qa__k__kvmfile__0.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ keyValueEntries: kvm.entries, nextPageToken: '' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
  test('warns once per KVM name bulk import would merge, environments and proxies apart, in the order the names first come', () => {
    const w = new ApigeecliWriter('/nowhere');
    const proxy = (p: string) => ({ kind: 'proxy', proxy: p }) as const;
    const planned = [
      { scope: env('qa'), name: 'b' },
      { scope: proxy('p1'), name: 'a' },
      { scope: env('prod'), name: 'b' },
      { scope: env('qa'), name: 'a' },
      { scope: proxy('p2'), name: 'a' },
      { scope: org, name: 'b' },
      { scope: env('x'), name: 'c' },
      { scope: env('y'), name: 'b' },
      { scope: proxy('p3'), name: 'b' },
    ];
    expect(w.warnings(planned).map((text) => text.slice(0, text.indexOf(':')))).toEqual([
      'KVM "b" exists in 3 environments (qa, prod, y)',
      'KVM "a" exists in 2 proxies (p1, p2)',
    ]);
  });
  test('owns its extras: warns of names bulk import would merge, writes import-kvms.sh (0700) for the planned KVMs', async () => {
    const dir = await tmp();
    const w = new ApigeecliWriter(dir);
    const planned = [{ scope: env('qa'), name: 'shared' }, { scope: env('prod'), name: 'shared' }, { scope: org, name: 'shared' }];
    const warnings = w.warnings(planned);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/KVM "shared" exists in 2 environments \(qa, prod\)/);
    await w.begin(planned);
    for (const p of planned) await w.write({ ...p, encrypted: false, entries: [] });
    expect(await w.finish()).not.toContain('import-kvms.sh');
    const script = path.join(dir, 'import-kvms.sh');
    expect((await stat(script)).mode & 0o777).toBe(0o700);
    expect((await readFile(script, 'utf8')).match(/^import_kvm /gm)).toHaveLength(3);
  });
});

describe('maven target', () => {
  test('config file per scope', () => {
    expect(mavenConfigFile(org)).toBe('org/kvms.json');
    expect(mavenConfigFile(env('qa'))).toBe('env/qa/kvms.json');
    expect(mavenConfigFile(proxy('p'))).toBe('api/p/kvms.json');
  });
  test('streams KVMs of several scopes, interleaved, into valid arrays and closes each file when complete; a project gets its pom.xml', async () => {
    const dir = await tmp();
    const w = new MavenConfigWriter(dir, { org: 'acme', pluginVersion: '2.9.3' });
    const kvms: Kvm[] = [
      { scope: env('qa'), name: 'a', encrypted: false, entries: [{ name: 'x', value: '1' }] },
      { scope: org, name: 'o', encrypted: true, entries: [] },
      { scope: env('qa'), name: 'b', encrypted: true, entries: [{ name: 'y', value: 'ü\n' }] },
      { scope: proxy('p'), name: 'c', encrypted: true, entries: [{ name: 'z', value: '' }] },
    ];
    const skipped = { scope: env('qa'), name: 'failed' };
    await w.begin([...kvms.map((k) => ({ scope: k.scope, name: k.name })), skipped]);
    await w.write(kvms[0]!);
    await w.write(kvms[1]!);
    await w.skip(skipped);
    await w.write(kvms[2]!);
    await w.write(kvms[3]!);
    const files = await w.finish();
    expect(files).toEqual(['pom.xml', 'resources/edge/api/p/kvms.json', 'resources/edge/env/qa/kvms.json', 'resources/edge/org/kvms.json']);
    expect(w.label).toBe('maven (project)');
    expect(await readFile(path.join(dir, 'pom.xml'), 'utf8')).toContain('<id>qa</id>');
    const qa = JSON.parse(await readFile(path.join(dir, 'resources/edge/env/qa/kvms.json'), 'utf8'));
    expect(qa).toEqual([
      { name: 'a', entry: [{ name: 'x', value: '1' }] },
      { name: 'b', entry: [{ name: 'y', value: 'ü\n' }] },
    ]);
    const text = await readFile(path.join(dir, 'resources/edge/env/qa/kvms.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(qa, null, 2)}\n`);
    expect(JSON.parse(await readFile(path.join(dir, 'resources/edge/org/kvms.json'), 'utf8'))).toEqual([{ name: 'o', entry: [] }]);
    expect((await stat(path.join(dir, 'resources/edge/env/qa'))).mode & 0o777).toBe(0o700);
    expect((await readdir(path.join(dir, 'resources/edge'))).sort()).toEqual(['api', 'env', 'org']);
  });
  test('finish fails when a planned KVM never came', async () => {
    const dir = await tmp();
    const w = new MavenConfigWriter(dir);
    await w.begin([{ scope: org, name: 'a' }, { scope: org, name: 'b' }]);
    await w.write({ scope: org, name: 'a', encrypted: false, entries: [] });
    await expect(w.finish()).rejects.toThrow(/before all planned KVMs/);
  });
  test('path-unsafe scope names are refused', () => {
    const w = new MavenConfigWriter('/nowhere');
    expect(w.unrepresentable({ scope: env('../x'), name: 'k' })).toMatch(/path separator/);
    expect(w.unrepresentable({ scope: proxy('..'), name: 'k' })).toMatch(/"\.\."/);
    expect(w.unrepresentable({ scope: env('qa'), name: 'a b/c' })).toBeUndefined();
  });
});

describe('maven pom', () => {
  test('one profile per environment, org and plugin version filled in, parses back', () => {
    const xml = buildPom({ org: 'acme', environments: ['test', 'prod'], pluginVersion: '2.9.3' });
    const pom = new XMLParser().parse(xml);
    expect(pom.project.artifactId).toBe('acme-kvms');
    expect(pom.project.properties.org).toBe('acme');
    expect(pom.project.build.plugins.plugin.artifactId).toBe('apigee-config-maven-plugin');
    expect(pom.project.build.plugins.plugin.version).toBe('2.9.3');
    const profiles = pom.project.profiles.profile;
    expect(profiles.map((p: { id: string }) => p.id)).toEqual(['prod', 'test']);
    expect(profiles[0].properties['apigee.env']).toBe('prod');
    expect(profiles[0].properties['apigee.config.dir']).toBe('resources/edge');
  });
  test('a default profile when there is no environment; names are XML-escaped', () => {
    const xml = buildPom({ org: 'a&b', environments: [], pluginVersion: '2.9.3' });
    expect(xml).toContain('<org>a&amp;b</org>');
    expect(new XMLParser().parse(xml).project.profiles.profile.id).toBe('default');
  });
});
