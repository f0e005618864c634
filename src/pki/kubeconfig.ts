// Kubeconfig files: build the YAML, write it 0600, and read back the current context's credentials.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { PkiFileError, SECRET_MODE, ensureParentDir, writeFileAtomic } from './files.js';

/** What goes into a single-cluster, single-user kubeconfig. */
export interface KubeconfigOptions {
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  caPem: string;
  /** Names of the cluster, user and context entries (default `default`, as k3s writes). */
  clusterName?: string;
  userName?: string;
  contextName?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

/** The current context's connection details, as components need them. */
export interface KubeconfigCredentials {
  server: string;
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  /** Names the entries had in the file. */
  clusterName: string;
  userName: string;
  contextName: string;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A standard `apiVersion: v1, kind: Config` kubeconfig with embedded, base64 credentials. */
export function kubeconfigYaml(opts: KubeconfigOptions): string {
  if (!opts.server) throw new Error('kubeconfigYaml: server is required');
  if (!opts.caPem) throw new Error('kubeconfigYaml: caPem is required');
  if ((opts.clientCertPem === undefined) !== (opts.clientKeyPem === undefined)) {
    throw new Error('kubeconfigYaml: clientCertPem and clientKeyPem go together');
  }
  const clusterName = opts.clusterName ?? 'default';
  const userName = opts.userName ?? 'default';
  const contextName = opts.contextName ?? 'default';
  const user: Record<string, string> = {};
  if (opts.clientCertPem !== undefined) user['client-certificate-data'] = b64(opts.clientCertPem);
  if (opts.clientKeyPem !== undefined) user['client-key-data'] = b64(opts.clientKeyPem);
  if (opts.token !== undefined) user['token'] = opts.token;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { 'certificate-authority-data': b64(opts.caPem), server: opts.server } }],
    contexts: [{ name: contextName, context: { cluster: clusterName, user: userName } }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: userName, user }],
  };
  // lineWidth 0: never fold long base64 values.
  return stringify(doc, { lineWidth: 0 });
}

/** Writes a kubeconfig atomically with mode 0600, creating its directory (0700) if needed. */
export async function writeKubeconfig(path: string, yamlText: string): Promise<void> {
  await ensureParentDir(path);
  await writeFileAtomic(path, yamlText, SECRET_MODE);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Finds `{ name, <field>: {...} }` in a kubeconfig list by name. */
function named(doc: Obj, list: string, field: string, name: string, file: string): Obj {
  const items = doc[list];
  const entry = Array.isArray(items) ? items.find((e: unknown) => isObj(e) && e['name'] === name) : undefined;
  const body: unknown = isObj(entry) ? entry[field] : undefined;
  if (!isObj(body)) throw new PkiFileError(file, `no ${field} named ${JSON.stringify(name)} in ${list}`);
  return body;
}

/** Reads `<key>-data` (base64) or `<key>` (a file path, relative to the kubeconfig's directory). */
async function dataOrFile(o: Obj, key: string, file: string): Promise<string | undefined> {
  const data = str(o, `${key}-data`);
  if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
  const ref = str(o, key);
  if (ref === undefined) return undefined;
  const path = isAbsolute(ref) ? ref : resolve(dirname(file), ref);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new PkiFileError(path, `cannot read (${key} of ${file}): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Reads a kubeconfig and returns the server and credentials of its current
 * context (or of `opts.context`). Understands the `-data` forms and file
 * references (`certificate-authority`, `client-certificate`, `client-key`,
 * `tokenFile`). A kubeconfig without a certificate authority is an error:
 * k8ts components always verify the API server.
 */
export async function readKubeconfig(path: string, opts: { context?: string } = {}): Promise<KubeconfigCredentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PkiFileError(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new PkiFileError(path, `not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObj(doc)) throw new PkiFileError(path, 'not a kubeconfig (expected a mapping)');
  const contextName = opts.context ?? str(doc, 'current-context');
  if (contextName === undefined) throw new PkiFileError(path, 'no current-context');
  const context = named(doc, 'contexts', 'context', contextName, path);
  const clusterName = str(context, 'cluster');
  const userName = str(context, 'user');
  if (clusterName === undefined) throw new PkiFileError(path, `context ${contextName} names no cluster`);
  const cluster = named(doc, 'clusters', 'cluster', clusterName, path);
  const server = str(cluster, 'server');
  if (server === undefined) throw new PkiFileError(path, `cluster ${clusterName} has no server`);
  const caPem = await dataOrFile(cluster, 'certificate-authority', path);
  if (caPem === undefined) throw new PkiFileError(path, `cluster ${clusterName} has no certificate-authority`);
  const creds: KubeconfigCredentials = { server, caPem, clusterName, userName: userName ?? '', contextName };
  if (userName === undefined) return creds;
  const user = named(doc, 'users', 'user', userName, path);
  const clientCertPem = await dataOrFile(user, 'client-certificate', path);
  const clientKeyPem = await dataOrFile(user, 'client-key', path);
  if (clientCertPem !== undefined) creds.clientCertPem = clientCertPem;
  if (clientKeyPem !== undefined) creds.clientKeyPem = clientKeyPem;
  const token = str(user, 'token');
  const tokenFile = str(user, 'tokenFile');
  if (token !== undefined) creds.token = token;
  else if (tokenFile !== undefined) {
    const t = await dataOrFile({ tokenFile }, 'tokenFile', path);
    if (t !== undefined) creds.token = t.trim();
  }
  return creds;
}
