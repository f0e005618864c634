/**
 * Protobuf message table: authentication/v1.
 * Field numbers are those of upstream `k8s.io/api/authentication/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const authenticationV1: GroupTables = {
  apiVersion: 'authentication.k8s.io/v1',
  kinds: {
    TokenRequest: 'authentication.TokenRequest', TokenReview: 'authentication.TokenReview',
    SelfSubjectReview: 'authentication.SelfSubjectReview',
  },
  messages: {
    'authentication.BoundObjectReference': [
      '1 kind string o', '2 apiVersion string o', '3 name string o', '4 uid string o',
    ],
    'authentication.SelfSubjectReview': [
      '1 metadata meta.ObjectMeta', '2 status authentication.SelfSubjectReviewStatus',
    ],
    'authentication.SelfSubjectReviewStatus': ['1 userInfo authentication.UserInfo'],
    'authentication.TokenRequest': [
      '1 metadata meta.ObjectMeta', '2 spec authentication.TokenRequestSpec',
      '3 status authentication.TokenRequestStatus',
    ],
    'authentication.TokenRequestSpec': [
      '1 audiences []string', '3 boundObjectRef authentication.BoundObjectReference',
      '4 expirationSeconds int64',
    ],
    'authentication.TokenRequestStatus': ['1 token string', '2 expirationTimestamp Time'],
    'authentication.TokenReview': [
      '1 metadata meta.ObjectMeta', '2 spec authentication.TokenReviewSpec',
      '3 status authentication.TokenReviewStatus',
    ],
    'authentication.TokenReviewSpec': ['1 token string o', '2 audiences []string'],
    'authentication.TokenReviewStatus': [
      '1 authenticated bool o', '2 user authentication.UserInfo', '3 error string o',
      '4 audiences []string',
    ],
    'authentication.UserInfo': [
      '1 username string o', '2 uid string o', '3 groups []string', '4 extra {}ExtraValue',
    ],
  },
};
