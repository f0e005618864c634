// Loads the X.509 and PKCS#10 ASN.1 schemas (@peculiar/asn1-*) the first time something is signed.
import type * as Csr from '@peculiar/asn1-csr';
import type * as Schema from '@peculiar/asn1-schema';
import type * as X509 from '@peculiar/asn1-x509';
import { createRequire } from 'node:module';

/** The loaded schema modules. */
export interface Asn1 {
  schema: typeof Schema;
  x509: typeof X509;
  csr: typeof Csr;
}

let loaded: Asn1 | undefined;

/**
 * Returns PeculiarVentures' ASN.1 schemas for X.509 (RFC 5280) and PKCS#10,
 * loading them on first use. They are the layer @peculiar/x509 is built on,
 * without its dependency-injection container, WebCrypto plumbing and CMS
 * schemas, which more than doubled the load time. Loading costs even so
 * (~80 ms of CPU), so only the paths that sign pay for it: parsing and
 * verification use Node's OpenSSL-backed X509Certificate, and a restart that
 * reuses the PKI never loads these modules. They are CommonJS and loaded with
 * require: an ESM import of them costs twice as much, because Node lexes every
 * re-exported file to find named exports.
 */
export function loadAsn1(): Asn1 {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = {
      schema: require('@peculiar/asn1-schema') as typeof Schema,
      x509: require('@peculiar/asn1-x509') as typeof X509,
      csr: require('@peculiar/asn1-csr') as typeof Csr,
    };
  }
  return loaded;
}
