/** Starts the scheduler inside `k8ts server` (filled in by its issue). */
import type { ComponentContext, RunningComponent } from './component-context.js';

export async function startScheduler(_ctx: ComponentContext): Promise<RunningComponent | undefined> {
  return undefined;
}
