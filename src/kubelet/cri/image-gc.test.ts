// Image GC decisions (upstream imageGCManager): thresholds, bytes to free, which images go first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToFree, pickImages, usagePercent, validateImageGcPolicy, type ImageRecord } from './image-gc.js';

const policy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

test('usage and the amount to free: nothing below the high threshold, down to the low one above it', () => {
  assert.equal(usagePercent({ capacityBytes: 1000, availableBytes: 150 }), 85);
  assert.equal(bytesToFree({ capacityBytes: 1000, availableBytes: 160 }, policy), 0);
  assert.equal(bytesToFree({ capacityBytes: 1000, availableBytes: 150 }, policy), 50);
  assert.equal(bytesToFree({ capacityBytes: 1000, availableBytes: 10 }, policy), 190);
  assert.equal(bytesToFree({ capacityBytes: 1000, availableBytes: 10 }, { ...policy, highThresholdPercent: 100 }), 0, '100 disables GC');
});

test('unused images go least recently used first, young and in-use ones stay, and only until enough is freed', () => {
  const now = 1_000_000;
  const rec = (lastUsed: number, firstDetected = 0): ImageRecord => ({ firstDetected, lastUsed, size: 0 });
  const images = [
    { id: 'a', size: 100 },
    { id: 'b', size: 100 },
    { id: 'c', size: 100 },
    { id: 'young', size: 100 },
    { id: 'used', size: 100 },
  ];
  const records = new Map([
    ['a', rec(500)],
    ['b', rec(100)],
    ['c', rec(0)],
    ['young', rec(0, now - 1000)],
    ['used', rec(now)],
  ]);
  assert.deepEqual(pickImages(images, records, new Set(['used']), 150, now, 120_000), ['c', 'b']);
  assert.deepEqual(pickImages(images, records, new Set(['used']), 10_000, now, 120_000), ['c', 'b', 'a']);
  assert.deepEqual(pickImages(images, records, new Set(['used']), 10_000, now, 0), ['c', 'young', 'b', 'a']);
});

test('flag validation as the kubelet: percentages, low below high', () => {
  assert.deepEqual(validateImageGcPolicy(policy), []);
  assert.deepEqual(validateImageGcPolicy({ ...policy, highThresholdPercent: 1, lowThresholdPercent: 0 }), []);
  assert.match(validateImageGcPolicy({ ...policy, highThresholdPercent: 101 }).join(), /imageGCHighThresholdPercent \(--image-gc-high-threshold\) 101 must be between 0 and 100, inclusive/);
  assert.match(validateImageGcPolicy({ ...policy, lowThresholdPercent: 90 }).join(), /imageGCLowThresholdPercent \(--image-gc-low-threshold\) 90 must be less than imageGCHighThresholdPercent \(--image-gc-high-threshold\) 85/);
});
