// Text encoded as UTF-8 into a few reused buffers and handed out a chunk at a time: large files (a report, a script) without one string or fresh buffer of all of it.

/** Writes up to this many bytes go into the current buffer directly (after `room`); longer text becomes a chunk of its own. */
export const SHORT_BYTES = 4096;

export class ByteChunks {
  /** The current buffer: after `room(n)`, `n` bytes may be written at `length` (and `length` moved past them). */
  buffer: Buffer;
  length = 0;
  /** Buffers written out and given back. */
  private readonly free: Buffer[] = [];
  /** Full chunks, in order: a pooled buffer and its length, or bytes of their own. */
  private readonly ready: { bytes: Buffer; length: number; pooled: boolean }[] = [];

  private readonly size: number;

  constructor(size = 1024 * 1024) {
    this.size = size > 2 * SHORT_BYTES ? size : 2 * SHORT_BYTES;
    this.buffer = Buffer.allocUnsafe(this.size);
  }

  /** Makes room for `bytes` (at most SHORT_BYTES) in the current buffer, handing it on when they might not fit. */
  room(bytes: number): void {
    if (this.length + bytes > this.size) this.flush();
  }

  /** Any text, as UTF-8 (ASCII copied directly). */
  text(text: string): void {
    if (text.length === 0) return;
    if (text.length * 3 > SHORT_BYTES) {
      this.flush();
      const bytes = Buffer.from(text, 'utf8');
      this.ready.push({ bytes, length: bytes.length, pooled: false });
      return;
    }
    this.room(text.length * 3);
    const out = this.buffer;
    let at = this.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.length += out.write(text, this.length, 'utf8');
        return;
      }
      out[at++] = c;
    }
    this.length = at;
  }

  hasReady(): boolean {
    return this.ready.length > 0;
  }

  /**
   * The full chunks so far, each a view of its buffer; a pooled buffer is taken back (to be written over) when the
   * caller asks for the next chunk: write each out before going on.
   */
  *takeReady(): Generator<Uint8Array> {
    while (this.ready.length > 0) {
      const chunk = this.ready.shift()!;
      yield chunk.bytes.subarray(0, chunk.length);
      if (chunk.pooled) this.free.push(chunk.bytes);
    }
  }

  /** Hands on the current buffer (partly filled): call it at the end, before the last takeReady. */
  flush(): void {
    if (this.length === 0) return;
    this.ready.push({ bytes: this.buffer, length: this.length, pooled: true });
    this.buffer = this.free.pop() ?? Buffer.allocUnsafe(this.size);
    this.length = 0;
  }
}
