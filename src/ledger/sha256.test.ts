import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256Key, digestBytes, sha256, sha256Joined } from './sha256.js';

// Lengths around every padding boundary (55/56/64 bytes), two-block tails, and past the native cut-over.
const LENGTHS = [0, 1, 3, 31, 32, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 200, 511, 512, 513, 2000];

describe('sha256', () => {
  it('reproduces the FIPS 180-4 examples', () => {
    expect(sha256(Buffer.from('abc')).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(
      sha256(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toString('hex'),
    ).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(sha256(new Uint8Array(0)).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('agrees with node:crypto for every length from 0 to 300 bytes', () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 300; n++) {
      const part = data.subarray(0, n);
      expect(sha256(part).toString('hex'), `length ${n}`).toBe(
        createHash('sha256').update(part).digest('hex'),
      );
    }
  });

  it('agrees with node:crypto at every padding boundary', () => {
    for (const n of LENGTHS) {
      const data = randomBytes(n);
      expect(sha256(data).toString('hex'), `length ${n}`).toBe(
        createHash('sha256').update(data).digest('hex'),
      );
    }
  });
});

describe('sha256Joined', () => {
  it('hashes a byte and two parts as one message, at every padding boundary up to 127 bytes', () => {
    for (const [m, n] of [
      [0, 0],
      [32, 32],
      [27, 27],
      [27, 28],
      [31, 32],
      [63, 0],
      [0, 63],
      [64, 62],
      [50, 76],
    ]) {
      const a = randomBytes(m!);
      const b = randomBytes(n!);
      const want = createHash('sha256')
        .update(Buffer.from([0x01]))
        .update(a)
        .update(b)
        .digest();
      expect(sha256Joined(0x01, a, b), `${m} + ${n}`).toEqual(want);
    }
    expect(() => sha256Joined(0, Buffer.alloc(64), Buffer.alloc(64))).toThrow(RangeError);
  });
});

describe('HMAC-SHA256', () => {
  it('reproduces RFC 4231 test cases 1, 2 and 6 (a key longer than the block)', () => {
    const mac = (key: Buffer, data: Buffer) => new HmacSha256Key(key).mac(data).toString('hex');
    expect(mac(Buffer.alloc(20, 0x0b), Buffer.from('Hi There'))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    expect(mac(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(
      mac(Buffer.alloc(131, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First')),
    ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('agrees with node:crypto for keys and messages of every boundary length, key reused or re-keyed', () => {
    const rekeyed = new HmacSha256Key(randomBytes(32));
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const reused = new HmacSha256Key(key);
      rekeyed.rekeyBytes(key);
      for (const n of LENGTHS) {
        const data = randomBytes(n);
        const expected = createHmac('sha256', key).update(data).digest('hex');
        expect(reused.mac(data).toString('hex'), `key ${keyLength}, data ${n}`).toBe(expected);
        expect(rekeyed.mac(data).toString('hex'), `key ${keyLength}, data ${n}`).toBe(expected);
      }
    }
  });

  it('agrees with node:crypto for messages of every length from 0 to 300 bytes, under bytes or words keys', () => {
    const key = randomBytes(32);
    const data = randomBytes(300);
    const keyWords = new Int32Array(8);
    for (let i = 0; i < 8; i++) keyWords[i] = key.readInt32BE(i * 4);
    const byBytes = new HmacSha256Key(key);
    const byWords = new HmacSha256Key(randomBytes(16)).rekey(keyWords);
    const out = new Int32Array(8);
    for (let n = 0; n <= 300; n++) {
      const expected = createHmac('sha256', key).update(data.subarray(0, n)).digest('hex');
      const viaBytes = Buffer.from(digestBytes(byBytes.macInto(data, n, out), new Uint8Array(32)));
      expect(viaBytes.toString('hex'), `length ${n}`).toBe(expected);
      const viaWords = Buffer.from(digestBytes(byWords.macInto(data, n, out), new Uint8Array(32)));
      expect(viaWords.toString('hex'), `length ${n}, words key`).toBe(expected);
    }
  });

  it('re-keys with a MAC given as words, and MACs text as its UTF-8 bytes, short or long', () => {
    const seedKey = new HmacSha256Key(randomBytes(32));
    const words = seedKey.macInto(Buffer.from('stele/salt/v1\nuser.name'), -1, new Int32Array(8));
    const salt = seedKey.mac(Buffer.from('stele/salt/v1\nuser.name'));
    expect(Buffer.from(digestBytes(words, new Uint8Array(32)))).toEqual(salt);
    const key = new HmacSha256Key(randomBytes(64)).rekey(words);
    // ASCII, multi-byte characters and a surrogate pair; lengths on both sides of the native cut-over.
    for (const text of ['', '"alice"', 'Zoë ☃ 😀', 'x'.repeat(511), 'é'.repeat(300), 'y'.repeat(600)]) {
      const expected = createHmac('sha256', salt).update(text, 'utf8').digest();
      expect(Buffer.from(digestBytes(key.macText(text, new Int32Array(8)), new Uint8Array(32)))).toEqual(
        expected,
      );
      expect(key.mac(Buffer.from(text, 'utf8'))).toEqual(expected);
    }
    // Only the first `length` bytes of the data count.
    const data = randomBytes(100);
    expect(Buffer.from(digestBytes(key.macInto(data, 40, new Int32Array(8)), new Uint8Array(32)))).toEqual(
      createHmac('sha256', salt).update(data.subarray(0, 40)).digest(),
    );
  });

  it('MACs ASCII and other text alike on both sides of the ASCII loop length', () => {
    const key = Buffer.from(randomBytes(32));
    const mac = new HmacSha256Key(key);
    for (const n of [0, 1, 55, 56, 64, 255, 256, 257, 400]) {
      for (const text of [
        'a'.repeat(n),
        'a'.repeat(Math.max(0, n - 1)) + 'ü',
        'ü' + 'a'.repeat(n),
        '\x7f'.repeat(n),
      ]) {
        const expected = createHmac('sha256', key).update(text, 'utf8').digest();
        const words = mac.macText(text, new Int32Array(8));
        expect(Buffer.from(digestBytes(words, new Uint8Array(32))), `${n}: ${text.slice(0, 8)}`).toEqual(
          expected,
        );
      }
    }
  });

  it('uses the latest words key for long messages (node:crypto) after each re-key', () => {
    const key = new HmacSha256Key(randomBytes(32));
    const long = randomBytes(700);
    for (let i = 0; i < 3; i++) {
      const words = new Int32Array(randomBytes(32).buffer);
      const bytes = Buffer.from(digestBytes(words, new Uint8Array(32)));
      const expected = createHmac('sha256', bytes).update(long).digest();
      expect(key.rekey(words).mac(long)).toEqual(expected);
      expect(Buffer.from(digestBytes(key.macInto(long, -1, new Int32Array(8)), new Uint8Array(32)))).toEqual(
        expected,
      );
    }
  });
});
