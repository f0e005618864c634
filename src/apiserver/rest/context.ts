/** What every REST handler gets: the request, its parsed info, and the server's parts. */
import type { Registry, ResourceDef } from '../../api/index.js';
import type { Store } from '../../store/index.js';
import type { Req } from '../http/body.js';
import type { Res } from '../http/respond.js';
import type { RequestInfo } from '../request-info.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import type { ResourceStore } from '../registry/resource-store.js';
import type { UserInfo } from '../auth/user.js';

export interface ServerParts {
  registry: Registry;
  store: Store;
  cache: WatchCache;
  resources: Map<ResourceDef, ResourceStore>;
  /** Decoders for non-JSON request bodies, by media type. */
  decoders: Map<string, (body: Buffer) => unknown>;
}

export interface RestContext {
  req: Req;
  res: Res;
  info: RequestInfo;
  query: URLSearchParams;
  def: ResourceDef;
  rs: ResourceStore;
  parts: ServerParts;
  user: UserInfo;
  /** Warnings to send as `Warning: 299 - "..."` headers. */
  warnings: string[];
}
