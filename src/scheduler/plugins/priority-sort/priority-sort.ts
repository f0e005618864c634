/** PrioritySort: the queue order — higher priority first, then earlier arrival. */
import type { Plugin, QueuedPod } from '../../framework/interface.js';
import { PRIORITY_SORT } from '../names/names.js';

export const NAME = PRIORITY_SORT;

export function newPrioritySort(): Plugin {
  return {
    name: NAME,
    less(a: QueuedPod, b: QueuedPod): boolean {
      return a.priority > b.priority || (a.priority === b.priority && a.timestamp < b.timestamp);
    },
  };
}
