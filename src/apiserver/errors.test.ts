// The API server's errors against the one table of reasons (src/api/status.ts), and the client reading them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REASON_BY_CODE } from '../api/index.js';
import { errorFromResponse, isAlreadyExists, isConflict, isExpired, isInvalid, isNotFound, isTooManyRequests } from '../client/index.js';
import { errors, type StatusError } from './errors.js';

const made: Array<[string, StatusError]> = [
  ['notFound', errors.notFound('apps', 'deployments', 'web')],
  ['alreadyExists', errors.alreadyExists('', 'pods', 'p')],
  ['conflict', errors.conflict('', 'pods', 'p', 'the object has been modified')],
  ['invalid', errors.invalid('', 'Pod', 'p', [{ type: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' }])],
  ['badRequest', errors.badRequest('bad')],
  ['unauthorized', errors.unauthorized()],
  ['forbidden', errors.forbidden('no')],
  ['methodNotAllowed', errors.methodNotAllowed()],
  ['notAcceptable', errors.notAcceptable('no')],
  ['gone', errors.gone('too old')],
  ['tooLarge', errors.tooLarge()],
  ['unsupportedMediaType', errors.unsupportedMediaType('text/plain')],
  ['tooManyRequests', errors.tooManyRequests('slow down')],
  ['internal', errors.internal('boom')],
  ['unavailable', errors.unavailable('down')],
  ['timeout', errors.timeout('late')],
];

test('every error carries the reason its code stands for (AlreadyExists is the one other 409)', () => {
  for (const [name, e] of made) {
    const want = name === 'alreadyExists' ? 'AlreadyExists' : REASON_BY_CODE[e.code];
    assert.equal(e.reason, want, name);
  }
});

test('the client reads each Status back with the same code, reason and message', () => {
  for (const [name, e] of made) {
    const back = errorFromResponse(e.code, JSON.stringify(e.toStatus()));
    assert.deepEqual([back.code, back.reason, back.message], [e.code, e.reason, e.message], name);
  }
  const by = (n: string) => errorFromResponse(made.find(([m]) => m === n)![1].code, JSON.stringify(made.find(([m]) => m === n)![1].toStatus()));
  assert.ok(isNotFound(by('notFound')) && isAlreadyExists(by('alreadyExists')) && isConflict(by('conflict')) && isInvalid(by('invalid')));
  assert.ok(isExpired(by('gone')) && isTooManyRequests(by('tooManyRequests')));
  assert.ok(!isConflict(by('alreadyExists')));
});

test('a reply that is not a Status gets the reason of its code', () => {
  for (const code of Object.keys(REASON_BY_CODE).map(Number)) assert.equal(errorFromResponse(code, '<html>oops</html>').reason, REASON_BY_CODE[code]);
});
