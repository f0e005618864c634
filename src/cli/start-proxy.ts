/** Starts the proxy component inside `k8ts server` (filled in by the service-networking work). */
import type { ComponentContext, RunningComponent } from './component-context.js';

export async function startProxy(_ctx: ComponentContext): Promise<RunningComponent | undefined> {
  return undefined;
}
