import { runStoreConformance } from '../conformance.case.js';
import { MemoryStore } from './memory.js';

runStoreConformance('memory', { open: async (opts) => new MemoryStore(opts) });
