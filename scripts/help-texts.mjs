#!/usr/bin/env node
// Part of `npm run build`: renders every help text with the compiled CLI and stores them as dist/cli/help-texts.json for bin/amu's fast path.
import { writeFile, rename } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const { renderHelpTexts } = await import('../dist/cli/helpTexts.js');
const { HELP_TEXTS_FILE } = await import('../dist/cli/distFastPath.js');
const file = fileURLToPath(HELP_TEXTS_FILE);
await writeFile(`${file}.tmp`, JSON.stringify(await renderHelpTexts()));
await rename(`${file}.tmp`, file);
