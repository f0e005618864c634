// Cron schedules: fields, ranges, steps, names, macros, day-of-month/day-of-week OR rule, time zones, missed runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mostRecent, nextAfter, parseSchedule } from './schedule.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('five-field schedules and macros give upstream next times', () => {
  assert.equal(iso(nextAfter(parseSchedule('*/15 * * * *'), at('2024-03-01T10:07:30Z'))), '2024-03-01T10:15:00.000Z');
  assert.equal(iso(nextAfter(parseSchedule('@hourly'), at('2024-03-01T10:00:00Z'))), '2024-03-01T11:00:00.000Z');
  assert.equal(iso(nextAfter(parseSchedule('@daily'), at('2024-03-01T10:00:00Z'))), '2024-03-02T00:00:00.000Z');
  assert.equal(iso(nextAfter(parseSchedule('0 9 * * mon-fri'), at('2024-03-01T10:00:00Z'))), '2024-03-04T09:00:00.000Z');
  assert.equal(iso(nextAfter(parseSchedule('30 2 1 jan,jul *'), at('2024-03-01T10:00:00Z'))), '2024-07-01T02:30:00.000Z');
  // Both day fields restricted: either matches.
  assert.equal(iso(nextAfter(parseSchedule('0 0 13 * 5'), at('2024-03-01T10:00:00Z'))), '2024-03-08T00:00:00.000Z');
  assert.equal(iso(nextAfter(parseSchedule('0 0 * * 7'), at('2024-03-01T10:00:00Z'))), '2024-03-03T00:00:00.000Z');
  assert.throws(() => parseSchedule('* * * *'));
  assert.throws(() => parseSchedule('61 * * * *'));
});

test('timeZone moves the wall clock', () => {
  assert.equal(iso(nextAfter(parseSchedule('0 9 * * *', 'America/New_York'), at('2024-07-01T00:00:00Z'))), '2024-07-01T13:00:00.000Z');
  assert.equal(iso(nextAfter(parseSchedule('0 9 * * *', 'Europe/Berlin'), at('2024-01-01T00:00:00Z'))), '2024-01-01T08:00:00.000Z');
});

test('the most recent unmet time and the number missed', () => {
  const s = parseSchedule('*/10 * * * *');
  const r = mostRecent(s, at('2024-03-01T10:00:00Z'), at('2024-03-01T10:35:00Z'));
  assert.equal(iso(r.time), '2024-03-01T10:30:00.000Z');
  assert.equal(r.missed, 3);
  assert.equal(iso(r.next), '2024-03-01T10:40:00.000Z');
  assert.equal(mostRecent(s, at('2024-03-01T10:30:00Z'), at('2024-03-01T10:35:00Z')).time, undefined);
  const many = mostRecent(parseSchedule('* * * * *'), at('2024-03-01T00:00:00Z'), at('2024-03-02T00:00:30Z'));
  assert.equal(iso(many.time), '2024-03-02T00:00:00.000Z');
  assert.ok(many.missed > 100);
});
