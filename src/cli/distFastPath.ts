// bin/amu's fast path: the help texts `npm run build` stored beside the compiled CLI (dist/cli/help-texts.json), while they are current.
import { readFileSync, statSync } from 'node:fs';
import { amuVersion } from '../version.js';
import { fastAnswer, type HelpTexts } from './fastPath.js';

export { printAnswer } from './fastPath.js';

export const HELP_TEXTS_FILE = new URL('./help-texts.json', import.meta.url);
const MAIN_FILE = new URL('./main.js', import.meta.url);

/**
 * The stored texts, or undefined when there are none or they are older than the compiled CLI (a `tsc` run after
 * `npm run build` may have changed the commands): the full CLI then renders help itself.
 */
export function storedHelpTexts(): HelpTexts | undefined {
  try {
    if (statSync(HELP_TEXTS_FILE).mtimeMs < statSync(MAIN_FILE).mtimeMs) return undefined;
    return JSON.parse(readFileSync(HELP_TEXTS_FILE, 'utf8')) as HelpTexts;
  } catch {
    return undefined;
  }
}

/** What bin/amu prints for `args` without loading the CLI, or undefined: see fastAnswer. */
export function answerFromDist(args: readonly string[], env: NodeJS.ProcessEnv, columns: number | undefined): string | undefined {
  return fastAnswer(args, env, columns, storedHelpTexts, amuVersion);
}
