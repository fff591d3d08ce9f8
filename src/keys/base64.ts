// Strict base64, the one check every reader uses: standard alphabet, `=` padding, canonical, no whitespace.
//
// Node's decoder skips what it cannot read, so the text is strict exactly when encoding its bytes again gives
// the text back; no regular expression (a regex over a multi-megabyte value can overflow the stack).

/** The bytes of strict standard base64 text; null when the text is not that. */
export function strictBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
