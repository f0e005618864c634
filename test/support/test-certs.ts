/** Throw-away PKI for tests (openssl CLI): a CA, a server certificate for 127.0.0.1/localhost, and a client certificate. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryOrThrow } from './require.js';

export interface TestCerts {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Writes the files into `dir` (which must exist) and returns their paths. */
export function makeTestCerts(dir: string, clientCN = 'k8ts-test-client'): TestCerts {
  const openssl = binaryOrThrow('openssl', 'openssl');
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const p = (f: string) => join(dir, f);
  const key = (f: string) => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(f));

  key('ca.key');
  run('req', '-x509', '-new', '-key', p('ca.key'), '-subj', '/CN=k8ts-test-ca', '-days', '2', '-out', p('ca.crt'));

  const sign = (name: string, cn: string, ext: string) => {
    key(`${name}.key`);
    run('req', '-new', '-key', p(`${name}.key`), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`));
    writeFileSync(p(`${name}.ext`), ext);
    run(
      'x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-days', '2', '-extfile', p(`${name}.ext`), '-out', p(`${name}.crt`),
    );
  };
  sign('server', 'k8ts-test-etcd', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  sign('client', clientCN, 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: p('ca.crt'),
    serverCertFile: p('server.crt'),
    serverKeyFile: p('server.key'),
    clientCertFile: p('client.crt'),
    clientKeyFile: p('client.key'),
  };
}
