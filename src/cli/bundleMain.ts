// The CLI part of the bundle (scripts/bundle.mjs): runs the CLI as bin/amu does; bundleEntry.ts loads it when the fast path has no answer.
import { main } from './main.js';

void main();
