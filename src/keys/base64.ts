// Strict base64, the one check every reader uses: standard alphabet, `=` padding, canonical, no whitespace.
//
// A linear loop over the text: no regular expression (a regex over a multi-megabyte value can overflow the
// stack) and no re-encoding (an allocation per value on the hot path of every export).

/** 0..63 for the standard alphabet, -1 for anything else (indexed by UTF-16 code unit below 128). */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
const PAD = 0x3d;

/**
 * True when `text` is strict standard base64: length a multiple of 4, only `A-Z a-z 0-9 + /`, at most two
 * `=` at the very end, and canonical (the bits a padded group leaves over are zero), i.e. exactly the texts
 * that `Buffer.from(text, 'base64').toString('base64')` gives back unchanged. The empty text is valid.
 * Runs in linear time and constant stack whatever the length (a 20 MB blob is fine).
 */
export function isStrictBase64(text: string): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  if (n === 0) return true;
  let pad = 0;
  if (text.charCodeAt(n - 1) === PAD) pad = text.charCodeAt(n - 2) === PAD ? 2 : 1;
  const data = n - pad;
  for (let i = 0; i < data; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || VALUE[c]! < 0) return false;
  }
  if (pad === 0) return true;
  const last = VALUE[text.charCodeAt(data - 1)]!;
  return pad === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/** The bytes of strict standard base64 text; null when the text is not that. */
export function strictBase64(text: string): Buffer | null {
  return isStrictBase64(text) ? Buffer.from(text, 'base64') : null;
}

/**
 * Decodes the strict base64 text `bytes[start, end)` into `out` at `at`; returns the number of bytes written, or -1
 * (nothing to rely on in `out`) when the text is not strict base64 (as isStrictBase64 decides). `out` must have room
 * for (end - start) / 4 * 3 bytes.
 */
export function decodeStrictBase64Bytes(bytes: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  const n = end - start;
  if (n % 4 !== 0) return -1;
  if (n === 0) return 0;
  let pad = 0;
  if (bytes[end - 1] === PAD) pad = bytes[end - 2] === PAD ? 2 : 1;
  const whole = end - (pad === 0 ? 0 : 4);
  let o = at;
  let i = start;
  for (; i < whole; i += 4) {
    const a = bytes[i]!;
    const b = bytes[i + 1]!;
    const c = bytes[i + 2]!;
    const d = bytes[i + 3]!;
    if ((a | b | c | d) >= 128) return -1;
    const va = VALUE[a]!;
    const vb = VALUE[b]!;
    const vc = VALUE[c]!;
    const vd = VALUE[d]!;
    if ((va | vb | vc | vd) < 0) return -1;
    out[o++] = (va << 2) | (vb >> 4);
    out[o++] = ((vb & 15) << 4) | (vc >> 2);
    out[o++] = ((vc & 3) << 6) | vd;
  }
  if (pad === 0) return o - at;
  const a = bytes[i]!;
  const b = bytes[i + 1]!;
  if ((a | b) >= 128 || (VALUE[a]! | VALUE[b]!) < 0) return -1;
  const va = VALUE[a]!;
  const vb = VALUE[b]!;
  out[o++] = (va << 2) | (vb >> 4);
  if (pad === 2) return (vb & 15) === 0 ? o - at : -1;
  const c = bytes[i + 2]!;
  if (c >= 128 || VALUE[c]! < 0) return -1;
  const vc = VALUE[c]!;
  out[o++] = ((vb & 15) << 4) | (vc >> 2);
  return (vc & 3) === 0 ? o - at : -1;
}
