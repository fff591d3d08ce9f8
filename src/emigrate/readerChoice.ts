// Which reader emigrate uses: named by --reader, or picked from the Edge release (--src-ver), or the source's default.
import { UsageError } from '../errors.js';
import type { Platform } from '../kvm/model.js';

export type Reader = 'cassandra-cli' | 'cql' | 'cqlsh-pod';

/** `4.52.02` → [4, 52, 2]; undefined when it is not a release number. */
export function parseRelease(text: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[.-].*)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Edge 4.50–4.52.00 run Cassandra 2.1 with cassandra-cli; 4.52.02 (Cassandra 3.11) and 4.53 (4.0) have only CQL. */
export function readerForEdgeRelease(text: string): Reader {
  const release = parseRelease(text);
  if (!release) throw new UsageError(`--src-ver (SRC_VER) "${text}" is not an Edge release such as 4.51 or 4.52.02`);
  const [major, minor, patch] = release as [number, number, number];
  const upTo45200 = major < 4 || (major === 4 && (minor < 52 || (minor === 52 && patch === 0)));
  return upTo45200 ? 'cassandra-cli' : 'cql';
}

export function chooseReader(platform: Platform, reader: Reader | undefined, srcVer: string | undefined): Reader {
  if (reader) {
    if (platform === 'edge' && reader === 'cqlsh-pod') throw new UsageError('--reader cqlsh-pod is for --src hybrid; Edge uses cassandra-cli or cql');
    if (platform === 'hybrid' && reader === 'cassandra-cli') throw new UsageError('--reader cassandra-cli is for --src opdk; hybrid uses cqlsh-pod or cql');
    return reader;
  }
  if (platform === 'hybrid') return 'cqlsh-pod';
  return srcVer ? readerForEdgeRelease(srcVer) : 'cassandra-cli';
}
