#!/usr/bin/env node
// `npm run bundle`: the whole CLI and its dependencies as one CommonJS script, bundle/amu.cjs, templates embedded.
import { build } from 'esbuild';
import { chmod, readFile, readdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const BUNDLE = path.join(root, 'bundle', 'amu.cjs');

/** templates/* and the name and version of package.json, as the embedded assets src/assets.ts reads. */
async function embeddedAssets() {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const assets = { 'package.json': JSON.stringify({ name: pkg.name, version: pkg.version }) };
  for (const name of (await readdir(path.join(root, 'templates'))).sort()) {
    assets[`templates/${name}`] = await readFile(path.join(root, 'templates', name), 'utf8');
  }
  return assets;
}

/** Modules the bundle still loads at run time that are not Node built-ins (from esbuild's metafile): a single executable could not load them. */
function foreignImports(metafile) {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const found = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) if (imported.external && !builtins.has(imported.path)) found.add(imported.path);
  }
  return [...found].sort();
}

/**
 * Optional native add-ons of dependencies that amu does not use: left out, so their `require` fails the way it
 * does when they are not installed (the dependencies catch that and go without).
 */
const OPTIONAL_ABSENT = ['encoding', 'kerberos', 'bufferutil', 'utf-8-validate'];

/** The export's worker thread (src/export/parallel/edgeWorker.ts) as one CommonJS script, embedded in the bundle as a string. */
async function edgeWorkerSource(assets) {
  const result = await build({
    entryPoints: [path.join(root, 'src', 'export', 'parallel', 'edgeWorker.ts')],
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifySyntax: true,
    define: { AMU_EMBEDDED_ASSETS: assets, 'import.meta.url': '__amu_bundle_url' },
    banner: { js: '"use strict";\nvar __amu_bundle_url = "file:///amu-export-worker.cjs";' },
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

export async function bundle(outfile = BUNDLE) {
  const assets = JSON.stringify(await embeddedAssets());
  const result = await build({
    entryPoints: [path.join(root, 'src', 'cli', 'bundleEntry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifySyntax: true,
    legalComments: 'eof',
    external: OPTIONAL_ABSENT,
    define: {
      AMU_EMBEDDED_ASSETS: assets,
      AMU_EDGE_WORKER_SOURCE: JSON.stringify(await edgeWorkerSource(assets)),
      'import.meta.url': '__amu_bundle_url',
    },
    banner: { js: '#!/usr/bin/env node\n"use strict";\nvar __amu_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
    logLevel: 'warning',
    metafile: true,
  });
  await chmod(outfile, 0o755);
  const text = await readFile(outfile, 'utf8');
  const foreign = foreignImports(result.metafile).filter((m) => !OPTIONAL_ABSENT.includes(m));
  if (foreign.length > 0) throw new Error(`the bundle still requires modules that are not built in: ${foreign.join(', ')}`);
  return { file: outfile, bytes: Buffer.byteLength(text), inputs: Object.keys(result.metafile.inputs).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, bytes, inputs } = await bundle();
  console.log(`${path.relative(root, file)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB from ${inputs} modules`);
}
