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
  private slotHash = new Int32Array(1024);
  /** id + 1 per slot; 0: empty. */
  private slotId = new Int32Array(1024);
  private count = 0;
  /** Scope text then map name of each map, end to end (ASCII bytes). */
  private keys = Buffer.allocUnsafe(64 * 1024);
  private keysUsed = 0;
  /** By id: where its key starts, its scope text's and name's lengths (-1: not ASCII, never found). */
  private keyStart = new Int32Array(1024);
  private scopeLength = new Int32Array(1024);
  private nameLength = new Int32Array(1024);

  /** Adds map `id` (ids are added once each, in any order). */
  add(id: number, aScp: string, map: string): void {
    if (id >= this.keyStart.length) this.growIds(id + 1);
    const ascii = isAscii(aScp) && isAscii(map);
    this.keyStart[id] = this.keysUsed;
    this.scopeLength[id] = ascii ? aScp.length : -1;
    this.nameLength[id] = ascii ? map.length : -1;
    if (!ascii) return;
    if (this.keysUsed + aScp.length + map.length > this.keys.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.keys.length * 2, this.keysUsed + aScp.length + map.length));
      this.keys.copy(bigger, 0, 0, this.keysUsed);
      this.keys = bigger;
    }
    this.keysUsed += this.keys.write(aScp, this.keysUsed, 'latin1');
    this.keysUsed += this.keys.write(map, this.keysUsed, 'latin1');
    if ((this.count + 1) * LOAD > this.slotId.length) this.growSlots();
    this.place(keyHash(map, 0, map.length, aScp, 0, aScp.length), id);
    this.count++;
  }

  /** The id of the map of scope text text[aFrom, aTo) and name text[mFrom, mTo) (ASCII text), or -1. */
  find(text: string, aFrom: number, aTo: number, mFrom: number, mTo: number): number {
    const hash = keyHashAt(text, aFrom, aTo, mFrom, mTo);
    const mask = this.slotId.length - 1;
    const scopeLength = aTo - aFrom;
    const nameLength = mTo - mFrom;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id1 = this.slotId[slot]!;
      if (id1 === 0) return -1;
      if (this.slotHash[slot] !== hash) continue;
      const id = id1 - 1;
      if (this.scopeLength[id] !== scopeLength || this.nameLength[id] !== nameLength) continue;
      const keys = this.keys;
      let at = this.keyStart[id]!;
      let same = true;
      for (let i = aFrom; i < aTo && same; i++) same = keys[at++] === text.charCodeAt(i);
      for (let i = mFrom; i < mTo && same; i++) same = keys[at++] === text.charCodeAt(i);
      if (same) return id;
    }
  }

  private place(hash: number, id: number): void {
    const mask = this.slotId.length - 1;
    let slot = hash & mask;
    while (this.slotId[slot] !== 0) slot = (slot + 1) & mask;
    this.slotHash[slot] = hash;
    this.slotId[slot] = id + 1;
  }

  private growSlots(): void {
    const oldHash = this.slotHash;
    const oldId = this.slotId;
    this.slotHash = new Int32Array(oldId.length * 2);
    this.slotId = new Int32Array(oldId.length * 2);
    for (let slot = 0; slot < oldId.length; slot++) if (oldId[slot] !== 0) this.place(oldHash[slot]!, oldId[slot]! - 1);
  }

  private growIds(need: number): void {
    const size = Math.max(need, this.keyStart.length * 2);
    const grow = (old: Int32Array) => {
      const bigger = new Int32Array(size);
      bigger.set(old);
      return bigger;
    };
    this.keyStart = grow(this.keyStart);
    this.scopeLength = grow(this.scopeLength);
    this.nameLength = grow(this.nameLength);
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
