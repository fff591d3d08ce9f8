// The one module through which amu talks to the user: results on stdout, messages on stderr, secrets masked.
import type { Writable } from 'node:stream';

export interface OutputStreams {
  stdout: Writable;
  stderr: Writable;
}

export interface OutputOptions {
  quiet?: boolean;
  debug?: boolean;
}

const MASK = '***';

/**
 * Characters that must not reach a terminal raw from input (KVM, env, proxy and entry names, paths, messages of
 * other tools): C0 controls (ESC, CR, LF, ...), DEL, C1 controls (CSI 0x9b, ...), bidi embeddings, overrides and
 * isolates, LRM/RLM/ALM, and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The unsafe characters JSON.stringify leaves raw inside strings (it escapes C0 itself; its own line breaks are layout). */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One unsafe character as visible text: `\n`, `\r`, `\t`, `\x1b`, `\u202e`. */
function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED_ESCAPES[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * THE escaping of text shown on a terminal: every control character, line break and bidi control becomes visible
 * text (`\x1b[2J`, `\r`, `\n`, `\u202e`), so input can neither move the cursor, clear the screen, start a line of
 * its own nor reorder what is shown. Idempotent: escaped text has nothing left to escape.
 */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, escapeChar);
}

/** `text` without one trailing line break: the output adds its own. */
function withoutNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

export class Output {
  private readonly secrets = new Set<string>();
  readonly quiet: boolean;
  readonly debugEnabled: boolean;

  constructor(
    private readonly streams: OutputStreams,
    options: OutputOptions = {},
  ) {
    this.quiet = options.quiet ?? false;
    this.debugEnabled = options.debug ?? false;
  }

  /** Registers a secret (password, key, hex key): any later output containing it shows `***` instead. */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  /** Replaces every registered secret in `text`. */
  mask(text: string): string {
    let masked = text;
    for (const secret of this.secrets) masked = masked.split(secret).join(MASK);
    return masked;
  }

  /**
   * One line of the command's result (data a script may read, such as a KEK the user asked for): always printed,
   * on stdout, unmasked; control characters escaped (a line break in it shows as `\n`).
   */
  result(text: string): void {
    this.resultLines([text]);
  }

  /** A multi-line result built from input (summary, table): each line escaped on its own, so no value can add a line. */
  resultLines(lines: readonly string[]): void {
    this.emit(this.streams.stdout, lines.map((line) => escapeControl(withoutNewline(line))), false);
  }

  /** amu's own multi-line text (help, the completion script): its line breaks kept, anything else escaped. */
  resultText(text: string): void {
    this.emit(this.streams.stdout, withoutNewline(text).split('\n').map(escapeControl), false);
  }

  /**
   * A machine-readable result on stdout: the exact data as JSON, with the characters JSON.stringify leaves raw
   * (DEL, C1, bidi controls, line separators) written as `\uXXXX` escapes, which parse back to the same data.
   */
  resultJson(value: unknown): void {
    const json = JSON.stringify(value, null, 2).replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    this.emit(this.streams.stdout, json.split('\n'), false);
  }

  /** Progress and informational messages on stderr; `--quiet` hides them. */
  info(text: string): void {
    if (!this.quiet) this.message(text);
  }

  warn(text: string): void {
    this.message(`warning: ${text}`);
  }

  /** An error message, and lines of details under it (hints, lists), each escaped on its own. */
  error(text: string, details: readonly string[] = []): void {
    this.message(`error: ${text}`, details);
  }

  /** Shown only with `--debug`; line breaks are kept (stack traces), any other control character is escaped. */
  debug(text: string): void {
    if (this.debugEnabled) this.emit(this.streams.stderr, withoutNewline(`debug: ${this.mask(text)}`).split('\n').map(escapeControl), true);
  }

  /** The stderr stream, for progress displays that draw on a terminal. */
  get progressStream(): Writable {
    return this.streams.stderr;
  }

  /** A message on stderr: masked, then escaped, so neither a secret nor a control character reaches the terminal. */
  private message(text: string, details: readonly string[] = []): void {
    this.emit(this.streams.stderr, [text, ...details].map((line) => escapeControl(this.mask(withoutNewline(line)))), true);
  }

  private emit(stream: Writable, lines: readonly string[], masked: boolean): void {
    // A stream the reader closed (`amu ... | head`) takes nothing more; the command goes on to its own end.
    if (stream.destroyed) return;
    const text = `${lines.join('\n')}\n`;
    stream.write(masked ? this.mask(text) : text);
  }
}
