// Encryption-at-rest providers: upstream's stored format, round trips, and the store decorator.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryStore } from '../../store/index.js';
import { defaultConfiguration, resourceProviders } from './config.js';
import { EncryptedStore, storagePrefix } from './encrypted-store.js';
import nacl from 'tweetnacl';
import { newProvider, storedWith } from './providers.js';

const text = new TextEncoder();

describe('encryption providers', () => {
  for (const type of ['aescbc', 'aesgcm', 'secretbox'] as const) {
    test(`${type} writes k8s:enc:${type}:v1:<key>: and round-trips`, () => {
      const p = newProvider(type, 'k1', randomBytes(32));
      const sealed = p.encrypt(text.encode('{"kind":"Secret"}'));
      assert.ok(Buffer.from(sealed).toString('latin1').startsWith(`k8s:enc:${type}:v1:k1:`));
      assert.equal(storedWith(sealed), `${type}:k1`);
      assert.equal(Buffer.from(p.decrypt(sealed)).toString(), '{"kind":"Secret"}');
      assert.notDeepEqual(p.encrypt(text.encode('x')), p.encrypt(text.encode('x')), 'a fresh IV each time');
    });
  }

  for (const type of ['aesgcm', 'secretbox'] as const) {
    test(`${type} refuses a tampered value`, () => {
      const p = newProvider(type, 'k1', randomBytes(32));
      const sealed = Buffer.from(p.encrypt(text.encode('secret')));
      sealed[sealed.length - 1]! ^= 1;
      assert.throws(() => p.decrypt(sealed));
    });
  }

  test('secretbox reads a value sealed as upstream lays it out: prefix, 24-byte nonce, tag then ciphertext', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const upstream = Buffer.concat([Buffer.from('k8s:enc:secretbox:v1:k1:'), nonce, nacl.secretbox(text.encode('hello'), nonce, key)]);
    assert.equal(upstream.length, 'k8s:enc:secretbox:v1:k1:'.length + 24 + 16 + 5);
    assert.equal(Buffer.from(newProvider('secretbox', 'k1', key).decrypt(upstream)).toString(), 'hello');
  });

  test('keys must be 32 bytes', () => assert.throws(() => newProvider('aescbc', 'short', randomBytes(16)), /32 bytes/));

  test('resource names map to storage prefixes', () => {
    assert.equal(storagePrefix('secrets'), '/registry/secrets/');
    assert.equal(storagePrefix('widgets.example.com'), '/registry/example.com/widgets/');
    assert.deepEqual([...resourceProviders(defaultConfiguration(['secrets', 'configmaps'])).keys()], ['secrets', 'configmaps']);
  });

  test('EncryptedStore: secrets sealed in the inner store, plaintext above, other keys untouched', async () => {
    const inner = new MemoryStore();
    const store = new EncryptedStore(inner, defaultConfiguration());
    await inner.create('/registry/secrets/ns/old', text.encode('{"old":true}'));
    await store.create('/registry/secrets/ns/new', text.encode('{"new":true}'));
    await store.create('/registry/configmaps/ns/c', text.encode('{"c":true}'));
    assert.match(storedWith((await inner.get('/registry/secrets/ns/new'))!.value), /^aescbc:/);
    assert.equal(storedWith((await inner.get('/registry/configmaps/ns/c'))!.value), 'identity');
    const listed = await store.list('/registry/secrets/');
    assert.deepEqual(listed.kvs.map((kv) => Buffer.from(kv.value).toString()), ['{"new":true}', '{"old":true}']);
    await inner.close();
  });
});
