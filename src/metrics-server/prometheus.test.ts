import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSample, parsePrometheusText, PrometheusParseError } from './prometheus.js';

test('a kubelet /metrics/resource body parses into samples with labels and millisecond timestamps', () => {
  const text = [
    '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
    '# TYPE container_cpu_usage_seconds_total counter',
    'container_cpu_usage_seconds_total{container="c",namespace="default",pod="web-1"} 12.5 1700000000123',
    'node_memory_working_set_bytes 1.048576e+06 1700000000000',
    '',
    'scrape_error 0',
  ].join('\n');
  assert.deepEqual(parsePrometheusText(text), [
    { name: 'container_cpu_usage_seconds_total', labels: { container: 'c', namespace: 'default', pod: 'web-1' }, value: 12.5, timestampMs: 1700000000123 },
    { name: 'node_memory_working_set_bytes', labels: {}, value: 1048576 },
    { name: 'scrape_error', labels: {}, value: 0 },
  ].map((s, i) => (i === 1 ? { ...s, timestampMs: 1700000000000 } : s)));
});

test('label values keep escaped quotes, backslashes and newlines; special values parse', () => {
  const [s] = parsePrometheusText('m{a="x\\"y",b="c\\\\d",c="e\\nf", } +Inf\n');
  assert.deepEqual(s!.labels, { a: 'x"y', b: 'c\\d', c: 'e\nf' });
  assert.equal(s!.value, Infinity);
  assert.ok(Number.isNaN(parsePrometheusText('m NaN')[0]!.value));
});

test('formatSample round-trips through the parser', () => {
  const s = { name: 'container_memory_working_set_bytes', labels: { container: 'a"b', namespace: 'n', pod: 'p' }, value: 42, timestampMs: 5 };
  assert.deepEqual(parsePrometheusText(formatSample(s)), [s]);
});

test('malformed lines are errors, not half-read scrapes', () => {
  for (const bad of ['m{a="x} 1', 'm{a=x} 1', 'm', 'm abc', 'm 1 2 3', '9m 1']) assert.throws(() => parsePrometheusText(bad), PrometheusParseError, bad);
});
