// `amu --version` and `amu [group [command]] --help` answered without yargs or the CLI, from the full CLI's own help texts rendered at build time.

/** Help texts as the full CLI prints them on stdout: width -> command path (`''`, `kvms`, `kvms export`) -> text. */
export type HelpTexts = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The widths help is rendered for at build time: an 80-column terminal, a pipe (100), a terminal of 120 or more. */
export const HELP_WIDTHS: readonly number[] = [80, 100, 120];

/** The width yargs wraps help at: the terminal's, at most 120; 100 when stdout is no terminal. */
export function helpWidth(columns: number | undefined): number {
  return Math.min(columns ?? 100, 120);
}

/** The locale yargs picks from the environment (its own rule: first non-empty of these, encoding cut off). */
export function yargsLocale(env: NodeJS.ProcessEnv): string {
  const raw = env.LC_ALL || env.LC_MESSAGES || env.LANG || env.LANGUAGE || 'en_US';
  return raw.replace(/[.:].*/, '');
}

/** True when yargs shows its own words (Options:, [boolean], Show help) in English: the only language rendered ahead. */
export function englishHelp(env: NodeJS.ProcessEnv): boolean {
  return /^(en(_[A-Za-z0-9]+)?|C|POSIX)?$/.test(yargsLocale(env));
}

/** The command path whose help `args` asks for (`kvms export --help` -> `kvms export`), or undefined for anything else. */
export function helpPath(args: readonly string[]): string | undefined {
  if (args.length < 1 || args.length > 3 || args[args.length - 1] !== '--help') return undefined;
  const words = args.slice(0, -1);
  return words.every((w) => /^[a-z][a-z-]*$/.test(w)) ? words.join(' ') : undefined;
}

/**
 * What amu prints on stdout (exit 0) for `args`, when that can be told without the CLI: the version for a bare
 * `--version`, a help text rendered at build time for `[group [command]] --help` (English, a width rendered).
 * Undefined for anything else, or when the texts are missing: then the full CLI answers.
 */
export function fastAnswer(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  columns: number | undefined,
  texts: () => HelpTexts | undefined,
  version: () => string,
): string | undefined {
  if (args.length === 1 && args[0] === '--version') return `${version()}\n`;
  const path = helpPath(args);
  if (path === undefined || !englishHelp(env)) return undefined;
  return texts()?.[String(helpWidth(columns))]?.[path];
}

/** Prints a fast answer on stdout; a reader that went away (`amu --help | head -0`) is no error, as main.ts has it. */
export function printAnswer(stdout: NodeJS.WritableStream & { destroy(): void }, answer: string): void {
  stdout.on('error', () => stdout.destroy());
  stdout.write(answer);
}
