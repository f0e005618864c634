/** Test support: a TCP pass-through proxy whose connections a test can cut, to break watches and sessions on purpose. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CuttableProxy {
  port: number;
  /** Destroy every connection and refuse new ones until `resume`. */
  cut(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  let refusing = false;
  const pairs = new Set<{ a: net.Socket; b: net.Socket }>();
  const srv = net.createServer((a) => {
    if (refusing) {
      a.destroy();
      return;
    }
    const b = net.connect(targetPort, '127.0.0.1');
    const pair = { a, b };
    pairs.add(pair);
    const kill = () => {
      pairs.delete(pair);
      a.destroy();
      b.destroy();
    };
    for (const s of [a, b]) {
      s.on('error', kill);
      s.on('close', kill);
    }
    a.pipe(b);
    b.pipe(a);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const proxy: CuttableProxy = {
    port: (srv.address() as AddressInfo).port,
    cut() {
      refusing = true;
      for (const p of [...pairs]) {
        p.a.destroy();
        p.b.destroy();
      }
      pairs.clear();
    },
    resume() {
      refusing = false;
    },
    close() {
      proxy.cut();
      return new Promise((resolve) => srv.close(() => resolve()));
    },
  };
  return proxy;
}

/** Poll `cond` every 10 ms until it holds; fail after `timeoutMs`. */
export async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
