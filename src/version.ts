// The version amu reports, read from package.json at run time.
import { readAsset } from './assets.js';

export function amuVersion(): string {
  return (JSON.parse(readAsset('package.json')) as { version: string }).version;
}
