// Jest's global setup and teardown: the run's temporary folders (every test's, and those of the amu processes they start) go into one folder, removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'amu-tests-';

export function setup() {
  const root = mkdtempSync(path.join(os.tmpdir(), PREFIX));
  process.env.AMU_TEST_TMP_ROOT = root;
  // os.tmpdir() reads TMPDIR: the test workers, started after this, inherit it.
  process.env.TMPDIR = root;
}

export function teardown() {
  const root = process.env.AMU_TEST_TMP_ROOT;
  if (root !== undefined && path.basename(root).startsWith(PREFIX)) rmSync(root, { recursive: true, force: true });
}
