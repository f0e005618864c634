/**
 * Protobuf message table: authorization/v1.
 * Field numbers are those of upstream `k8s.io/api/authorization/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const authorizationV1: GroupTables = {
  apiVersion: 'authorization.k8s.io/v1',
  kinds: {
    SelfSubjectAccessReview: 'authorization.SelfSubjectAccessReview',
    SelfSubjectRulesReview: 'authorization.SelfSubjectRulesReview',
    SubjectAccessReview: 'authorization.SubjectAccessReview',
    LocalSubjectAccessReview: 'authorization.LocalSubjectAccessReview',
  },
  messages: {
    'authorization.FieldSelectorAttributes': [
      '1 rawSelector string o', '2 requirements []meta.FieldSelectorRequirement',
    ],
    'authorization.LabelSelectorAttributes': [
      '1 rawSelector string o', '2 requirements []meta.LabelSelectorRequirement',
    ],
    'authorization.LocalSubjectAccessReview': [
      '1 metadata meta.ObjectMeta', '2 spec authorization.SubjectAccessReviewSpec',
      '3 status authorization.SubjectAccessReviewStatus',
    ],
    'authorization.NonResourceAttributes': ['1 path string o', '2 verb string o'],
    'authorization.NonResourceRule': ['1 verbs []string', '2 nonResourceURLs []string'],
    'authorization.ResourceAttributes': [
      '1 namespace string o', '2 verb string o', '3 group string o', '4 version string o',
      '5 resource string o', '6 subresource string o', '7 name string o',
      '8 fieldSelector authorization.FieldSelectorAttributes',
      '9 labelSelector authorization.LabelSelectorAttributes',
    ],
    'authorization.ResourceRule': [
      '1 verbs []string', '2 apiGroups []string', '3 resources []string', '4 resourceNames []string',
    ],
    'authorization.SelfSubjectAccessReview': [
      '1 metadata meta.ObjectMeta', '2 spec authorization.SelfSubjectAccessReviewSpec',
      '3 status authorization.SubjectAccessReviewStatus',
    ],
    'authorization.SelfSubjectAccessReviewSpec': [
      '1 resourceAttributes authorization.ResourceAttributes',
      '2 nonResourceAttributes authorization.NonResourceAttributes',
    ],
    'authorization.SelfSubjectRulesReview': [
      '1 metadata meta.ObjectMeta', '2 spec authorization.SelfSubjectRulesReviewSpec',
      '3 status authorization.SubjectRulesReviewStatus',
    ],
    'authorization.SelfSubjectRulesReviewSpec': ['1 namespace string o'],
    'authorization.SubjectAccessReview': [
      '1 metadata meta.ObjectMeta', '2 spec authorization.SubjectAccessReviewSpec',
      '3 status authorization.SubjectAccessReviewStatus',
    ],
    'authorization.SubjectAccessReviewSpec': [
      '1 resourceAttributes authorization.ResourceAttributes',
      '2 nonResourceAttributes authorization.NonResourceAttributes', '3 user string o',
      '4 groups []string', '5 extra {}ExtraValue', '6 uid string o',
    ],
    'authorization.SubjectAccessReviewStatus': [
      '1 allowed bool', '2 reason string o', '3 evaluationError string o', '4 denied bool o',
    ],
    'authorization.SubjectRulesReviewStatus': [
      '1 resourceRules []authorization.ResourceRule',
      '2 nonResourceRules []authorization.NonResourceRule', '3 incomplete bool',
      '4 evaluationError string o',
    ],
  },
};
