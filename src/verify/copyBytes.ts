// Byte copies between buffers for the verify readers: a loop for the short ones, Buffer.copy for the rest.

/** Short copies in a loop (cheaper than a call into Buffer.copy), long ones by Buffer.copy. */
export function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): void {
  if (end - start > 64) {
    from.copy(to, at, start, end);
    return;
  }
  for (let i = start; i < end; i++) to[at++] = from[i]!;
}
