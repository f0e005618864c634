/**
 * TaintNodesByCondition admission: a new Node gets the
 * `node.kubernetes.io/not-ready:NoSchedule` taint, so nothing is scheduled
 * onto it before the node lifecycle controller has seen it Ready and lifted
 * the taint (upstream plugin/pkg/admission/nodetaint).
 * @module
 */
import { isRecord } from '../../api/index.js';
import type { ServerParts } from '../rest/context.js';

export const TAINT_NODES_BY_CONDITION = 'TaintNodesByCondition';
export const NOT_READY_TAINT = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };

export function installTaintNodesByCondition(parts: ServerParts): void {
  const def = parts.registry.resource('', 'v1', 'nodes');
  const rs = def && parts.resources.get(def);
  rs?.hooks.push({
    async beforeCreate(node) {
      const spec = (node.spec = isRecord(node.spec) ? node.spec : {});
      const taints = Array.isArray(spec.taints) ? (spec.taints as Array<{ key?: string; effect?: string }>) : [];
      if (!taints.some((t) => t.key === NOT_READY_TAINT.key && t.effect === NOT_READY_TAINT.effect)) spec.taints = [...taints, { ...NOT_READY_TAINT }];
    },
  });
}
