/** Kind definitions of this API group (filled in by the built-in API issue). */
import type { ResourceDef } from '../resource.js';

export const STORAGE_RESOURCES: ResourceDef[] = [];
