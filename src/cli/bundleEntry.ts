// Entry point of the bundle, bundle/amu.cjs: answers --version and plain --help itself; anything else runs the CLI part, kept apart.
import type * as Fs from 'node:fs';
import type * as Vm from 'node:vm';
import type * as Zlib from 'node:zlib';
import { amuVersion } from '../version.js';
import { fastAnswer, printAnswer, type HelpTexts } from './fastPath.js';

/** Set by the bundler: every help text at every width, rendered by the bundled CLI itself (src/cli/helpTexts.ts). */
declare const AMU_HELP_TEXTS: HelpTexts;
/**
 * Set by the bundler: what starts the last line of bundle/amu.cjs, a comment holding the CLI part (bundleMain.ts),
 * brotli-compressed in base64. Its 7 MiB of JavaScript take Node.js over 100 ms to read and parse, and even a string
 * literal of it costs twice what a comment does: `amu --help` pays neither.
 */
declare const AMU_PAYLOAD_MARK: string;
/** Set by the bundler: the name of the single executable's asset holding the CLI part (scripts/package.mjs). */
declare const AMU_PAYLOAD_ASSET: string;

/* eslint-disable @typescript-eslint/no-require-imports -- required where used, so that the fast path loads none of them */

/** The CLI part from the single executable's asset, or undefined when this is no single executable. */
function seaPayload(): string | undefined {
  let sea: { isSea(): boolean; getAsset(key: string, encoding: string): string };
  try {
    sea = require('node:sea') as typeof sea;
  } catch {
    return undefined; // Node.js before 20.12: no single executables either
  }
  return sea.isSea() ? sea.getAsset(AMU_PAYLOAD_ASSET, 'utf8') : undefined;
}

/** The CLI part from the comment at the end of this file. */
function filePayload(): string {
  const { readFileSync } = require('node:fs') as typeof Fs;
  const { brotliDecompressSync } = require('node:zlib') as typeof Zlib;
  const text = readFileSync(__filename, 'latin1');
  const at = text.lastIndexOf(`\n${AMU_PAYLOAD_MARK}`);
  if (at < 0) throw new Error(`${__filename} is damaged: the compressed CLI at its end is missing; reinstall amu`);
  const start = at + 1 + AMU_PAYLOAD_MARK.length;
  const end = text.indexOf('\n', start);
  try {
    return brotliDecompressSync(Buffer.from(text.slice(start, end < 0 ? undefined : end), 'base64')).toString('utf8');
  } catch (err) {
    throw new Error(`${__filename} is damaged: the compressed CLI at its end does not decompress (${(err as Error).message}); reinstall amu`);
  }
}

// yargs' translations are files it reads beside itself, which the bundle does not hold: the bundled CLI speaks
// English whatever the locale, so the locale is not looked at here (the environment passed is empty).
const answer = fastAnswer(process.argv.slice(2), {}, process.stdout.columns, () => AMU_HELP_TEXTS, amuVersion);
if (answer !== undefined) printAnswer(process.stdout, answer);
else {
  // This runs as the bundle's CommonJS module: the CLI part gets that module's require, module and file name.
  const { compileFunction } = require('node:vm') as typeof Vm;
  const cli = compileFunction(seaPayload() ?? filePayload(), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: __filename });
  cli.call(module.exports, module.exports, require, module, __filename, __dirname);
}
