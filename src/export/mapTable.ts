// A hash table of hybrid maps by (a_scp, map name): one FNV-1a hash of the name in JS per lookup, chained slots.
//
// Rows hand over fresh strings cut from the dump's text; a Map keyed by them hashes each one in V8's
// runtime, which cost more than the rest of a row's first pass. Items carry their own chain link.

import { fnv1a32 } from './spillBuckets.js';

/** What the table holds: a map's scope text and name, and the link to the next item of its slot. */
export interface MapTableItem<T> {
  aScp: string;
  map: string;
  nextInSlot: T | undefined;
}

/** True when `text` holds `part` at `at` (a loop: cheaper than startsWith with a position for short parts). */
export function textAt(text: string, at: number, part: string): boolean {
  for (let i = 0; i < part.length; i++) if (text.charCodeAt(at + i) !== part.charCodeAt(i)) return false;
  return true;
}

export class MapTable<T extends MapTableItem<T>> {
  private slots: (T | undefined)[] = new Array<T | undefined>(1024).fill(undefined);
  private count = 0;

  /** The item of this scope text and map name, if any. */
  get(aScp: string, map: string): T | undefined {
    let item = this.slots[fnv1a32(map) & (this.slots.length - 1)];
    while (item !== undefined && (item.map !== map || item.aScp !== aScp)) item = item.nextInSlot;
    return item;
  }

  /** Adds an item (its scope and name must not be in the table yet). */
  add(item: T): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.insert(this.slots, item);
    this.count++;
  }

  private insert(slots: (T | undefined)[], item: T): void {
    const slot = fnv1a32(item.map) & (slots.length - 1);
    item.nextInSlot = slots[slot];
    slots[slot] = item;
  }

  private grow(): void {
    const bigger = new Array<T | undefined>(this.slots.length * 2).fill(undefined);
    for (let item of this.slots) {
      while (item !== undefined) {
        const next: T | undefined = item.nextInSlot;
        this.insert(bigger, item);
        item = next;
      }
    }
    this.slots = bigger;
  }
}
