import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { isLowS, toLowS } from '@app/common';
import { es256Signature, es256SignatureInPool, p1363OfDer } from './access-token.issuer';

describe('ES256 signatures (access-token.issuer)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('unwraps DER into r || s that verifies as ieee-p1363, short integers included', () => {
    // DER drops an integer's leading zero byte unless the next byte needs it for the sign, so r or
    // s comes out under 32 bytes in about one signature in 500. Signing goes on until both kinds
    // were unwrapped: a fixed 2,000 signatures held none in about one run in 60.
    let shortR = 0;
    let shortS = 0;
    let i = 0;
    for (; i < 2000 || shortR < 3 || shortS < 3; i++) {
      if (i === 200_000)
        throw new Error(`after ${i} signatures: ${shortR} short r, ${shortS} short s`);
      const data = Buffer.from(`input ${i}`);
      const der = sign('sha256', data, privateKey);
      const raw = p1363OfDer(der);
      expect(raw).toHaveLength(64);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
      // SEQUENCE, length, INTEGER r (tag, length, bytes), INTEGER s.
      const rLength = der[3]!;
      const sLength = der[5 + rLength]!;
      if (rLength < 32) {
        shortR++;
        expect(raw.subarray(0, 32 - rLength).every((b) => b === 0)).toBe(true);
      }
      if (sLength < 32) {
        shortS++;
        expect(raw.subarray(32, 64 - sLength).every((b) => b === 0)).toBe(true);
      }
    }
    expect(shortR).toBeGreaterThanOrEqual(3);
    expect(shortS).toBeGreaterThanOrEqual(3);
  });

  it('answers a low-S signature that verifies', () => {
    for (let i = 0; i < 200; i++) {
      const input = `header.payload${i}`;
      const signature = es256Signature(input, privateKey);
      expect(isLowS(signature)).toBe(true);
      expect(toLowS(signature)).toEqual(signature);
      expect(
        verify(
          'sha256',
          Buffer.from(input),
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          signature,
        ),
      ).toBe(true);
    }
  });

  it('signs the same way on the thread pool', async () => {
    const inputs = Array.from({ length: 200 }, (_, i) => `header.pooled${i}`);
    const signatures = await Promise.all(inputs.map((i) => es256SignatureInPool(i, privateKey)));
    signatures.forEach((signature, i) => {
      expect(isLowS(signature)).toBe(true);
      expect(
        verify(
          'sha256',
          Buffer.from(inputs[i]!),
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          signature,
        ),
      ).toBe(true);
    });
  });

  it('refuses what is not a DER ECDSA signature', () => {
    expect(() => p1363OfDer(Buffer.alloc(64))).toThrow('not a DER ECDSA signature');
    const der = sign('sha256', Buffer.from('x'), privateKey);
    expect(() => p1363OfDer(der.subarray(0, der.length - 1))).toThrow();
    const longInteger = Buffer.from([
      0x30,
      0x26,
      0x02,
      0x21,
      0x01,
      ...Buffer.alloc(32, 1),
      0x02,
      0x01,
      0x01,
    ]);
    expect(() => p1363OfDer(longInteger)).toThrow('not a DER ECDSA signature');
  });
});
