/**
 * Protobuf message table: core/v1 kinds other than Pod internals.
 * Field numbers are those of upstream `k8s.io/api/core/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const coreV1: GroupTables = {
  apiVersion: 'v1',
  kinds: {
    Namespace: 'core.Namespace', ConfigMap: 'core.ConfigMap', Secret: 'core.Secret',
    Service: 'core.Service', ServiceAccount: 'core.ServiceAccount', Pod: 'core.Pod',
    Node: 'core.Node', Endpoints: 'core.Endpoints', Event: 'core.Event',
    ResourceQuota: 'core.ResourceQuota', LimitRange: 'core.LimitRange',
    PersistentVolumeClaim: 'core.PersistentVolumeClaim',
  },
  messages: {
    'core.AttachedVolume': ['1 name string', '2 devicePath string'],
    'core.ClientIPConfig': ['1 timeoutSeconds int32'],
    'core.ConfigMap': [
      '1 metadata meta.ObjectMeta', '2 data {}string', '3 binaryData {}bytes', '4 immutable bool',
    ],
    'core.ConfigMapNodeConfigSource': [
      '1 namespace string', '2 name string', '3 uid string o', '4 resourceVersion string o',
      '5 kubeletConfigKey string',
    ],
    'core.ContainerImage': ['1 names []string', '2 sizeBytes int64 o'],
    'core.DaemonEndpoint': ['1 Port int32'],
    'core.EndpointAddress': [
      '1 ip string', '2 targetRef core.ObjectReference', '3 hostname string o', '4 nodeName string',
    ],
    'core.EndpointPort': [
      '1 name string o', '2 port int32', '3 protocol string o', '4 appProtocol string',
    ],
    'core.EndpointSubset': [
      '1 addresses []core.EndpointAddress', '2 notReadyAddresses []core.EndpointAddress',
      '3 ports []core.EndpointPort',
    ],
    'core.Endpoints': ['1 metadata meta.ObjectMeta', '2 subsets []core.EndpointSubset'],
    'core.Event': [
      '1 metadata meta.ObjectMeta', '2 involvedObject core.ObjectReference', '3 reason string o',
      '4 message string o', '5 source core.EventSource', '6 firstTimestamp Time',
      '7 lastTimestamp Time', '8 count int32 o', '9 type string o', '10 eventTime MicroTime',
      '11 series core.EventSeries', '12 action string o', '13 related core.ObjectReference',
      '14 reportingComponent string', '15 reportingInstance string',
    ],
    'core.EventSeries': ['1 count int32 o', '2 lastObservedTime MicroTime'],
    'core.EventSource': ['1 component string o', '2 host string o'],
    'core.KeyToPath': ['1 key string', '2 path string', '3 mode int32'],
    'core.LimitRange': ['1 metadata meta.ObjectMeta', '2 spec core.LimitRangeSpec'],
    'core.LimitRangeItem': [
      '1 type string', '2 max {}Quantity', '3 min {}Quantity', '4 default {}Quantity',
      '5 defaultRequest {}Quantity', '6 maxLimitRequestRatio {}Quantity',
    ],
    'core.LimitRangeSpec': ['1 limits []core.LimitRangeItem'],
    'core.LoadBalancerIngress': [
      '1 ip string o', '2 hostname string o', '3 ipMode string', '4 ports []core.PortStatus',
    ],
    'core.LoadBalancerStatus': ['1 ingress []core.LoadBalancerIngress'],
    'core.LocalObjectReference': ['1 name string o'],
    'core.ModifyVolumeStatus': ['1 targetVolumeAttributesClassName string o', '2 status string'],
    'core.Namespace': [
      '1 metadata meta.ObjectMeta', '2 spec core.NamespaceSpec', '3 status core.NamespaceStatus',
    ],
    'core.NamespaceCondition': [
      '1 type string', '2 status string', '4 lastTransitionTime Time', '5 reason string o',
      '6 message string o',
    ],
    'core.NamespaceSpec': ['1 finalizers []string'],
    'core.NamespaceStatus': ['1 phase string o', '2 conditions []core.NamespaceCondition'],
    'core.Node': ['1 metadata meta.ObjectMeta', '2 spec core.NodeSpec', '3 status core.NodeStatus'],
    'core.NodeAddress': ['1 type string', '2 address string'],
    'core.NodeCondition': [
      '1 type string', '2 status string', '3 lastHeartbeatTime Time', '4 lastTransitionTime Time',
      '5 reason string o', '6 message string o',
    ],
    'core.NodeConfigSource': ['2 configMap core.ConfigMapNodeConfigSource'],
    'core.NodeConfigStatus': [
      '1 assigned core.NodeConfigSource', '2 active core.NodeConfigSource',
      '3 lastKnownGood core.NodeConfigSource', '4 error string o',
    ],
    'core.NodeDaemonEndpoints': ['1 kubeletEndpoint core.DaemonEndpoint'],
    'core.NodeFeatures': ['1 supplementalGroupsPolicy bool'],
    'core.NodeRuntimeHandler': ['1 name string', '2 features core.NodeRuntimeHandlerFeatures'],
    'core.NodeRuntimeHandlerFeatures': ['1 recursiveReadOnlyMounts bool', '2 userNamespaces bool'],
    'core.NodeSpec': [
      '1 podCIDR string o', '2 externalID string o', '3 providerID string o',
      '4 unschedulable bool o', '5 taints []core.Taint', '6 configSource core.NodeConfigSource',
      '7 podCIDRs []string',
    ],
    'core.NodeStatus': [
      '1 capacity {}Quantity', '2 allocatable {}Quantity', '3 phase string o',
      '4 conditions []core.NodeCondition', '5 addresses []core.NodeAddress',
      '6 daemonEndpoints core.NodeDaemonEndpoints', '7 nodeInfo core.NodeSystemInfo',
      '8 images []core.ContainerImage', '9 volumesInUse []string',
      '10 volumesAttached []core.AttachedVolume', '11 config core.NodeConfigStatus',
      '12 runtimeHandlers []core.NodeRuntimeHandler', '13 features core.NodeFeatures',
    ],
    'core.NodeSystemInfo': [
      '1 machineID string', '2 systemUUID string', '3 bootID string', '4 kernelVersion string',
      '5 osImage string', '6 containerRuntimeVersion string', '7 kubeletVersion string',
      '8 kubeProxyVersion string', '9 operatingSystem string', '10 architecture string',
    ],
    'core.ObjectFieldSelector': ['1 apiVersion string o', '2 fieldPath string'],
    'core.ObjectReference': [
      '1 kind string o', '2 namespace string o', '3 name string o', '4 uid string o',
      '5 apiVersion string o', '6 resourceVersion string o', '7 fieldPath string o',
    ],
    'core.PersistentVolumeClaim': [
      '1 metadata meta.ObjectMeta', '2 spec core.PersistentVolumeClaimSpec',
      '3 status core.PersistentVolumeClaimStatus',
    ],
    'core.PersistentVolumeClaimCondition': [
      '1 type string', '2 status string', '3 lastProbeTime Time', '4 lastTransitionTime Time',
      '5 reason string o', '6 message string o',
    ],
    'core.PersistentVolumeClaimSpec': [
      '1 accessModes []string', '2 resources core.VolumeResourceRequirements',
      '3 volumeName string o', '4 selector meta.LabelSelector', '5 storageClassName string',
      '6 volumeMode string', '7 dataSource core.TypedLocalObjectReference',
      '8 dataSourceRef core.TypedObjectReference', '9 volumeAttributesClassName string',
    ],
    'core.PersistentVolumeClaimStatus': [
      '1 phase string o', '2 accessModes []string', '3 capacity {}Quantity',
      '4 conditions []core.PersistentVolumeClaimCondition', '5 allocatedResources {}Quantity',
      '7 allocatedResourceStatuses {}string', '8 currentVolumeAttributesClassName string',
      '9 modifyVolumeStatus core.ModifyVolumeStatus',
    ],
    'core.PersistentVolumeClaimTemplate': [
      '1 metadata meta.ObjectMeta', '2 spec core.PersistentVolumeClaimSpec',
    ],
    'core.PortStatus': ['1 port int32', '2 protocol string', '3 error string'],
    'core.ResourceFieldSelector': [
      '1 containerName string o', '2 resource string', '3 divisor Quantity',
    ],
    'core.ResourceQuota': [
      '1 metadata meta.ObjectMeta', '2 spec core.ResourceQuotaSpec',
      '3 status core.ResourceQuotaStatus',
    ],
    'core.ResourceQuotaSpec': [
      '1 hard {}Quantity', '2 scopes []string', '3 scopeSelector core.ScopeSelector',
    ],
    'core.ResourceQuotaStatus': ['1 hard {}Quantity', '2 used {}Quantity'],
    'core.ScopeSelector': ['1 matchExpressions []core.ScopedResourceSelectorRequirement'],
    'core.ScopedResourceSelectorRequirement': [
      '1 scopeName string', '2 operator string', '3 values []string',
    ],
    'core.Secret': [
      '1 metadata meta.ObjectMeta', '2 data {}bytes', '3 type string o', '4 stringData {}string',
      '5 immutable bool',
    ],
    'core.Service': [
      '1 metadata meta.ObjectMeta', '2 spec core.ServiceSpec', '3 status core.ServiceStatus',
    ],
    'core.ServiceAccount': [
      '1 metadata meta.ObjectMeta', '2 secrets []core.ObjectReference',
      '3 imagePullSecrets []core.LocalObjectReference', '4 automountServiceAccountToken bool',
    ],
    'core.ServicePort': [
      '1 name string o', '2 protocol string o', '3 port int32', '4 targetPort IntOrString',
      '5 nodePort int32 o', '6 appProtocol string',
    ],
    'core.ServiceSpec': [
      '1 ports []core.ServicePort', '2 selector {}string', '3 clusterIP string o', '4 type string o',
      '5 externalIPs []string', '7 sessionAffinity string o', '8 loadBalancerIP string o',
      '9 loadBalancerSourceRanges []string', '10 externalName string o',
      '11 externalTrafficPolicy string o', '12 healthCheckNodePort int32 o',
      '13 publishNotReadyAddresses bool o', '14 sessionAffinityConfig core.SessionAffinityConfig',
      '17 ipFamilyPolicy string', '18 clusterIPs []string', '19 ipFamilies []string',
      '20 allocateLoadBalancerNodePorts bool', '21 loadBalancerClass string',
      '22 internalTrafficPolicy string', '23 trafficDistribution string',
    ],
    'core.ServiceStatus': ['1 loadBalancer core.LoadBalancerStatus', '2 conditions []meta.Condition'],
    'core.SessionAffinityConfig': ['1 clientIP core.ClientIPConfig'],
    'core.Taint': ['1 key string', '2 value string o', '3 effect string', '4 timeAdded Time'],
    'core.TypedLocalObjectReference': ['1 apiGroup string', '2 kind string', '3 name string'],
    'core.TypedObjectReference': [
      '1 apiGroup string', '2 kind string', '3 name string', '4 namespace string',
    ],
    'core.VolumeResourceRequirements': ['1 limits {}Quantity', '2 requests {}Quantity'],
  },
};
