/** DefaultBinder: POST pods/<name>/binding through the API server. */
import { BINDING_ANNOTATIONS_KEY, type Handle, type Plugin } from '../../framework/interface.js';
import { error } from '../../framework/status.js';
import { DEFAULT_BINDER } from '../names/names.js';

export const NAME = DEFAULT_BINDER;

export function newDefaultBinder(_args: Record<string, unknown>, h: Handle): Plugin {
  return {
    name: NAME,
    async bind(state, pod, node) {
      try {
        await h.api.bind(pod, node, state.read<Record<string, string>>(BINDING_ANNOTATIONS_KEY));
        return undefined;
      } catch (e) {
        return error(e instanceof Error ? e.message : String(e));
      }
    },
  };
}
