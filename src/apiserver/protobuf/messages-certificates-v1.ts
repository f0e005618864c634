/**
 * Protobuf message table: certificates/v1 (`kubectl certificate approve|deny` send these).
 * Field numbers are those of upstream `k8s.io/api/certificates/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const certificatesV1: GroupTables = {
  apiVersion: 'certificates.k8s.io/v1',
  kinds: { CertificateSigningRequest: 'certificates.CertificateSigningRequest' },
  messages: {
    'certificates.CertificateSigningRequest': [
      '1 metadata meta.ObjectMeta', '2 spec certificates.CertificateSigningRequestSpec',
      '3 status certificates.CertificateSigningRequestStatus',
    ],
    'certificates.CertificateSigningRequestSpec': [
      '1 request bytes', '2 username string o', '3 uid string o', '4 groups []string', '5 usages []string',
      '6 extra {}ExtraValue', '7 signerName string', '8 expirationSeconds int32',
    ],
    'certificates.CertificateSigningRequestStatus': [
      '1 conditions []certificates.CertificateSigningRequestCondition', '2 certificate bytes',
    ],
    'certificates.CertificateSigningRequestCondition': [
      '1 type string', '2 reason string o', '3 message string o', '4 lastUpdateTime Time',
      '5 lastTransitionTime Time', '6 status string',
    ],
  },
};
