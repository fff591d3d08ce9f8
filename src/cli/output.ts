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
