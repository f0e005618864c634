/** Review kinds: create-only, never stored; the API server answers them (authentication.k8s.io, authorization.k8s.io). */
import type { ResourceDef } from '../resource.js';

function review(group: string, kind: string, resource: string, namespaced = false): ResourceDef {
  const short = group.replace('.k8s.io', '');
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: ['create'],
    schema: `io.k8s.api.${short}.v1.${kind}`,
    createOnly: true,
  };
}

export const REVIEW_RESOURCES: ResourceDef[] = [
  review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
  review('authentication.k8s.io', 'TokenReview', 'tokenreviews'),
  review('authorization.k8s.io', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
  review('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  review('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews'),
];
