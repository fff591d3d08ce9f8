// Hybrid map ids by (scope text, map name) in flat typed arrays, for the fast row passes: a lookup touches no object.
//
// The dump's rows come in token order, so every row looks up a different map: with objects (a hash chain, the
// map's state, its strings) each lookup is several cache misses. Here a lookup reads a slot of two typed arrays
// and the key's bytes, all in a few hundred kilobytes for ten thousand maps. Rows are matched from the text of an
// ASCII block (cut by hybridBlockRows.ts); a map whose scope or name is not ASCII is never found here (its rows
// then take the general path, which finds it by its strings).

/** Slots per map at most (the rest stay empty: short probes). */
const LOAD = 2;

export class MapIds {
  /** Per slot, side by side (one cache line): the key's hash and the map's id + 1 (0: empty). */
  private slots = new Int32Array(2 * 1024);
  private count = 0;
  /** Scope text then map name of each map, end to end (ASCII bytes). */
  private keys = Buffer.allocUnsafe(64 * 1024);
  private keysUsed = 0;
  /** Per id, side by side: where its key starts, its scope text's and name's lengths (-1: not ASCII, never found). */
  private meta = new Int32Array(3 * 1024);

  /** Adds map `id` (ids are added once each, in any order). */
  add(id: number, aScp: string, map: string): void {
    if (3 * id + 3 > this.meta.length) this.growIds(id + 1);
    const ascii = isAscii(aScp) && isAscii(map);
    this.meta[3 * id] = this.keysUsed;
    this.meta[3 * id + 1] = ascii ? aScp.length : -1;
    this.meta[3 * id + 2] = ascii ? map.length : -1;
    if (!ascii) return;
    if (this.keysUsed + aScp.length + map.length > this.keys.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.keys.length * 2, this.keysUsed + aScp.length + map.length));
      this.keys.copy(bigger, 0, 0, this.keysUsed);
      this.keys = bigger;
    }
    this.keysUsed += this.keys.write(aScp, this.keysUsed, 'latin1');
    this.keysUsed += this.keys.write(map, this.keysUsed, 'latin1');
    if ((this.count + 1) * LOAD > this.slots.length / 2) this.growSlots();
    this.place(keyHash(map, 0, map.length, aScp, 0, aScp.length), id);
    this.count++;
  }

  /** The id of the map of scope text text[aFrom, aTo) and name text[mFrom, mTo) (ASCII text), or -1. */
  find(text: string, aFrom: number, aTo: number, mFrom: number, mTo: number): number {
    const hash = keyHashAt(text, aFrom, aTo, mFrom, mTo);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const scopeLength = aTo - aFrom;
    const nameLength = mTo - mFrom;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id1 = slots[2 * slot + 1]!;
      if (id1 === 0) return -1;
      if (slots[2 * slot] !== hash) continue;
      const m = 3 * (id1 - 1);
      if (this.meta[m + 1] !== scopeLength || this.meta[m + 2] !== nameLength) continue;
      const keys = this.keys;
      let at = this.meta[m]!;
      let same = true;
      for (let i = aFrom; i < aTo && same; i++) same = keys[at++] === text.charCodeAt(i);
      for (let i = mFrom; i < mTo && same; i++) same = keys[at++] === text.charCodeAt(i);
      if (same) return id1 - 1;
    }
  }

  private place(hash: number, id: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let slot = hash & mask;
    while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    slots[2 * slot] = hash;
    slots[2 * slot + 1] = id + 1;
  }

  private growSlots(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) if (old[at + 1] !== 0) this.place(old[at]!, old[at + 1]! - 1);
  }

  private growIds(need: number): void {
    const bigger = new Int32Array(3 * Math.max(need, (this.meta.length / 3) * 2));
    bigger.set(this.meta);
    this.meta = bigger;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Scope texts mostly share a prefix (`environments###`): their last characters and length are hashed, with the whole name. */
const SCOPE_TAIL = 8;

/** FNV-1a over the name, then the scope text's tail and length. */
function keyHash(map: string, mFrom: number, mTo: number, aScp: string, aFrom: number, aTo: number): number {
  let hash = 0x811c9dc5;
  for (let i = mFrom; i < mTo; i++) hash = Math.imul(hash ^ map.charCodeAt(i), 0x01000193);
  for (let i = Math.max(aFrom, aTo - SCOPE_TAIL); i < aTo; i++) hash = Math.imul(hash ^ aScp.charCodeAt(i), 0x01000193);
  return Math.imul(hash ^ (aTo - aFrom), 0x01000193);
}

function keyHashAt(text: string, aFrom: number, aTo: number, mFrom: number, mTo: number): number {
  return keyHash(text, mFrom, mTo, text, aFrom, aTo);
}
