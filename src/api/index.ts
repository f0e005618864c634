/**
 * The api component: the Kubernetes kinds k8ts serves (one ResourceDef each),
 * their schemas, and the pure building blocks (selectors, quantities, names,
 * field errors) every other component uses.
 * @module
 */
export type { KObject, ObjectMeta, OwnerReference } from './object.js';
export { isRecord, getPath, child, apiVersionOf } from './object.js';
export type { ResourceDef, TableDef, ColumnDef, SubresourceDef, ScaleDef, Verb } from './resource.js';
export { ALL_VERBS } from './resource.js';
export { Registry, BUILTIN_RESOURCES, builtinRegistry } from './registry.js';
export type { SchemaNode } from './schema-node.js';
export { refName } from './schema-node.js';
export { GENERATED_SCHEMAS } from './generated/schemas.js';
export { REASON_BY_CODE, type Status, type StatusCause, type StatusDetails } from './status.js';
export { fieldErr, fieldErrText, type FieldErr, type FieldErrType } from './validation.js';
export { eventsV1ToCore, coreToEventsV1 } from './kinds/event-convert.js';
export { humanDuration } from './human-duration.js';
export { parseLabelSelector, selectorFromLabelSelector, matchesLabels, labelSelectorToString, LabelSelectorError, type LabelSelector, type LabelSelectorObject } from './labels.js';
export { parseFieldSelector, matchesFields, fieldsNotIn, FieldSelectorError, type FieldSelector } from './fields.js';
export * as names from './names.js';
export { hpaV1ToV2, hpaV2ToV1 } from './kinds/autoscaling-convert.js';
export { SYSTEM_PRIORITY_CLASSES } from './kinds/scheduling.js';
export { isDefaultStorageClass } from './kinds/storage.js';
export * as quantity from './quantity.js';
export { describeSchema } from './descriptions.js';
export {
  matchRequirement,
  matchTerm,
  matchTerms,
  specMatchesNodeSelectorAndAffinity,
  tolerates,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type TolerationLike,
  type TaintLike,
} from './node-selector.js';
export { KUBE_DNS_LABELS, DNS_MANAGED_BY, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE, kubeDnsSliceName } from './kube-dns-names.js';
export { SIM_USAGE_PREFIX, simContainerUsage, type SimUsage } from './sim-usage.js';
