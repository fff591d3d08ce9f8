// A pass-through stream that counts bytes and computes their SHA-256, for dump metadata written while the dump streams.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class HashingCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly onBytes: (total: number) => void = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    done(null, chunk);
  }

  /** The hex SHA-256 of everything that went through (call once, after the end). */
  digest(): string {
    return this.hash.digest('hex');
  }
}
