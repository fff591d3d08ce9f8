// The targets' text around a KVM's entries as constant bytes, exactly as emitApigeecliText and emitMavenKvmText write it.
import { asciiBytes } from './byteOut.js';
import type { RenderKind } from './protocol.js';

/** The pieces between entries; an entry's name and value go after `firstEntry`/`nextEntry` and `value`, as JSON strings. */
export interface TargetLayout {
  empty: Uint8Array;
  open: Uint8Array;
  firstEntry: Uint8Array;
  nextEntry: Uint8Array;
  value: Uint8Array;
  entryEnd: Uint8Array;
  close: Uint8Array;
  /** Maven: the KVM's name goes before its entries (MAVEN_HEAD, the name as a JSON string, MAVEN_ENTRY). */
  named: boolean;
}

export const TARGET_LAYOUTS: Readonly<Record<RenderKind, TargetLayout>> = {
  apigeecli: {
    empty: asciiBytes('{\n  "keyValueEntries": [],\n  "nextPageToken": ""\n}\n'),
    open: asciiBytes('{\n  "keyValueEntries": [\n'),
    firstEntry: asciiBytes('    {\n      "name": '),
    nextEntry: asciiBytes(',\n    {\n      "name": '),
    value: asciiBytes(',\n      "value": '),
    entryEnd: asciiBytes('\n    }'),
    close: asciiBytes('\n  ],\n  "nextPageToken": ""\n}\n'),
    named: false,
  },
  maven: {
    empty: asciiBytes('[]\n  }'),
    open: asciiBytes('[\n'),
    firstEntry: asciiBytes('      {\n        "name": '),
    nextEntry: asciiBytes(',\n      {\n        "name": '),
    value: asciiBytes(',\n        "value": '),
    entryEnd: asciiBytes('\n      }'),
    close: asciiBytes('\n    ]\n  }'),
    named: true,
  },
};

export const MAVEN_HEAD = asciiBytes('{\n    "name": ');
export const MAVEN_ENTRY = asciiBytes(',\n    "entry": ');

const QUOTE = Uint8Array.of(0x22);

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The same layout with the quotes around entry names in it: for names that stand for themselves, copied raw. */
export function withNameQuotes(layout: TargetLayout): TargetLayout {
  return { ...layout, firstEntry: joined(layout.firstEntry, QUOTE), nextEntry: joined(layout.nextEntry, QUOTE), value: joined(QUOTE, layout.value) };
}
