// The export targets by their --tgt name: each one writes its own files and extras, so callers never branch on the kind.
import { ApigeecliWriter, type ApigeecliNaming } from './apigeecli.js';
import { MavenConfigWriter } from './maven.js';
import type { TargetWriter } from './target.js';

export type TargetKind = 'apigeecli' | 'maven';

/** What the targets need besides the folder they write into. */
export interface TargetOptions {
  org: string;
  apigeecliNaming: ApigeecliNaming;
  /** maven: write a whole project (pom.xml and resources/edge/) instead of the bare config tree. */
  mavenProject: boolean;
  mavenPluginVersion: string;
}

const TARGETS: Record<TargetKind, (root: string, options: TargetOptions) => TargetWriter> = {
  apigeecli: (root, o) => new ApigeecliWriter(root, o.apigeecliNaming),
  maven: (root, o) => new MavenConfigWriter(root, o.mavenProject ? { org: o.org, pluginVersion: o.mavenPluginVersion } : undefined),
};

/** The writer of target `kind` into `root`. */
export function createTarget(kind: TargetKind, root: string, options: TargetOptions): TargetWriter {
  return TARGETS[kind](root, options);
}
