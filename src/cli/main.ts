/** The `k8ts` command: dispatches subcommands; errors print one line and exit non-zero. */
import { VERSION_INFO } from '../apiserver/index.js';
import { runServer } from './server.js';

const USAGE = `Usage: k8ts <command> [flags]

Commands:
  server     run a cluster's control plane (API server over SQLite or etcd)
  version    print the version

Run 'k8ts <command> --help' for a command's flags.
`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server':
      return runServer(rest);
    case 'version':
    case '--version':
      process.stdout.write(`k8ts version ${VERSION_INFO.gitVersion} (Kubernetes API ${VERSION_INFO.major}.${VERSION_INFO.minor}, node ${process.versions.node})\n`);
      return;
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
