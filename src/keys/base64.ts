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

/** isStrictBase64 of the ASCII text `bytes[start, end)`, without making a string of it. */
export function isStrictBase64Bytes(bytes: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n % 4 !== 0) return false;
  if (n === 0) return true;
  let pad = 0;
  if (bytes[end - 1] === PAD) pad = bytes[end - 2] === PAD ? 2 : 1;
  const data = end - pad;
  for (let i = start; i < data; i++) {
    const c = bytes[i]!;
    if (c >= 128 || VALUE[c]! < 0) return false;
  }
  if (pad === 0) return true;
  const last = VALUE[bytes[data - 1]!]!;
  return pad === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}
