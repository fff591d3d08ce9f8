// Unknown commands and misspelt flags: names what is unknown and suggests the closest known name (edit distance).
import { quoteWord } from './quoteInput.js';

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_v, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `word`, when one is close enough to be what was meant (or the one it begins). */
export function closest(word: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word.toLowerCase(), name);
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  if (best) return best.name;
  const lower = word.toLowerCase();
  const extending = known.filter((name) => word.length >= 3 && name.startsWith(lower));
  if (extending.length === 1) return extending[0];
  // An abbreviation: the letters in order, from the same first letter (`orgs` → `organizations`).
  const abbreviating = known.filter((name) => word.length >= 3 && name[0] === lower[0] && isSubsequence(lower, name));
  return abbreviating.length === 1 ? abbreviating[0] : undefined;
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const c of long) if (c === short[i]) i++;
  return i === short.length;
}

/** The command tree as far as suggestions need it. */
export interface CommandTree {
  /** Top-level words (`kvms`, `completion`) with their commands (none for a command of its own). */
  groups: { name: string; commands: string[] }[];
}

export interface UsageProblem {
  message: string;
  details: string[];
  /** The command whose `--help` to point to: `amu`, `amu kvms`, `amu kvms export`. */
  helpFor: string;
}

/** Flags every command knows besides its own. */
const ALWAYS_KNOWN = ['help', 'version', 'debug', 'quiet'];

function isFlag(token: string): boolean {
  return token.startsWith('-') && token !== '-' && !/^-\d/.test(token);
}

/** The unknown flags among `args` (before a `--`), as typed (`--tgts`, `-z`), given the options of the command. */
function unknownFlags(args: readonly string[], options: readonly string[]): string[] {
  const known = new Set([...options, ...ALWAYS_KNOWN]);
  const unknown: string[] = [];
  for (const token of args) {
    if (token === '--') break;
    if (!isFlag(token)) continue;
    const name = token.replace(/^--?/, '').split('=')[0]!;
    if (known.has(name) || (name.startsWith('no-') && known.has(name.slice(3)))) continue;
    const typed = token.split('=')[0]!;
    // Shown as typed when it reads as an option name; anything else (a key typed with dashes) is cut.
    unknown.push(/^--?[A-Za-z][A-Za-z0-9-]*$/.test(typed) ? typed : quoteWord(typed));
  }
  return unknown;
}

/**
 * Explains a command line yargs refused when the reason is an unknown command or option: which word is unknown,
 * and the closest known one. `options` are those of the command chosen (undefined when none was).
 */
export function explainUnknown(args: readonly string[], tree: CommandTree, options: readonly string[] | undefined): UsageProblem | undefined {
  const words = args.filter((a) => !isFlag(a)).slice(0, 2);
  const [first, second] = words;
  if (first !== undefined) {
    const group = tree.groups.find((g) => g.name === first);
    if (!group) {
      const guess = closest(first, tree.groups.map((g) => g.name));
      // The word may be a key typed without its option: quoted cut unless it reads as a word.
      return { message: `unknown command ${quoteWord(first)}`, details: guess ? [`Did you mean "amu ${guess}"?`] : [], helpFor: 'amu' };
    }
    if (group.commands.length > 0 && second !== undefined && !group.commands.includes(second) && options === undefined) {
      const guess = closest(second, group.commands);
      return { message: `unknown command ${quoteWord(second)} of amu ${group.name}`, details: guess ? [`Did you mean "amu ${group.name} ${guess}"?`] : [], helpFor: `amu ${group.name}` };
    }
  }
  if (options === undefined) return undefined;
  const unknown = unknownFlags(args, options);
  if (unknown.length === 0) return undefined;
  const known = [...options, ...ALWAYS_KNOWN];
  const details = unknown.flatMap((typed) => {
    const guess = closest(typed.replace(/^--?/, ''), known);
    return guess ? [`${typed}: did you mean --${guess}?`] : [];
  });
  const noun = unknown.length === 1 ? 'option' : 'options';
  return { message: `unknown ${noun} ${unknown.join(', ')}`, details, helpFor: `amu ${words.join(' ')}` };
}
