// Renders every help text with the full CLI (yargs), at each width of HELP_WIDTHS: what the build stores for the fast path.
import { PassThrough, Readable } from 'node:stream';
import { commandGroups } from '../commands/index.js';
import { HELP_WIDTHS, type HelpTexts } from './fastPath.js';
import { runCli } from './main.js';

/** Every command path that has a help text: the root, each group and its commands, and `completion`. */
export function helpPaths(): string[] {
  return ['', ...commandGroups.flatMap((g) => [g.name, ...g.commands.map((c) => `${g.name} ${c.name}`)]), 'completion'];
}

/** What the full CLI prints on stdout for `<path> --help` on a stdout of `columns` (undefined: a pipe); fails on any exit but 0. */
export async function renderHelp(path: string, columns: number | undefined): Promise<string> {
  const stdout = Object.assign(new PassThrough(), columns === undefined ? {} : { columns });
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  const errors: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stderr.on('data', (c: Buffer) => errors.push(c));
  const args = [...(path === '' ? [] : path.split(' ')), '--help'];
  const code = await runCli(args, { stdin: Readable.from([]), stdout, stderr, env: {}, cwd: process.cwd(), isTTY: false });
  if (code !== 0) throw new Error(`amu ${args.join(' ')} ended with exit code ${code}: ${Buffer.concat(errors).toString('utf8')}`);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * All help texts at every width, in English: yargs takes its language from LC_ALL, LC_MESSAGES, LANG and LANGUAGE
 * of this process, so those are unset while rendering (and put back after).
 */
export async function renderHelpTexts(): Promise<HelpTexts> {
  const LOCALE_VARIABLES = ['LC_ALL', 'LC_MESSAGES', 'LANG', 'LANGUAGE'];
  const saved = LOCALE_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of LOCALE_VARIABLES) delete process.env[name];
  try {
    const texts: Record<string, Record<string, string>> = {};
    for (const width of HELP_WIDTHS) {
      const byPath: Record<string, string> = {};
      for (const path of helpPaths()) byPath[path] = await renderHelp(path, width);
      texts[String(width)] = byPath;
    }
    return texts;
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}
