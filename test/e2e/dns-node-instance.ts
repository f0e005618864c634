/**
 * Test fixture: one node's cluster DNS exactly as `k8ts agent --enable dns`
 * starts it (startNodeDns with the node's own credentials, following its
 * kubeconfig as the agent's does), for tests that run
 * agents with `--runtime sim` (the agent accepts --enable only with cri).
 * `node --import tsx dns-node-instance.ts KUBECONFIG NODE NODE_IP`, run inside
 * the node's network namespace; SIGTERM stops it cleanly (withdraws the slice).
 */
import { kubeconfigCertificate } from '../../src/cli/reloading-credentials.js';
import { startNodeDns } from '../../src/cli/start-dns.js';
import { readKubeconfig } from '../../src/pki/index.js';

const [kubeconfig = '', nodeName = '', nodeIP = ''] = process.argv.slice(2);
const creds = await readKubeconfig(kubeconfig);
const abort = new AbortController();
const dns = await startNodeDns({ credentials: async () => creds, serviceCIDR: '10.43.0.0/16', nodeIP, nodeName, followCertificate: () => kubeconfigCertificate(kubeconfig), signal: abort.signal, log: (m) => console.log(m) });
if (!dns) process.exit(1);
process.once('SIGTERM', () => {
  void dns.stop().finally(() => process.exit(0));
});
