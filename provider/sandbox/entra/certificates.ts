import { createPrivateKey, webcrypto, X509Certificate } from "node:crypto";
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** A client certificate as users upload it to an app registration, with its private key. */
export interface EntraClientCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** SHA-256 thumbprint (hex), what MSAL sends as `x5t#S256`. */
  thumbprintSha256: string;
}

const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

/** A self-signed RSA certificate for client assertions (`ClientCertificateCredential`). */
export async function generateClientCertificate(subject: string): Promise<EntraClientCertificate> {
  // @peculiar/x509 is typed against the DOM Crypto; Node's webcrypto implements it.
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: `CN=${subject}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: algorithm,
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const certificatePem = cert.toString("pem");
  return {
    certificatePem,
    privateKeyPem: createPrivateKey({ key: der, format: "der", type: "pkcs8" }).export({ type: "pkcs8", format: "pem" }).toString(),
    thumbprintSha256: new X509Certificate(certificatePem).fingerprint256.replace(/:/g, "").toLowerCase(),
  };
}
