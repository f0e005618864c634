/** Starting the kubelet API: the default port 10250, or a free one when it is taken (several nodes on one machine). */
import { KubeletServer, type KubeletServerOptions } from './kubelet-server.js';

export const DEFAULT_KUBELET_PORT = 10250;

export interface StartKubeletOptions extends KubeletServerOptions {
  /** An explicit port (0: a free one) must be free; without one, 10250 is tried first. */
  port?: number;
  host?: string;
}

export async function startKubeletServer(o: StartKubeletOptions): Promise<{ server: KubeletServer; port: number }> {
  const server = new KubeletServer(o);
  try {
    const port = await server.listen(o.port ?? DEFAULT_KUBELET_PORT, o.host);
    return { server, port };
  } catch (e) {
    if (o.port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    const port = await server.listen(0, o.host);
    o.log(`kubelet: port ${DEFAULT_KUBELET_PORT} is in use; the kubelet API for ${o.nodeName} listens on ${port} (reported in the Node's daemonEndpoints)`);
    return { server, port };
  }
}
