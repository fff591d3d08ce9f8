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

  /** The command's result (data a script may read, such as a KEK the user asked for): always printed, on stdout, unmasked. */
  result(text: string): void {
    if (this.streams.stdout.destroyed) return;
    this.streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A machine-readable result on stdout. */
  resultJson(value: unknown): void {
    this.result(JSON.stringify(value, null, 2));
  }

  /** Progress and informational messages on stderr; `--quiet` hides them. */
  info(text: string): void {
    if (!this.quiet) this.write(this.streams.stderr, text);
  }

  warn(text: string): void {
    this.write(this.streams.stderr, `warning: ${text}`);
  }

  error(text: string): void {
    this.write(this.streams.stderr, `error: ${text}`);
  }

  /** Shown only with `--debug`. */
  debug(text: string): void {
    if (this.debugEnabled) this.write(this.streams.stderr, `debug: ${text}`);
  }

  /** The stderr stream, for progress displays that draw on a terminal. */
  get progressStream(): Writable {
    return this.streams.stderr;
  }

  private write(stream: Writable, text: string): void {
    // A stream the reader closed (`amu ... | head`) takes nothing more; the command goes on to its own end.
    if (stream.destroyed) return;
    stream.write(this.mask(text.endsWith('\n') ? text : `${text}\n`));
  }
}
