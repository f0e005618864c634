/** Test support for the controllers' unit tests: the fake clock and the built-in registry. */
export { FakeClock } from '../client/index.js';
export { builtinRegistry as builtinRegistryForTests } from '../api/index.js';
