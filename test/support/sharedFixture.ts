// The shared fixtures beside the repository (../shared, never copied in): their paths, and suites that skip, saying why, without them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the shared fixtures are: AMU_SHARED_DIR when set (tests point it at a missing folder), else ../shared. */
export const SHARED_DIR = process.env.AMU_SHARED_DIR ?? fileURLToPath(new URL('../../../shared', import.meta.url));

const warned = new Set<string>();

export interface SharedFixture {
  /** Absolute path of the fixture. */
  path: string;
  available: boolean;
  /**
   * `describe` when the fixture is there; otherwise one skipped test that names the missing path, and the body is
   * never run (a body that reads the fixture while jest collects tests would throw instead of skipping).
   */
  describe(name: string, body: () => void): void;
}

/** A fixture under the shared folder, e.g. `fixtures/opdk-4.51-validate/validate-kvms.out`. */
export function sharedFixture(relative: string): SharedFixture {
  const file = path.join(SHARED_DIR, relative);
  const available = existsSync(file);
  return {
    path: file,
    available,
    describe(name, body) {
      if (available) {
        describe(name, body);
        return;
      }
      if (!warned.has(file)) {
        warned.add(file);
        console.warn(`${file} is absent (shared fixtures are not part of the repository): skipping "${name}"`);
      }
      describe(name, () => {
        test.skip(`skipped: the shared fixture ${file} is absent`, () => undefined);
      });
    },
  };
}
