/** The generic table for kinds without their own columns: Name and Created At, as upstream. */
import type { TableDef } from '../../api/index.js';

export const NAME_ONLY: TableDef = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  ],
  row: (o) => [o.metadata.name, o.metadata.creationTimestamp],
};
