#!/usr/bin/env node
// `npm run package`: bundles the CLI, then builds the linux-x64 single executable release/amu-linux-x64 and its .sha256
// (`node scripts/package.mjs --out DIR` builds into DIR instead, as the tests do).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, PAYLOAD_ASSET } from './bundle.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The highest version of each versioned symbol family (GLIBC_, GLIBCXX_) the executable imports, from objdump -T. */
export function highestSymbolVersions(file) {
  let text;
  try {
    text = execFileSync('objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return undefined;
  }
  const highest = {};
  for (const m of text.matchAll(/\b(GLIBC|GLIBCXX|CXXABI)_(\d+(?:\.\d+)*)\b/g)) {
    const [family, version] = [m[1], m[2]];
    if (!highest[family] || compareVersions(version, highest[family]) > 0) highest[family] = version;
  }
  return highest;
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export async function buildExecutable(release = path.join(root, 'release')) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the single executable is built for linux-x64 with the Node.js running this script; this is ${process.platform}-${process.arch}`);
  }
  await mkdir(release, { recursive: true });
  // The CLI part as an asset, read only to run a command: --help and --version start as fast as a bare node.
  const payload = path.join(release, 'amu-cli.cjs');
  const { file: bundleFile } = await bundle(path.join(release, 'amu.cjs'), { payloadFile: payload });
  const exe = path.join(release, 'amu-linux-x64');
  const blob = path.join(release, 'amu.blob');
  const seaConfig = path.join(release, 'sea-config.json');
  await writeFile(seaConfig, JSON.stringify({ main: bundleFile, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true, assets: { [PAYLOAD_ASSET]: payload } }, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
  await rm(exe, { force: true });
  await copyFile(process.execPath, exe);
  await chmod(exe, 0o755);
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL_FUSE], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await rm(blob, { force: true });
  await rm(bundleFile, { force: true });
  await rm(payload, { force: true });
  await rm(seaConfig, { force: true });
  const digest = createHash('sha256').update(await readFile(exe)).digest('hex');
  await writeFile(`${exe}.sha256`, `${digest}  ${path.basename(exe)}\n`);
  return { exe, digest, bytes: (await stat(exe)).size };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outAt = process.argv.indexOf('--out');
  const { exe, digest, bytes } = await buildExecutable(outAt > 0 ? path.resolve(process.argv[outAt + 1] ?? '') : undefined);
  const versions = highestSymbolVersions(exe);
  console.log(`${path.relative(root, exe)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB, sha256 ${digest} (in ${path.relative(root, exe)}.sha256)`);
  console.log(`Node.js ${process.version} inside; needs glibc >= ${versions?.GLIBC ?? '(objdump not found)'}${versions?.GLIBCXX ? `, libstdc++ with GLIBCXX_${versions.GLIBCXX}` : ''}`);
}
