// JSON.stringify(value, null, 2) as UTF-8 bytes in chunks of a few reused buffers, for large reports: the same text, never one string (or fresh buffer) of all of it.
import { ByteChunks, SHORT_BYTES } from './byteChunks.js';

/** True for what JSON.stringify leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** What JSON.stringify prints for `value` under `key`: its toJSON() when it has one. */
function jsonValue(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  return value;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Levels walked element by element (a report's rows are one level down), so full buffers leave between elements. */
const STEPPED_DEPTH = 2;

/** True when `text` is printable ASCII with no quote or backslash: its JSON literal is the text in quotes. */
function plainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

class PrettyJsonEncoder {
  constructor(readonly out: ByteChunks) {}

  /** `value` at `depth`, walked element by element down to STEPPED_DEPTH, pausing whenever a chunk is full. */
  *stepwise(value: unknown, depth: number, key: string): Generator<void> {
    value = jsonValue(value, key);
    if (depth >= STEPPED_DEPTH || value === null || typeof value !== 'object') {
      this.value(value, depth, key);
      return;
    }
    const isArray = Array.isArray(value);
    const keys = isArray ? undefined : Object.keys(value).filter((k) => !omitted((value as Record<string, unknown>)[k]));
    const count = isArray ? (value as unknown[]).length : keys!.length;
    if (count === 0) {
      this.text(isArray ? '[]' : '{}');
      return;
    }
    for (let i = 0; i < count; i++) {
      this.text(i === 0 ? (isArray ? '[' : '{') : ',');
      this.newline(depth + 1);
      const field = isArray ? String(i) : keys![i]!;
      let element = isArray ? (value as unknown[])[i] : (value as Record<string, unknown>)[field];
      if (!isArray) this.key(field);
      else if (omitted(element)) element = null;
      // Below the stepped levels an element is written in one call (no generator per row).
      if (depth + 1 >= STEPPED_DEPTH) this.value(element, depth + 1, field);
      else yield* this.stepwise(element, depth + 1, field);
      if (this.out.hasReady()) yield;
    }
    this.newline(depth);
    this.text(isArray ? ']' : '}');
  }

  private value(value: unknown, depth: number, key: string): void {
    value = jsonValue(value, key);
    if (Array.isArray(value)) this.array(value, depth);
    else if (value !== null && typeof value === 'object') this.object(value as Record<string, unknown>, depth);
    else if (typeof value === 'string') this.string(value);
    else this.text(JSON.stringify(value) ?? 'null');
  }

  private array(value: unknown[], depth: number): void {
    if (value.length === 0) {
      this.text('[]');
      return;
    }
    for (let i = 0; i < value.length; i++) {
      this.text(i === 0 ? '[' : ',');
      this.newline(depth + 1);
      const element = value[i];
      if (omitted(element)) this.text('null');
      else this.value(element, depth + 1, String(i));
    }
    this.newline(depth);
    this.text(']');
  }

  private object(value: Record<string, unknown>, depth: number): void {
    let first = true;
    for (const key of Object.keys(value)) {
      const field = value[key];
      if (omitted(field)) continue;
      this.text(first ? '{' : ',');
      first = false;
      this.newline(depth + 1);
      this.key(key);
      this.value(field, depth + 1, key);
    }
    if (first) this.text('{}');
    else {
      this.newline(depth);
      this.text('}');
    }
  }

  private key(key: string): void {
    this.string(key);
    this.text(': ');
  }

  private string(text: string): void {
    if (text.length + 2 > SHORT_BYTES || !plainAscii(text)) {
      this.text(JSON.stringify(text));
      return;
    }
    const chunks = this.out;
    chunks.room(text.length + 2);
    const out = chunks.buffer;
    let at = chunks.length;
    out[at++] = QUOTE;
    for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
    out[at++] = QUOTE;
    chunks.length = at;
  }

  private newline(depth: number): void {
    if (depth * 2 + 1 > SHORT_BYTES) {
      this.text(`\n${' '.repeat(depth * 2)}`);
      return;
    }
    const chunks = this.out;
    chunks.room(depth * 2 + 1);
    const out = chunks.buffer;
    let at = chunks.length;
    out[at++] = NEWLINE;
    for (let i = 0; i < depth * 2; i++) out[at++] = SPACE;
    chunks.length = at;
  }

  /** Punctuation, numbers and JSON.stringify's literals (non-ASCII as UTF-8; a lone surrogate it already wrote as \uXXXX). */
  private text(text: string): void {
    this.out.text(text);
  }
}

/**
 * The UTF-8 bytes of `JSON.stringify(value, null, 2) + tail` for plain data (objects, arrays, strings, numbers,
 * booleans, null; toJSON honoured; no cycles), in chunks of about `size` bytes. A chunk is a view of a buffer that is
 * reused once the next chunk is asked for: write it out (or copy it) first.
 */
export function* prettyJsonChunks(value: unknown, tail = '', size = 1024 * 1024): Generator<Uint8Array> {
  const out = new ByteChunks(size);
  const encoder = new PrettyJsonEncoder(out);
  for (const _ of encoder.stepwise(value, 0, '')) yield* out.takeReady();
  out.text(tail);
  out.flush();
  yield* out.takeReady();
}
