/** Starts the controllers inside `k8ts server` (filled in by its issue). */
import type { ComponentContext, RunningComponent } from './component-context.js';

export async function startControllers(_ctx: ComponentContext): Promise<RunningComponent | undefined> {
  return undefined;
}
