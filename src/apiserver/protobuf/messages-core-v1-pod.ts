/**
 * Protobuf message table: core/v1 Pod, PodSpec, containers, probes, security contexts, affinity and status.
 * Field numbers are those of upstream `k8s.io/api/core/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const coreV1Pod: GroupTables = {
  messages: {
    'core.Affinity': [
      '1 nodeAffinity core.NodeAffinity', '2 podAffinity core.PodAffinity',
      '3 podAntiAffinity core.PodAntiAffinity',
    ],
    'core.AppArmorProfile': ['1 type string', '2 localhostProfile string'],
    'core.Capabilities': ['1 add []string', '2 drop []string'],
    'core.ConfigMapEnvSource': [
      '1 localObjectReference core.LocalObjectReference i', '2 optional bool',
    ],
    'core.ConfigMapKeySelector': [
      '1 localObjectReference core.LocalObjectReference i', '2 key string', '3 optional bool',
    ],
    'core.Container': [
      '1 name string', '2 image string o', '3 command []string', '4 args []string',
      '5 workingDir string o', '6 ports []core.ContainerPort', '7 env []core.EnvVar',
      '8 resources core.ResourceRequirements', '9 volumeMounts []core.VolumeMount',
      '10 livenessProbe core.Probe', '11 readinessProbe core.Probe', '12 lifecycle core.Lifecycle',
      '13 terminationMessagePath string o', '14 imagePullPolicy string o',
      '15 securityContext core.SecurityContext', '16 stdin bool o', '17 stdinOnce bool o',
      '18 tty bool o', '19 envFrom []core.EnvFromSource', '20 terminationMessagePolicy string o',
      '21 volumeDevices []core.VolumeDevice', '22 startupProbe core.Probe',
      '23 resizePolicy []core.ContainerResizePolicy', '24 restartPolicy string',
    ],
    'core.ContainerPort': [
      '1 name string o', '2 hostPort int32 o', '3 containerPort int32', '4 protocol string o',
      '5 hostIP string o',
    ],
    'core.ContainerResizePolicy': ['1 resourceName string', '2 restartPolicy string'],
    'core.ContainerState': [
      '1 waiting core.ContainerStateWaiting', '2 running core.ContainerStateRunning',
      '3 terminated core.ContainerStateTerminated',
    ],
    'core.ContainerStateRunning': ['1 startedAt Time'],
    'core.ContainerStateTerminated': [
      '1 exitCode int32', '2 signal int32 o', '3 reason string o', '4 message string o',
      '5 startedAt Time', '6 finishedAt Time', '7 containerID string o',
    ],
    'core.ContainerStateWaiting': ['1 reason string o', '2 message string o'],
    'core.ContainerStatus': [
      '1 name string', '2 state core.ContainerState', '3 lastState core.ContainerState',
      '4 ready bool', '5 restartCount int32', '6 image string', '7 imageID string',
      '8 containerID string o', '9 started bool', '10 allocatedResources {}Quantity',
      '11 resources core.ResourceRequirements', '12 volumeMounts []core.VolumeMountStatus',
      '13 user core.ContainerUser', '14 allocatedResourcesStatus []core.ResourceStatus',
    ],
    'core.ContainerUser': ['1 linux core.LinuxContainerUser'],
    'core.EnvFromSource': [
      '1 prefix string o', '2 configMapRef core.ConfigMapEnvSource',
      '3 secretRef core.SecretEnvSource',
    ],
    'core.EnvVar': ['1 name string', '2 value string o', '3 valueFrom core.EnvVarSource'],
    'core.EnvVarSource': [
      '1 fieldRef core.ObjectFieldSelector', '2 resourceFieldRef core.ResourceFieldSelector',
      '3 configMapKeyRef core.ConfigMapKeySelector', '4 secretKeyRef core.SecretKeySelector',
    ],
    'core.EphemeralContainer': [
      '1 ephemeralContainerCommon core.EphemeralContainerCommon i', '2 targetContainerName string o',
    ],
    'core.EphemeralContainerCommon': [
      '1 name string', '2 image string o', '3 command []string', '4 args []string',
      '5 workingDir string o', '6 ports []core.ContainerPort', '7 env []core.EnvVar',
      '8 resources core.ResourceRequirements', '9 volumeMounts []core.VolumeMount',
      '10 livenessProbe core.Probe', '11 readinessProbe core.Probe', '12 lifecycle core.Lifecycle',
      '13 terminationMessagePath string o', '14 imagePullPolicy string o',
      '15 securityContext core.SecurityContext', '16 stdin bool o', '17 stdinOnce bool o',
      '18 tty bool o', '19 envFrom []core.EnvFromSource', '20 terminationMessagePolicy string o',
      '21 volumeDevices []core.VolumeDevice', '22 startupProbe core.Probe',
      '23 resizePolicy []core.ContainerResizePolicy', '24 restartPolicy string',
    ],
    'core.ExecAction': ['1 command []string'],
    'core.GRPCAction': ['1 port int32', '2 service string'],
    'core.HTTPGetAction': [
      '1 path string o', '2 port IntOrString', '3 host string o', '4 scheme string o',
      '5 httpHeaders []core.HTTPHeader',
    ],
    'core.HTTPHeader': ['1 name string', '2 value string'],
    'core.HostAlias': ['1 ip string', '2 hostnames []string'],
    'core.HostIP': ['1 ip string'],
    'core.Lifecycle': ['1 postStart core.LifecycleHandler', '2 preStop core.LifecycleHandler'],
    'core.LifecycleHandler': [
      '1 exec core.ExecAction', '2 httpGet core.HTTPGetAction', '3 tcpSocket core.TCPSocketAction',
      '4 sleep core.SleepAction',
    ],
    'core.LinuxContainerUser': ['1 uid int64', '2 gid int64', '3 supplementalGroups []int64'],
    'core.NodeAffinity': [
      '1 requiredDuringSchedulingIgnoredDuringExecution core.NodeSelector',
      '2 preferredDuringSchedulingIgnoredDuringExecution []core.PreferredSchedulingTerm',
    ],
    'core.NodeSelector': ['1 nodeSelectorTerms []core.NodeSelectorTerm'],
    'core.NodeSelectorRequirement': ['1 key string', '2 operator string', '3 values []string'],
    'core.NodeSelectorTerm': [
      '1 matchExpressions []core.NodeSelectorRequirement',
      '2 matchFields []core.NodeSelectorRequirement',
    ],
    'core.Pod': ['1 metadata meta.ObjectMeta', '2 spec core.PodSpec', '3 status core.PodStatus'],
    'core.PodAffinity': [
      '1 requiredDuringSchedulingIgnoredDuringExecution []core.PodAffinityTerm',
      '2 preferredDuringSchedulingIgnoredDuringExecution []core.WeightedPodAffinityTerm',
    ],
    'core.PodAffinityTerm': [
      '1 labelSelector meta.LabelSelector', '2 namespaces []string', '3 topologyKey string',
      '4 namespaceSelector meta.LabelSelector', '5 matchLabelKeys []string',
      '6 mismatchLabelKeys []string',
    ],
    'core.PodAntiAffinity': [
      '1 requiredDuringSchedulingIgnoredDuringExecution []core.PodAffinityTerm',
      '2 preferredDuringSchedulingIgnoredDuringExecution []core.WeightedPodAffinityTerm',
    ],
    'core.PodCondition': [
      '1 type string', '2 status string', '3 lastProbeTime Time', '4 lastTransitionTime Time',
      '5 reason string o', '6 message string o',
    ],
    'core.PodDNSConfig': [
      '1 nameservers []string', '2 searches []string', '3 options []core.PodDNSConfigOption',
    ],
    'core.PodDNSConfigOption': ['1 name string o', '2 value string'],
    'core.PodIP': ['1 ip string'],
    'core.PodOS': ['1 name string'],
    'core.PodReadinessGate': ['1 conditionType string'],
    'core.PodResourceClaim': [
      '1 name string', '3 resourceClaimName string', '4 resourceClaimTemplateName string',
    ],
    'core.PodResourceClaimStatus': ['1 name string', '2 resourceClaimName string'],
    'core.PodSchedulingGate': ['1 name string'],
    'core.PodSecurityContext': [
      '1 seLinuxOptions core.SELinuxOptions', '2 runAsUser int64', '3 runAsNonRoot bool',
      '4 supplementalGroups []int64', '5 fsGroup int64', '6 runAsGroup int64',
      '7 sysctls []core.Sysctl', '8 windowsOptions core.WindowsSecurityContextOptions',
      '9 fsGroupChangePolicy string', '10 seccompProfile core.SeccompProfile',
      '11 appArmorProfile core.AppArmorProfile', '12 supplementalGroupsPolicy string',
      '13 seLinuxChangePolicy string',
    ],
    'core.PodSpec': [
      '1 volumes []core.Volume', '2 containers []core.Container', '3 restartPolicy string o',
      '4 terminationGracePeriodSeconds int64', '5 activeDeadlineSeconds int64',
      '6 dnsPolicy string o', '7 nodeSelector {}string', '8 serviceAccountName string o',
      '9 serviceAccount string o', '10 nodeName string o', '11 hostNetwork bool o',
      '12 hostPID bool o', '13 hostIPC bool o', '14 securityContext core.PodSecurityContext',
      '15 imagePullSecrets []core.LocalObjectReference', '16 hostname string o',
      '17 subdomain string o', '18 affinity core.Affinity', '19 schedulerName string o',
      '20 initContainers []core.Container', '21 automountServiceAccountToken bool',
      '22 tolerations []core.Toleration', '23 hostAliases []core.HostAlias',
      '24 priorityClassName string o', '25 priority int32', '26 dnsConfig core.PodDNSConfig',
      '27 shareProcessNamespace bool', '28 readinessGates []core.PodReadinessGate',
      '29 runtimeClassName string', '30 enableServiceLinks bool', '31 preemptionPolicy string',
      '32 overhead {}Quantity', '33 topologySpreadConstraints []core.TopologySpreadConstraint',
      '34 ephemeralContainers []core.EphemeralContainer', '35 setHostnameAsFQDN bool',
      '36 os core.PodOS', '37 hostUsers bool', '38 schedulingGates []core.PodSchedulingGate',
      '39 resourceClaims []core.PodResourceClaim', '40 resources core.ResourceRequirements',
    ],
    'core.PodStatus': [
      '1 phase string o', '2 conditions []core.PodCondition', '3 message string o',
      '4 reason string o', '5 hostIP string o', '6 podIP string o', '7 startTime Time',
      '8 containerStatuses []core.ContainerStatus', '9 qosClass string o',
      '10 initContainerStatuses []core.ContainerStatus', '11 nominatedNodeName string o',
      '12 podIPs []core.PodIP', '13 ephemeralContainerStatuses []core.ContainerStatus',
      '14 resize string o', '15 resourceClaimStatuses []core.PodResourceClaimStatus',
      '16 hostIPs []core.HostIP',
    ],
    'core.PodTemplateSpec': ['1 metadata meta.ObjectMeta', '2 spec core.PodSpec'],
    'core.PreferredSchedulingTerm': ['1 weight int32', '2 preference core.NodeSelectorTerm'],
    'core.Probe': [
      '1 handler core.ProbeHandler i', '2 initialDelaySeconds int32 o', '3 timeoutSeconds int32 o',
      '4 periodSeconds int32 o', '5 successThreshold int32 o', '6 failureThreshold int32 o',
      '7 terminationGracePeriodSeconds int64',
    ],
    'core.ProbeHandler': [
      '1 exec core.ExecAction', '2 httpGet core.HTTPGetAction', '3 tcpSocket core.TCPSocketAction',
      '4 grpc core.GRPCAction',
    ],
    'core.ResourceClaim': ['1 name string', '2 request string o'],
    'core.ResourceHealth': ['1 resourceID string', '2 health string o'],
    'core.ResourceRequirements': [
      '1 limits {}Quantity', '2 requests {}Quantity', '3 claims []core.ResourceClaim',
    ],
    'core.ResourceStatus': ['1 name string', '2 resources []core.ResourceHealth'],
    'core.SELinuxOptions': [
      '1 user string o', '2 role string o', '3 type string o', '4 level string o',
    ],
    'core.SeccompProfile': ['1 type string', '2 localhostProfile string'],
    'core.SecretEnvSource': ['1 localObjectReference core.LocalObjectReference i', '2 optional bool'],
    'core.SecretKeySelector': [
      '1 localObjectReference core.LocalObjectReference i', '2 key string', '3 optional bool',
    ],
    'core.SecurityContext': [
      '1 capabilities core.Capabilities', '2 privileged bool', '3 seLinuxOptions core.SELinuxOptions',
      '4 runAsUser int64', '5 runAsNonRoot bool', '6 readOnlyRootFilesystem bool',
      '7 allowPrivilegeEscalation bool', '8 runAsGroup int64', '9 procMount string',
      '10 windowsOptions core.WindowsSecurityContextOptions', '11 seccompProfile core.SeccompProfile',
      '12 appArmorProfile core.AppArmorProfile',
    ],
    'core.SleepAction': ['1 seconds int64'],
    'core.Sysctl': ['1 name string', '2 value string'],
    'core.TCPSocketAction': ['1 port IntOrString', '2 host string o'],
    'core.Toleration': [
      '1 key string o', '2 operator string o', '3 value string o', '4 effect string o',
      '5 tolerationSeconds int64',
    ],
    'core.TopologySpreadConstraint': [
      '1 maxSkew int32', '2 topologyKey string', '3 whenUnsatisfiable string',
      '4 labelSelector meta.LabelSelector', '5 minDomains int32', '6 nodeAffinityPolicy string',
      '7 nodeTaintsPolicy string', '8 matchLabelKeys []string',
    ],
    'core.VolumeDevice': ['1 name string', '2 devicePath string'],
    'core.VolumeMount': [
      '1 name string', '2 readOnly bool o', '3 mountPath string', '4 subPath string o',
      '5 mountPropagation string', '6 subPathExpr string o', '7 recursiveReadOnly string',
    ],
    'core.VolumeMountStatus': [
      '1 name string', '2 mountPath string', '3 readOnly bool o', '4 recursiveReadOnly string',
    ],
    'core.WeightedPodAffinityTerm': ['1 weight int32', '2 podAffinityTerm core.PodAffinityTerm'],
    'core.WindowsSecurityContextOptions': [
      '1 gmsaCredentialSpecName string', '2 gmsaCredentialSpec string', '3 runAsUserName string',
      '4 hostProcess bool',
    ],
  },
};
