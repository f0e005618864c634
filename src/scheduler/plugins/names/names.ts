/** Plugin names, as upstream's plugins/names. */
export const PRIORITY_SORT = 'PrioritySort';
export const DEFAULT_BINDER = 'DefaultBinder';
export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const IMAGE_LOCALITY = 'ImageLocality';
export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const NODE_AFFINITY = 'NodeAffinity';
export const NODE_NAME = 'NodeName';
export const NODE_PORTS = 'NodePorts';
export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const SCHEDULING_GATES = 'SchedulingGates';
export const TAINT_TOLERATION = 'TaintToleration';
