// Tests for certificates.k8s.io/v1 CertificateSigningRequest: request parsing, validation messages and table rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { CERTIFICATES_RESOURCES, certificateSigningRequestDef as def, csrCondition, parseAndCheckCSR } from './certificates.js';

// `openssl req -new` requests: P-256 for CN=jane,O=dev and RSA-2048 for a node.
const EC_CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIHWMH8CAQAwHTENMAsGA1UEAwwEamFuZTEMMAoGA1UECgwDZGV2MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAECqWq0qgX1x2adIk9OL004VDvzjomioM7nc6moyID
ViP60T11Zvy4HXCfVg964hZT84oayYGspVNVMgyVDRDZjaAAMAoGCCqGSM49BAMC
A0cAMEQCIHzdgo3n35WZZfsOE1qCW2pSn19XAHTYY3Pwg20Y5gFkAiB428f9hGlb
WJZmKEHFEi5SKXuTcOiRp3D9qSYYnRxVFA==
-----END CERTIFICATE REQUEST-----
`;
const RSA_CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIICdTCCAV0CAQAwMDEXMBUGA1UEAwwOc3lzdGVtOm5vZGU6bjExFTATBgNVBAoM
DHN5c3RlbTpub2RlczCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKxh
Vz4hzbqXf4d8eidLe2hFYZ1yElyOpaPIA2s6TQSDCZTtg7Duiot51gI9pWGc907q
IZh2zwcxSWIL0gtkTGnIAAvIUhqm9zFAuScK92URzUM5XKMoQ5Ur/rWU71JgDkv0
Ys9VVjmrNsF5a6YMiCRYkY57JVRLKDVeF3j0DsxMydDycShKDUY7ZW8SFFAkIcz6
iRDiYdNfsZnpe1cORAMJYmMtyZ61hMmWqvE4PuyYBCf0JYN2WJjsMSYTsdDiwpoH
AQk+zW8gM+4aPex6bgHXWDckIR0lXkCbbAPd+5Lmh6gMr9wJVrWQ+iEnycBVdE6w
WpFn44Fl5Ka0R+c2SUECAwEAAaAAMA0GCSqGSIb3DQEBCwUAA4IBAQAJHeojE+ID
YXzK+u0Gfmk0YvPDGYMSVA/RNilylzxqZZWEj0tXmGaGwKxBE5N5q8DFtqM7B1x/
oumYdfS9UqH9XmOlhdKtnhKC5eoR9awgXWErMT7ixuvwjmQtTazzSp4mSyuhG0Tr
P/2utwN9sN2cNdUFPanwujbC09BlIt5t0Bx1RyR6ng3zdb2bEArDN39zPPM22rN8
BFVCKoRw/3lSO/Go6jk72aZOLwdylQkRWwlj26Vi4qqgyotdJFLiSz5Q4iRWODd5
vYdFXUe+VZ8ej9TYvWMGue4XxM9gFmfbbFJ4lNH+jyOVbDeVhfuwEXaZQuUDIwc3
6DvPPMh8Ip1i
-----END CERTIFICATE REQUEST-----
`;
/** The EC request with its subject changed (jane → jana), so the signature no longer matches. */
const TAMPERED = (() => {
  const der = Buffer.from(EC_CSR.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64');
  der[der.indexOf('jane') + 3] = 0x61;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
})();
const b64 = (s: string) => Buffer.from(s).toString('base64');

const csr = (spec: Record<string, unknown>, status?: Record<string, unknown>): KObject => ({
  metadata: { name: 'jane', creationTimestamp: '2024-05-01T11:55:00Z' },
  spec: { request: b64(EC_CSR), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec },
  ...(status ? { status } : {}),
});
const check = (o: KObject, old?: KObject) => (def.validate?.(o, old) ?? []).map(fieldErrText);

describe('CertificateSigningRequest definition', () => {
  it('is cluster-scoped csr with status and approval subresources and a signerName field selector', () => {
    assert.deepEqual(CERTIFICATES_RESOURCES, [def]);
    assert.deepEqual([def.group, def.version, def.resource, def.namespaced, def.shortNames, def.schema], ['certificates.k8s.io', 'v1', 'certificatesigningrequests', false, ['csr'], 'io.k8s.api.certificates.v1.CertificateSigningRequest']);
    assert.deepEqual(def.subresources?.map((s) => s.name).sort(), ['approval', 'status']);
    assert.equal(def.fieldSelectors?.['spec.signerName']?.(csr({})), 'kubernetes.io/kube-apiserver-client');
  });
});

describe('certificate request parsing', () => {
  it('accepts ECDSA and RSA requests whose signatures verify', () => {
    assert.equal(parseAndCheckCSR(EC_CSR).signatureAlgorithm, '1.2.840.10045.4.3.2');
    assert.equal(parseAndCheckCSR(RSA_CSR).signatureAlgorithm, '1.2.840.113549.1.1.11');
  });
  const bad: Array<[string, string, string]> = [
    ['rejects text that is not PEM', 'hello', 'PEM block type must be CERTIFICATE REQUEST'],
    ['rejects a PEM block of another type', EC_CSR.replaceAll('CERTIFICATE REQUEST', 'CERTIFICATE'), 'PEM block type must be CERTIFICATE REQUEST'],
    ['rejects a request whose signature does not match', TAMPERED, 'x509: ECDSA verification failure'],
    ['rejects truncated DER', '-----BEGIN CERTIFICATE REQUEST-----\nMIHWMH8CAQAw\n-----END CERTIFICATE REQUEST-----\n', 'x509: malformed certificate request'],
  ];
  for (const [name, pem, message] of bad) it(name, () => assert.throws(() => parseAndCheckCSR(pem), { message }));
});

describe('CertificateSigningRequest validation', () => {
  const cases: Array<[string, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts a signed request for a known signer', () => csr({ expirationSeconds: 3600 }), undefined, []],
    ['accepts any object name', () => ({ ...csr({}), metadata: { name: 'node-csr-ABC_def:1' } }), undefined, []],
    ['prints a bad request as the bytes upstream saw', () => csr({ request: b64('hi') }), undefined, ['spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST']],
    ['requires usages and a signer name', () => csr({ usages: [], signerName: '' }), undefined, [
      'spec.usages: Required value: usages must be provided',
      'spec.signerName: Required value: signerName must be provided',
    ]],
    ['rejects unknown and duplicate usages', () => csr({ usages: ['client auth', 'flying', 'client auth'] }), undefined, [
      'spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"',
      'spec.usages[2]: Duplicate value: "client auth"',
    ]],
    ['requires a domain and path in the signer name', () => csr({ signerName: 'example' }), undefined, ["spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'"]],
    ['requires a fully qualified signer domain', () => csr({ signerName: 'example/signer' }), undefined, ['spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots']],
    ['checks each label of the signer name', () => csr({ signerName: 'Example.com/my_signer' }), undefined, [
      "spec.signerName: Invalid value: \"Example.com\": validating label \"Example\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      "spec.signerName: Invalid value: \"my_signer\": validating label \"my_signer\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]],
    ['rejects the legacy signer on create', () => csr({ signerName: 'kubernetes.io/legacy-unknown' }), undefined, ['spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version']],
    ['rejects durations under ten minutes', () => csr({ expirationSeconds: 599 }), undefined, ['spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)']],
    ['checks condition statuses and exclusivity', () => csr({}, { conditions: [{ type: 'Approved', status: 'False' }, { type: 'Denied', status: 'True' }, { type: 'Approved', status: 'True' }] }), undefined, [
      'status.conditions[0].status: Unsupported value: "False": supported values: "True"',
      'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
      'status.conditions[2].type: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive',
      'status.conditions[2].type: Duplicate value: "Approved"',
    ]],
    ['forbids removing an Approved condition', () => csr({}), () => csr({}, { conditions: [{ type: 'Approved', status: 'True' }] }), ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']],
  ];
  for (const [name, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(make(), makeOld?.()), want));
  }
});

describe('CertificateSigningRequest table', () => {
  const row = (o: KObject) => def.table?.row(o, Date.parse('2024-05-01T12:00:00Z'));
  it('prints NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION', () => {
    assert.deepEqual(def.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
    assert.deepEqual(row(csr({ username: 'kubernetes-admin', expirationSeconds: 86400 })), ['jane', '5m', 'kubernetes.io/kube-apiserver-client', 'kubernetes-admin', '24h', 'Pending']);
    assert.deepEqual(row(csr({ signerName: '' })), ['jane', '5m', '<none>', '', '<none>', 'Pending']);
  });
  const conditions: Array<[string, Record<string, unknown>, string]> = [
    ['shows Approved,Issued once a certificate is issued', { conditions: [{ type: 'Approved' }], certificate: 'Y2VydA==' }, 'Approved,Issued'],
    ['lets Denied win over Approved', { conditions: [{ type: 'Approved' }, { type: 'Denied' }] }, 'Denied'],
    ['appends Failed', { conditions: [{ type: 'Approved' }, { type: 'Failed' }] }, 'Approved,Failed'],
  ];
  for (const [name, status, want] of conditions) it(name, () => assert.equal(csrCondition(csr({}, status)), want));
});
