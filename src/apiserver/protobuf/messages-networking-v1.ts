/**
 * Protobuf message table: networking/v1.
 * Field numbers are those of upstream `k8s.io/api/networking/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const networkingV1: GroupTables = {
  apiVersion: 'networking.k8s.io/v1',
  kinds: { Ingress: 'networking.Ingress', NetworkPolicy: 'networking.NetworkPolicy' },
  messages: {
    'networking.HTTPIngressPath': [
      '1 path string o', '2 backend networking.IngressBackend', '3 pathType string',
    ],
    'networking.HTTPIngressRuleValue': ['1 paths []networking.HTTPIngressPath'],
    'networking.IPBlock': ['1 cidr string', '2 except []string'],
    'networking.Ingress': [
      '1 metadata meta.ObjectMeta', '2 spec networking.IngressSpec',
      '3 status networking.IngressStatus',
    ],
    'networking.IngressBackend': [
      '3 resource core.TypedLocalObjectReference', '4 service networking.IngressServiceBackend',
    ],
    'networking.IngressLoadBalancerIngress': [
      '1 ip string o', '2 hostname string o', '4 ports []networking.IngressPortStatus',
    ],
    'networking.IngressLoadBalancerStatus': ['1 ingress []networking.IngressLoadBalancerIngress'],
    'networking.IngressPortStatus': ['1 port int32', '2 protocol string', '3 error string'],
    'networking.IngressRule': ['1 host string o', '2 ingressRuleValue networking.IngressRuleValue i'],
    'networking.IngressRuleValue': ['1 http networking.HTTPIngressRuleValue'],
    'networking.IngressServiceBackend': ['1 name string', '2 port networking.ServiceBackendPort'],
    'networking.IngressSpec': [
      '1 defaultBackend networking.IngressBackend', '2 tls []networking.IngressTLS',
      '3 rules []networking.IngressRule', '4 ingressClassName string',
    ],
    'networking.IngressStatus': ['1 loadBalancer networking.IngressLoadBalancerStatus'],
    'networking.IngressTLS': ['1 hosts []string', '2 secretName string o'],
    'networking.NetworkPolicy': ['1 metadata meta.ObjectMeta', '2 spec networking.NetworkPolicySpec'],
    'networking.NetworkPolicyEgressRule': [
      '1 ports []networking.NetworkPolicyPort', '2 to []networking.NetworkPolicyPeer',
    ],
    'networking.NetworkPolicyIngressRule': [
      '1 ports []networking.NetworkPolicyPort', '2 from []networking.NetworkPolicyPeer',
    ],
    'networking.NetworkPolicyPeer': [
      '1 podSelector meta.LabelSelector', '2 namespaceSelector meta.LabelSelector',
      '3 ipBlock networking.IPBlock',
    ],
    'networking.NetworkPolicyPort': ['1 protocol string', '2 port IntOrString', '3 endPort int32'],
    'networking.NetworkPolicySpec': [
      '1 podSelector meta.LabelSelector', '2 ingress []networking.NetworkPolicyIngressRule',
      '3 egress []networking.NetworkPolicyEgressRule', '4 policyTypes []string',
    ],
    'networking.ServiceBackendPort': ['1 name string o', '2 number int32 o'],
  },
};
