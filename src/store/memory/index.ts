/** The in-memory store backend (tests). */
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
