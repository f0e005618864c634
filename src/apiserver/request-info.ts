/**
 * What a request is about, read from its method and path as kube-apiserver's
 * RequestInfoFactory does: the API group/version, namespace, resource, name,
 * subresource and the verb authorisation sees.
 * @module
 */

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix?: 'api' | 'apis';
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Remaining path segments after the subresource (e.g. proxy paths). */
  parts: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  const segs = path.split('/').filter((s) => s !== '');
  const prefix = segs[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let rest = segs.slice(1);
  if (prefix === 'apis') {
    if (rest.length < 2) return info; // /apis or /apis/<group>: discovery
    info.group = rest[0]!;
    rest = rest.slice(1);
  } else if (rest.length < 1) return info;
  info.version = rest[0]!;
  rest = rest.slice(1);
  if (rest.length === 0) return info; // group-version discovery
  info.isResourceRequest = true;
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length > 1) {
    info.namespace = decodeURIComponent(rest[1]!);
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1] !== undefined ? decodeURIComponent(rest[1]) : '';
  info.subresource = rest[2] ?? '';
  info.parts = rest.slice(3);
  if (info.resource === 'namespaces' && info.name === '' && info.namespace !== '') {
    // /api/v1/namespaces/foo[/status]: the namespace object itself.
    info.name = info.namespace;
  }
  if (info.resource === 'namespaces') info.namespace = '';
  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = watchPath || query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : info.name ? 'get' : 'list';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  return info;
}
