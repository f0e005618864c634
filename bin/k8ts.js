#!/usr/bin/env node
// The k8ts command: runs the compiled CLI (npm ci / npm run build produce dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('k8ts: not built yet; run `npm ci` (or `npm run build`) in the k8ts folder first\n');
  process.exit(1);
}
await import(main.href);
