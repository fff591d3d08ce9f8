// Entry point of the single-file bundle (scripts/bundle.mjs): runs the CLI as bin/amu does.
import { main } from './main.js';

void main();
