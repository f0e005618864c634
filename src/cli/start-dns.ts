/** Starts the dns component inside `k8ts server` (filled in by the service-networking work). */
import type { ComponentContext, RunningComponent } from './component-context.js';

export async function startDns(_ctx: ComponentContext): Promise<RunningComponent | undefined> {
  return undefined;
}
