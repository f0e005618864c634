/** The `k8ts` command: dispatches subcommands; errors print one line and exit non-zero. */
// Commands are imported when run: `k8ts agent` must not load (and keep in memory) the API server.

const USAGE = `Usage: k8ts <command> [flags]

Commands:
  server              run a cluster: API server (SQLite or etcd), controllers, scheduler, a node
  agent               run node agents (simulated nodes) against a remote API server
  scheduler           run the scheduler alone against an API server
  controller-manager  run the controllers alone against an API server
  token create        make a bootstrap token for \`k8ts agent\`
  audit-rbac          list who holds dangerous rights
  secrets-encrypt status|rotate  encryption at rest of Secrets (server --secrets-encryption)
  explain pod NAME    why the scheduler placed a pod, or why it is pending
  proxy               run kube-proxy (iptables mode) for this node; --cleanup removes its rules
  trace FROM TO       the path a packet takes to a Service: netns, chains, DNAT, route, pod
  killall             after stopping k8ts: stop its containers, remove its bridge, chains and routes
  version             print the version

Run 'k8ts <command> --help' for a command's flags.
`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server':
      return (await import('./server.js')).runServer(rest);
    case 'agent': return (await import('./agent.js')).runAgent(rest);
    case 'scheduler': return (await import('./scheduler.js')).runSchedulerCommand(rest);
    case 'controller-manager': return (await import('./controller-manager.js')).runControllerManagerCommand(rest);
    case 'token': return (await import('./token.js')).runToken(rest);
    case 'audit-rbac': return (await import('./audit-rbac.js')).runAuditRbac(rest);
    case 'secrets-encrypt': return (await import('./secrets-encrypt.js')).runSecretsEncrypt(rest);
    case 'explain': return (await import('./explain.js')).runExplain(rest);
    case 'proxy': return (await import('./start-proxy.js')).runProxyCommand(rest);
    case 'trace': return (await import('./trace.js')).runTrace(rest);
    case 'killall': return (await import('./killall.js')).runKillall(rest);
    case 'version':
    case '--version': {
      const { VERSION_INFO } = await import('../apiserver/index.js');
      process.stdout.write(`k8ts version ${VERSION_INFO.gitVersion} (Kubernetes API ${VERSION_INFO.major}.${VERSION_INFO.minor}, node ${process.versions.node})\n`);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new Error(`unknown command "${cmd}" (run 'k8ts --help')`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`k8ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
