#!/usr/bin/env node
// `npm run bundle`: the whole CLI and its dependencies as one CommonJS script, bundle/amu.cjs, templates and help texts embedded.
import { build } from 'esbuild';
import { chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib, { brotliCompressSync } from 'node:zlib';

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
  // node:sea exists only with its prefix (and only from Node.js 20.12; bundleEntry.ts goes without it before).
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'node:sea']);
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

/** Options of every esbuild run here: a CommonJS script for Node 20, assets embedded, optional add-ons left out. */
async function commonOptions() {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifySyntax: true,
    external: OPTIONAL_ABSENT,
    logLevel: 'warning',
    metafile: true,
    write: false,
    define: { AMU_EMBEDDED_ASSETS: JSON.stringify(await embeddedAssets()), 'import.meta.url': '__amu_bundle_url' },
  };
}

/** The export's worker thread (src/export/parallel/edgeWorker.ts) as one CommonJS script, embedded in the CLI part as a string. */
async function edgeWorkerSource(base) {
  const result = await build({
    ...base,
    entryPoints: [path.join(root, 'src', 'export', 'parallel', 'edgeWorker.ts')],
    outfile: 'amu-export-worker.cjs',
    banner: { js: '"use strict";\nvar __amu_bundle_url = "file:///amu-export-worker.cjs";' },
  });
  checkImports(result.metafile);
  return outputText(result);
}

/** Starts the last line of the npm bundle: a comment holding the rest of the CLI, compressed (src/cli/bundleEntry.ts). */
const PAYLOAD_MARK = '//amu-payload:';
/** The single executable's asset holding the CLI part (scripts/package.mjs). */
export const PAYLOAD_ASSET = 'amu-cli.cjs';

const URL_BANNER = 'var __amu_bundle_url = require("node:url").pathToFileURL(__filename).href;';

/** Throws when a build still requires a module that is not built in. */
function checkImports(metafile) {
  const foreign = foreignImports(metafile).filter((m) => !OPTIONAL_ABSENT.includes(m));
  if (foreign.length > 0) throw new Error(`the bundle still requires modules that are not built in: ${foreign.join(', ')}`);
}

/**
 * The license notices of the compressed libraries as line comments in printable ASCII (`\\u00e4`, so nothing can
 * end a comment line): a script of one-byte characters only is read and scanned faster by Node.js.
 */
function legalLines(legal) {
  if (legal.trim() === '') return '';
  const ascii = legal.replace(/\r\n/g, '\n').replace(/[^\n\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `// Bundled license information:\n${ascii.trimEnd().split('\n').map((line) => `// ${line}`.trimEnd()).join('\n')}\n`;
}

/** The text of the one JavaScript output of a build (write: false). */
function outputText(result, ext = '.cjs') {
  return result.outputFiles.find((f) => f.path.endsWith(ext)).text;
}

/**
 * Every help text, rendered by the bundled CLI itself (src/cli/helpTexts.ts bundled the same way), for the fast
 * path: what `amu --help` prints is then what yargs in this bundle would print.
 */
async function renderedHelpTexts(options) {
  const result = await build({ ...options, entryPoints: [path.join(root, 'src', 'cli', 'helpTexts.ts')], outfile: 'help-texts.cjs', banner: { js: URL_BANNER } });
  checkImports(result.metafile);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'amu-bundle-'));
  try {
    const file = path.join(dir, 'help-texts.cjs');
    await writeFile(file, outputText(result));
    return await createRequire(import.meta.url)(file).renderHelpTexts();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Bundles the CLI into one script at `outfile`: a small first part (src/cli/bundleEntry.ts) answers --version and
 * --help; the CLI part (bundleMain.ts, 7 MiB) is compiled only to run a command. It is kept compressed in a comment
 * at the end of the script, or, given `payloadFile`, written there as it is (for the single executable's asset).
 * The license notices of the bundled libraries stay readable at the end of the script.
 */
export async function bundle(outfile = BUNDLE, { payloadFile } = {}) {
  const base = await commonOptions();
  // Without whitespace and comments (names kept): less to decompress and parse to run a command.
  const cli = await build({
    ...base,
    entryPoints: [path.join(root, 'src', 'cli', 'bundleMain.ts')],
    outfile,
    define: { ...base.define, AMU_EDGE_WORKER_SOURCE: JSON.stringify(await edgeWorkerSource(base)) },
    minifyWhitespace: true,
    legalComments: 'external',
    banner: { js: `"use strict";\n${URL_BANNER}` },
  });
  checkImports(cli.metafile);
  const code = outputText(cli);
  const front = await build({
    ...base,
    entryPoints: [path.join(root, 'src', 'cli', 'bundleEntry.ts')],
    outfile,
    define: {
      ...base.define,
      AMU_HELP_TEXTS: JSON.stringify(await renderedHelpTexts(base)),
      AMU_PAYLOAD_MARK: JSON.stringify(PAYLOAD_MARK),
      AMU_PAYLOAD_ASSET: JSON.stringify(PAYLOAD_ASSET),
    },
    banner: { js: '#!/usr/bin/env node\n"use strict";' },
  });
  checkImports(front.metafile);
  let text = `${outputText(front)}${legalLines(cli.outputFiles.find((f) => f.path.endsWith('.LEGAL.txt'))?.text ?? '')}`;
  if (payloadFile) await writeFile(payloadFile, code);
  else {
    const { BROTLI_PARAM_QUALITY, BROTLI_PARAM_LGWIN, BROTLI_PARAM_SIZE_HINT } = zlib.constants;
    const compressed = brotliCompressSync(code, { params: { [BROTLI_PARAM_QUALITY]: 9, [BROTLI_PARAM_LGWIN]: 24, [BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(code) } });
    text += `${PAYLOAD_MARK}${compressed.toString('base64')}\n`;
  }
  await mkdir(path.dirname(outfile), { recursive: true });
  await writeFile(`${outfile}.tmp`, text, { mode: 0o755 });
  await chmod(`${outfile}.tmp`, 0o755);
  await rename(`${outfile}.tmp`, outfile);
  return { file: outfile, bytes: Buffer.byteLength(text), inputs: Object.keys(cli.metafile.inputs).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, bytes, inputs } = await bundle();
  console.log(`${path.relative(root, file)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB from ${inputs} modules`);
}
