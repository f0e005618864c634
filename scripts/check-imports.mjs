#!/usr/bin/env node
// Import-boundary check (DESIGN.md "Layout"): a component imports another only
// through its index.ts, and only in the directions the design draws.
// Exits 1 and prints one line per violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const src = join(root, 'src');

/** Which components each component may import (besides itself). */
export const ALLOWED = {
  api: [],
  pki: [],
  store: [],
  apiserver: ['api', 'store', 'pki'],
  client: ['api'],
  scheduler: ['api', 'client'],
  controllers: ['api', 'client', 'pki'],
  kubelet: ['api', 'client', 'pki'],
  proxy: ['api', 'client'],
  dns: ['api', 'client'],
  'metrics-server': ['api', 'client'],
  cli: ['api', 'pki', 'store', 'apiserver', 'client', 'scheduler', 'controllers', 'kubelet', 'proxy', 'dns', 'metrics-server'],
};

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|js)$/.test(name)) out.push(p);
  }
  return out;
}

const importRe = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

export function check() {
  const problems = [];
  for (const file of walk(src)) {
    const rel = relative(src, file);
    const component = rel.split(sep)[0];
    if (!(component in ALLOWED)) {
      problems.push(`${rel}: folder "${component}" is not a component named in DESIGN.md`);
      continue;
    }
    const isTest = /\.(test|case)\.ts$/.test(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec || !spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src + sep)) {
        if (!isTest) problems.push(`${rel}: imports "${spec}" from outside src/`);
        continue;
      }
      const trel = relative(src, target);
      const tcomp = trel.split(sep)[0];
      if (tcomp === component) continue;
      if (!ALLOWED[component].includes(tcomp) && !isTest) {
        problems.push(`${rel}: ${component} may not import ${tcomp} ("${spec}")`);
      } else if (trel !== join(tcomp, 'index.js') && trel !== join(tcomp, 'index.ts') && trel !== tcomp) {
        problems.push(`${rel}: imports ${tcomp} internals ("${spec}"); use ${tcomp}/index.ts`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const problems = check();
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log('import boundaries ok');
}
