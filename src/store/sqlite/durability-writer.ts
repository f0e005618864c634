// Child process of durability.test.ts: writes keys concurrently forever, printing each one once its write is acknowledged.
import { SqliteStore } from './index.js';

const path = process.argv[2];
if (!path) throw new Error('usage: durability-writer.ts <db-path>');
const store = new SqliteStore({ path, progressIntervalMs: 0 });
const enc = new TextEncoder();
let next = 0;

async function writer(): Promise<never> {
  for (;;) {
    const key = `/registry/durability/${next++}`;
    await store.create(key, enc.encode(`value of ${key}`));
    // stdout is a pipe: on Linux the write is synchronous, so a printed key was acknowledged first.
    process.stdout.write(`${key}\n`);
  }
}

for (let i = 0; i < 32; i++) void writer();
