import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.seal('123-45-6789', 'row-1');
    const b = box.seal('123-45-6789', 'row-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('6789');
    expect(box.open(a, 'row-1').toString()).toBe('123-45-6789');
  });

  it('refuses a ciphertext moved to another row, tampered with, or sealed under another key', () => {
    const sealed = box.seal('secret', 'row-1');
    expect(() => box.open(sealed, 'row-2')).toThrow();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'row-1')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'row-1')).toThrow();
    expect(() => box.open('garbage')).toThrow();
  });

  it('reads keys as hex or base64url and insists on 256 bits', () => {
    const key = randomBytes(32);
    const sealed = SecretBox.fromString(key.toString('hex')).seal('x');
    expect(SecretBox.fromString(key.toString('base64url')).open(sealed).toString()).toBe('x');
    expect(() => SecretBox.fromString('c2hvcnQ')).toThrow();
  });
});
