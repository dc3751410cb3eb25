import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  certPem: string;
  keyPem: string;
}

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

function certificate(subject: string, publicKeyPem: string, serial: string) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  return cert;
}

/** A private CA, and certificates it signs: a server's (for `localhost` and 127.0.0.1) or a client's. */
export function privateCa() {
  const caKeys = keyPair();
  const caKey = forge.pki.privateKeyFromPem(caKeys.privateKey);
  const ca = certificate('Reelay test CA', caKeys.publicKey, '01');
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  ca.sign(caKey, forge.md.sha256.create());
  let serial = 1;
  const issue = (subject: string, extensions: object[]): Issued => {
    const keys = keyPair();
    serial += 1;
    const cert = certificate(subject, keys.publicKey, serial.toString(16).padStart(2, '0'));
    cert.setIssuer(ca.subject.attributes);
    cert.setExtensions([{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true }, ...extensions]);
    cert.sign(caKey, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey };
  };
  return {
    caPem: forge.pki.certificateToPem(ca),
    server: (name: string) =>
      issue(name, [{ name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: name }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }]),
    client: (name: string) => issue(name, [{ name: 'extKeyUsage', clientAuth: true }]),
  };
}
