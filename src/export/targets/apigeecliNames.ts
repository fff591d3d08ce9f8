// apigeecli's KVM file names: `<scope>__<kvm>__kvmfile__0.json` (`_` in the legacy naming), as `apigeecli kvms import -f DIR` reads them.
import type { PlacedKvm } from './target.js';

export type ApigeecliNaming = 'current' | 'legacy';

/** `__` since apigeecli's March 2024 releases, `_` before (the bash amu's naming). */
export function splitterFor(naming: ApigeecliNaming): string {
  return naming === 'current' ? '__' : '_';
}

/** The file name apigeecli derives scope and KVM name from. */
export function apigeecliFileName(kvm: PlacedKvm, naming: ApigeecliNaming): string {
  const s = splitterFor(naming);
  const tail = `${s}kvmfile${s}0.json`;
  switch (kvm.scope.kind) {
    case 'org':
      return `org${s}${kvm.name}${tail}`;
    case 'env':
      return `env${s}${kvm.scope.env}${s}${kvm.name}${tail}`;
    case 'proxy':
      return `proxy${s}${kvm.scope.proxy}${s}${kvm.name}${tail}`;
    case 'revision':
      throw new Error('revision-scoped KVMs must be mapped to proxy scope before writing');
  }
}
