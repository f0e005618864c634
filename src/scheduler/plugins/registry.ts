/** The in-tree plugins by name, and the default profile (upstream getDefaultPlugins for v1.32). */
import type { Handle, Plugin, PluginFactory } from '../framework/interface.js';
import type { NodeAffinityArgs } from './node-affinity/node-affinity.js';
import type { NodeResourcesFitArgs } from './node-resources-fit/node-resources-fit.js';
import type { PodTopologySpreadArgs } from './pod-topology-spread/pod-topology-spread.js';
import { newDefaultBinder } from './default-binder/default-binder.js';
import { newDefaultPreemption } from './default-preemption/default-preemption.js';
import { newImageLocality } from './image-locality/image-locality.js';
import { newInterPodAffinity } from './inter-pod-affinity/inter-pod-affinity.js';
import * as names from './names/names.js';
import { newNodeAffinity } from './node-affinity/node-affinity.js';
import { newNodeName } from './node-name/node-name.js';
import { newNodePorts } from './node-ports/node-ports.js';
import { newBalancedAllocation } from './node-resources-balanced-allocation/node-resources-balanced-allocation.js';
import { newNodeResourcesFit } from './node-resources-fit/node-resources-fit.js';
import { newNodeUnschedulable } from './node-unschedulable/node-unschedulable.js';
import { newPodTopologySpread } from './pod-topology-spread/pod-topology-spread.js';
import { newPrioritySort } from './priority-sort/priority-sort.js';
import { newSchedulingGates } from './scheduling-gates/scheduling-gates.js';
import { newTaintToleration } from './taint-toleration/taint-toleration.js';

export const REGISTRY: Record<string, PluginFactory> = {
  [names.PRIORITY_SORT]: () => newPrioritySort(),
  [names.SCHEDULING_GATES]: () => newSchedulingGates(),
  [names.NODE_UNSCHEDULABLE]: () => newNodeUnschedulable(),
  [names.NODE_NAME]: () => newNodeName(),
  [names.TAINT_TOLERATION]: () => newTaintToleration(),
  [names.NODE_AFFINITY]: (a) => newNodeAffinity(a as NodeAffinityArgs),
  [names.NODE_PORTS]: () => newNodePorts(),
  [names.NODE_RESOURCES_FIT]: (a) => newNodeResourcesFit(a as NodeResourcesFitArgs),
  [names.POD_TOPOLOGY_SPREAD]: (a, h) => newPodTopologySpread(a as PodTopologySpreadArgs, h),
  [names.INTER_POD_AFFINITY]: (a: Record<string, unknown>, h: Handle): Plugin => newInterPodAffinity(a as { hardPodAffinityWeight?: number }, h),
  [names.DEFAULT_PREEMPTION]: (a, h) => newDefaultPreemption(a, h),
  [names.NODE_RESOURCES_BALANCED_ALLOCATION]: (a) => newBalancedAllocation(a as { resources?: { name: string; weight: number }[] }),
  [names.IMAGE_LOCALITY]: (a, h) => newImageLocality(a, h),
  [names.DEFAULT_BINDER]: (a, h) => newDefaultBinder(a, h),
};

/** Default multiPoint plugins in upstream's order, with score weights. */
export const DEFAULT_PLUGINS: { name: string; weight?: number }[] = [
  { name: names.SCHEDULING_GATES },
  { name: names.PRIORITY_SORT },
  { name: names.NODE_UNSCHEDULABLE },
  { name: names.NODE_NAME },
  { name: names.TAINT_TOLERATION, weight: 3 },
  { name: names.NODE_AFFINITY, weight: 2 },
  { name: names.NODE_PORTS },
  { name: names.NODE_RESOURCES_FIT, weight: 1 },
  { name: names.POD_TOPOLOGY_SPREAD, weight: 2 },
  { name: names.INTER_POD_AFFINITY, weight: 2 },
  { name: names.DEFAULT_PREEMPTION },
  { name: names.NODE_RESOURCES_BALANCED_ALLOCATION, weight: 1 },
  { name: names.IMAGE_LOCALITY, weight: 1 },
  { name: names.DEFAULT_BINDER },
];
