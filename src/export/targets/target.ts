// The interface every export target (apigeecli files, maven config tree) implements, extras (import script, pom.xml) included.
import type { Kvm, Scope } from '../../kvm/model.js';
import type { RenderKind } from '../parallel/protocol.js';

/** A KVM as placed in the target: scope after revision mapping, and its name. */
export interface PlacedKvm {
  scope: Scope;
  name: string;
}

export interface TargetWriter {
  /** The target as the summary names it: `apigeecli`, `maven`, `maven (project)`. */
  readonly label: string;
  /** Why the target cannot hold this KVM (a name it cannot represent), or undefined when it can. */
  unrepresentable(kvm: PlacedKvm): string | undefined;
  /** What the user should know about importing these planned KVMs with this target's tools (none by default). */
  warnings(planned: PlacedKvm[]): string[];
  /** Called once with every KVM that will be written, before the first `write`, so files can be closed as they complete. */
  begin(planned: PlacedKvm[]): Promise<void>;
  write(kvm: Kvm): Promise<void>;
  /** How a worker thread renders a KVM for this target (the text `writeRendered` takes). */
  readonly renderKind: RenderKind;
  /** Like `write`, for a KVM already decrypted and rendered (`text`: its UTF-8 text in this target); call `drain` after a batch. */
  placeRendered(kvm: PlacedKvm, entries: number, text: Uint8Array): void;
  /** Resolves once the files given so far leave room for more (bounds the memory held for writing). */
  drain(): Promise<void>;
  /** A planned KVM that will not come after all (its values failed to decrypt). */
  skip(kvm: PlacedKvm): Promise<void>;
  /**
   * Once every planned KVM was placed or skipped (before `finish`): `files`, the paths the importer reads, and
   * `extras`, the other files `finish` writes (import-kvms.sh); both relative to the export root, `/`-separated, sorted.
   */
  fileList(): { files: string[]; extras: string[] };
  /** Completes all files and writes the target's extras for the planned KVMs (import-kvms.sh, pom.xml); returns `fileList().files`. */
  finish(): Promise<string[]>;
  /** Releases open files after a failure. */
  close(): Promise<void>;
}

/** Text of a file is written once this many characters are gathered. */
export const PIECE_CHARS = 1024 * 1024;

/** Text gathered in pieces and passed on about a megabyte at a time (once for a small file). */
export class PieceWriter {
  private pieces: string[] = [];
  private chars = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly writeChars = PIECE_CHARS,
  ) {}

  add(piece: string): void {
    this.pieces.push(piece);
    this.chars += piece.length;
    if (this.chars >= this.writeChars) this.flush();
  }

  flush(): void {
    if (this.pieces.length === 0) return;
    this.write(this.pieces.join(''));
    this.pieces = [];
    this.chars = 0;
  }
}

/** The longest file name (in bytes) Linux file systems take. */
export const NAME_MAX = 255;

/** Why `component` cannot be one path segment, or undefined: no separators, no `.`/`..`, no NUL, not empty, at most NAME_MAX bytes. */
export function unsafePathSegment(component: string): string | undefined {
  if (component === '') return 'is empty';
  if (component === '.' || component === '..') return `is "${component}"`;
  if (/[/\\]/.test(component)) return 'holds a path separator (/ or \\)';
  if (component.includes('\0')) return 'holds a NUL character';
  if (Buffer.byteLength(component, 'utf8') > NAME_MAX) return `is ${Buffer.byteLength(component, 'utf8')} bytes long, more than the ${NAME_MAX} a file name may have`;
  return undefined;
}
