// Quoting input (arguments, variables, file contents) in messages without echoing key material: a few characters and the length.

/** Characters of a quoted text that a message may show. */
const SHOWN = 3;

/** Lowercase words up to this length read as mistyped commands or choices and are shown whole. */
const WORD = /^[a-z][a-z-]{0,15}$/;

/**
 * At most the first few characters of `text` and its length, never more than a third of it:
 * `"0a1…" (32 characters)`; a text of up to 8 characters shows none: `<6 characters>`.
 */
export function cutInput(text: string, keep = SHOWN): string {
  const length = [...text].length;
  const noun = length === 1 ? 'character' : 'characters';
  const shown = Math.min(keep, Math.floor(length / 3));
  if (length <= 8 || shown <= 0) return `<${length} ${noun}>`;
  return `${JSON.stringify(`${[...text].slice(0, shown).join('')}…`)} (${length} ${noun})`;
}

/** A word the user typed: shown whole when it is a lowercase word (a mistyped command or choice), else cut. */
export function quoteWord(text: string): string {
  return WORD.test(text) ? JSON.stringify(text) : cutInput(text);
}

/** A command-line argument: an option name is shown (without any `=value`), other words as quoteWord. */
export function quoteArgument(arg: string): string {
  const flag = /^(--?[A-Za-z][A-Za-z0-9-]*)(=|$)/.exec(arg);
  if (flag) return flag[1]!;
  return quoteWord(arg);
}

/**
 * Where JSON.parse failed, without the snippet of input V8 puts in some messages
 * (`Unexpected token 's', "{"org": s3cret"... is not valid JSON`).
 */
export function jsonProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `invalid JSON at character ${Number(position) + 1}`;
  if (/Unexpected end of JSON input/.test(message)) return 'invalid JSON: the text ends too early';
  return 'invalid JSON';
}

/**
 * Rewrites a message of the argument parser so that no argument the user typed appears in it whole
 * (a key typed without its option name is an "Unknown argument"): each argument is replaced by quoteArgument.
 */
export function maskArguments(message: string, args: readonly string[]): string {
  const words = [...new Set(args.flatMap((a) => [a, a.replace(/^--?[A-Za-z][A-Za-z0-9-]*=/, '')]))]
    .filter((a) => a.length >= 4 && !WORD.test(a) && !/^--?[A-Za-z][A-Za-z0-9-]*$/.test(a))
    .sort((a, b) => b.length - a.length);
  let masked = message;
  for (const word of words) masked = masked.split(word).join(quoteArgument(word));
  return masked;
}
