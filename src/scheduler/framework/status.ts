/** A plugin's verdict (upstream framework.Status); `undefined` from a plugin means Success. */

/**
 * Success: go on. Error: an internal failure, the pod is retried after backoff.
 * Unschedulable: this node does not fit now, but preemption (PostFilter) may help.
 * UnschedulableAndUnresolvable: nothing (not even preemption) makes this node fit.
 * Wait: Permit holds the pod. Skip: the plugin has nothing to do for this pod
 * (PreFilter/PreScore: its Filter/Score are skipped; Bind: the next binder runs).
 */
export enum Code {
  Success = 'Success',
  Error = 'Error',
  Unschedulable = 'Unschedulable',
  UnschedulableAndUnresolvable = 'UnschedulableAndUnresolvable',
  Wait = 'Wait',
  Skip = 'Skip',
}

export class Status {
  /** The plugin that returned it (set by the framework). */
  plugin = '';
  readonly reasons: string[];

  constructor(
    readonly code: Code,
    ...reasons: string[]
  ) {
    this.reasons = reasons;
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }
  private msg: string | undefined;
  message(): string {
    return (this.msg ??= this.reasons.join(', '));
  }
  withPlugin(name: string): Status {
    if (!this.plugin) this.plugin = name;
    return this;
  }
}

export const success = (): Status => new Status(Code.Success);
export const unschedulable = (...reasons: string[]): Status => new Status(Code.Unschedulable, ...reasons);
export const unresolvable = (...reasons: string[]): Status => new Status(Code.UnschedulableAndUnresolvable, ...reasons);
export const skip = (): Status => new Status(Code.Skip);
export const error = (msg: string): Status => new Status(Code.Error, msg);

/** `undefined` counts as Success. */
export type MaybeStatus = Status | undefined;
export const isOk = (s: MaybeStatus): boolean => s === undefined || s.code === Code.Success;
