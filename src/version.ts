// The version amu reports, read from package.json at run time.
import { readFileSync } from 'node:fs';

export function amuVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
