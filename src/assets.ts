// Files amu ships beside its code (templates/, package.json): read from the package, or from the copies embedded in the single-file bundle.
import { readFileSync } from 'node:fs';

/** Set by the bundler (scripts/bundle.mjs): path from the package root -> file text. Undefined when running from dist/. */
declare const AMU_EMBEDDED_ASSETS: Record<string, string> | undefined;

/** The text of a file of the amu package, by its path from the package root (e.g. 'templates/maven-pom.xml'). */
export function readAsset(relativePath: string): string {
  if (typeof AMU_EMBEDDED_ASSETS !== 'undefined') {
    const text = AMU_EMBEDDED_ASSETS[relativePath];
    if (text === undefined) throw new Error(`${relativePath} is not embedded in this amu build`);
    return text;
  }
  return readFileSync(new URL(`../${relativePath}`, import.meta.url), 'utf8');
}
