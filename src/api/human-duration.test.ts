// Tests for human-duration.ts: upstream duration_test.go style tables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, shortHumanDuration } from './human-duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-1999, '0s'],
    [-S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [S, '1s'],
    [59 * S, '59s'],
    [60 * S, '60s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 3 * S, '2m3s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [3 * H - M, '179m'],
    [3 * H, '3h'],
    [3 * H + 30 * M, '3h30m'],
    [8 * H - M, '7h59m'],
    [8 * H, '8h'],
    [48 * H - S, '47h'],
    [48 * H, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [8 * D - H, '7d23h'],
    [8 * D, '8d'],
    [2 * Y - D, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 3 * D, '2y3d'],
    [8 * Y - D, '7y364d'],
    [8 * Y, '8y'],
    [10 * Y + 100 * D, '10y'],
  ];
  for (const [ms, want] of cases) {
    it(`prints ${ms}ms as ${want}`, () => {
      assert.equal(humanDuration(ms), want);
    });
  }
});

describe('shortHumanDuration', () => {
  const cases: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-S, '0s'],
    [0, '0s'],
    [59 * S, '59s'],
    [60 * S, '1m'],
    [59 * M + 59 * S, '59m'],
    [H, '1h'],
    [23 * H + 59 * M, '23h'],
    [D, '1d'],
    [364 * D, '364d'],
    [Y, '1y'],
    [3 * Y + 200 * D, '3y'],
  ];
  for (const [ms, want] of cases) {
    it(`prints ${ms}ms as ${want}`, () => {
      assert.equal(shortHumanDuration(ms), want);
    });
  }
});
