/** The default `--data-dir` (its own module: `k8ts agent` and the small commands need it without loading the server). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts');
}
