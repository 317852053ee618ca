import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * A throw-away self-signed certificate made by the `openssl` CLI in a temp dir. Fails loudly
 * rather than skipping: the TLS tests are the point of this package.
 */
export function createSelfSignedCertificate(
  commonName: string,
  subjectAltName: string,
): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'aauth-gate-node-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          `/CN=${commonName}`,
          '-addext',
          `subjectAltName=${subjectAltName}`,
          '-keyout',
          keyPath,
          '-out',
          certPath,
        ],
        { stdio: 'pipe', timeout: 10_000 },
      );
    } catch (cause) {
      throw new Error('these tests need the openssl CLI to make a self-signed certificate', {
        cause,
      });
    }
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
