// Tests for quantity.ts, tables taken from upstream quantity_test.go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  QUANTITY_FORMAT_ERROR,
  QUANTITY_NUMERIC_ERROR,
  QUANTITY_SUFFIX_ERROR,
  type Quantity,
  type QuantityFormat,
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  newMilliQuantity,
  newQuantity,
  parseQuantity,
  quantityFromJSON,
  quantityToMillis,
  quantityToNumber,
  subtractQuantities,
} from './quantity.js';

const q = (unscaled: bigint, exponent: number, format: QuantityFormat): Quantity => ({ unscaled, exponent, format });
const MAX = 2n ** 63n - 1n;

describe('parseQuantity', () => {
  // [input, expected value, expected format] — upstream TestQuantityParse
  const cases: Array<[string, Quantity]> = [
    ['0', q(0n, 0, 'DecimalSI')],
    ['0n', q(0n, 0, 'DecimalSI')],
    ['0Ki', q(0n, 0, 'BinarySI')],
    ['0Mi', q(0n, 0, 'BinarySI')],
    ['0T', q(0n, 0, 'DecimalSI')],
    ['1', q(1n, 0, 'DecimalSI')],
    ['1Ki', q(1024n, 0, 'BinarySI')],
    ['8Ki', q(8n * 1024n, 0, 'BinarySI')],
    ['7Mi', q(7n * 1024n ** 2n, 0, 'BinarySI')],
    ['6Gi', q(6n * 1024n ** 3n, 0, 'BinarySI')],
    ['5Ti', q(5n * 1024n ** 4n, 0, 'BinarySI')],
    ['4Pi', q(4n * 1024n ** 5n, 0, 'BinarySI')],
    ['3Ei', q(3n * 1024n ** 6n, 0, 'BinarySI')],
    ['100Ti', q(100n * 1024n ** 4n, 0, 'BinarySI')],
    ['5n', q(5n, -9, 'DecimalSI')],
    ['4u', q(4n, -6, 'DecimalSI')],
    ['3m', q(3n, -3, 'DecimalSI')],
    ['8k', q(8n, 3, 'DecimalSI')],
    ['50k', q(5n, 4, 'DecimalSI')],
    ['300T', q(3n, 14, 'DecimalSI')],
    ['2P', q(2n, 15, 'DecimalSI')],
    ['1E', q(1n, 18, 'DecimalSI')],
    ['1E-3', q(1n, -3, 'DecimalExponent')],
    ['1e3', q(1n, 3, 'DecimalExponent')],
    ['1E18', q(1n, 18, 'DecimalExponent')],
    ['1e13', q(1n, 13, 'DecimalExponent')],
    ['100.035k', q(100035n, 0, 'DecimalSI')],
    ['0.001', q(1n, -3, 'DecimalSI')],
    ['0.0005k', q(5n, -1, 'DecimalSI')],
    ['0.00050k', q(5n, -1, 'DecimalSI')],
    ['0.50000', q(5n, -1, 'DecimalSI')],
    ['0.5e-2', q(5n, -3, 'DecimalExponent')],
    ['10.035M', q(10035n, 3, 'DecimalSI')],
    ['1.2e3', q(12n, 2, 'DecimalExponent')],
    ['1.3E+6', q(13n, 5, 'DecimalExponent')],
    ['1.7E18', q(17n, 17, 'DecimalExponent')],
    ['9.01', q(901n, -2, 'DecimalSI')],
    ['6.987654321G', q(6987654321n, 0, 'DecimalSI')],
    ['1.01E', q(101n, 16, 'DecimalSI')],
    ['3.001n', q(4n, -9, 'DecimalSI')],
    ['1.1E-9', q(2n, -9, 'DecimalExponent')],
    ['0.0000000001', q(1n, -9, 'DecimalSI')],
    ['0.00000000050', q(1n, -9, 'DecimalSI')],
    ['0.9n', q(1n, -9, 'DecimalSI')],
    ['0.00000012345', q(124n, -9, 'DecimalSI')],
    ['9Ei', q(MAX, 0, 'BinarySI')],
    ['9223372036854775807Ki', q(MAX, 0, 'BinarySI')],
    ['12E', q(12n, 18, 'DecimalSI')],
    ['100.035Ki', q(10243584n, -2, 'BinarySI')],
    ['0.5Mi', q(524288n, 0, 'BinarySI')],
    ['0.025Ti', q(274877906944n, -1, 'BinarySI')],
    ['0.000000000001Ki', q(2n, -9, 'DecimalSI')],
    ['.001', q(1n, -3, 'DecimalSI')],
    ['.0001k', q(100n, -3, 'DecimalSI')],
    ['1.', q(1n, 0, 'DecimalSI')],
    ['1.G', q(1n, 9, 'DecimalSI')],
    ['18446744073709551616', q(18446744073709551616n, 0, 'DecimalSI')],
  ];
  for (const [input, expected] of cases) {
    it(`parses ${JSON.stringify(input)} to its exact value and format`, () => {
      const got = parseQuantity(input);
      assert.equal(compareQuantities(got, expected), 0);
      assert.equal(got.format, expected.format);
    });
    if (expected.unscaled !== 0n) {
      it(`parses ${JSON.stringify(`-${input}`)} and ${JSON.stringify(`+${input}`)} with the sign applied`, () => {
        assert.equal(compareQuantities(parseQuantity(`-${input}`), { ...expected, unscaled: -expected.unscaled }), 0);
        assert.equal(compareQuantities(parseQuantity(`+${input}`), expected), 0);
      });
    }
  }

  const invalid: Array<[string, string]> = [
    ['', QUANTITY_FORMAT_ERROR],
    ['1.1.M', QUANTITY_FORMAT_ERROR],
    ['1+1.0M', QUANTITY_FORMAT_ERROR],
    ['0.1mi', QUANTITY_SUFFIX_ERROR],
    ['0.1am', QUANTITY_FORMAT_ERROR],
    ['aoeu', QUANTITY_FORMAT_ERROR],
    ['.5i', QUANTITY_SUFFIX_ERROR],
    ['1i', QUANTITY_SUFFIX_ERROR],
    ['-3.01i', QUANTITY_SUFFIX_ERROR],
    ['-3.01e-', QUANTITY_SUFFIX_ERROR],
    [' 1', QUANTITY_FORMAT_ERROR],
    ['1 ', QUANTITY_FORMAT_ERROR],
    ['Ei', QUANTITY_NUMERIC_ERROR],
    ['Non-Numeric', QUANTITY_FORMAT_ERROR],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)} with upstream's message`, () => {
      assert.throws(() => parseQuantity(input), { name: 'QuantityParseError', message });
    });
  }
});

describe('canonicalQuantity', () => {
  // [input, canonical] — upstream TestQuantityString (alternates), TestQuantityParseEmit and the brief.
  const cases: Array<[string, string]> = [
    ['0.5', '500m'],
    ['1000Mi', '1000Mi'],
    ['1024Ki', '1Mi'],
    ['1.5Gi', '1536Mi'],
    ['100m', '100m'],
    ['1024Mi', '1Gi'],
    ['307200Ki', '300Mi'],
    ['1025024Mi', '1001Gi'],
    ['1024Gi', '1Ti'],
    ['1000M', '1G'],
    ['0.001T', '1G'],
    ['1000u', '1m'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['00', '0'],
    ['1Ki', '1Ki'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['1e3', '1e3'],
    ['3e3', '3e3'],
    ['3k', '3k'],
    ['1025Ki', '1025Ki'],
    ['9Ei', '9223372036854775807'],
    ['100.035Ki', '102435840m'],
    ['1000E', '1e21'],
    ['-1.5Gi', '-1536Mi'],
    ['-0', '0'],
    ['1.5', '1500m'],
    ['5000m', '5'],
  ];
  for (const [input, expected] of cases) {
    it(`writes ${JSON.stringify(input)} as ${JSON.stringify(expected)}`, () => {
      assert.equal(canonicalQuantity(input), expected);
    });
  }

  it('keeps text that upstream already treats as canonical, quirks included', () => {
    for (const s of ['1E3', '+1', '05', '1e+3', '1Gi', '100m']) assert.equal(canonicalQuantity(s), s);
  });

  it('accepts JSON numbers and trims JSON strings like UnmarshalJSON', () => {
    assert.equal(canonicalQuantity(1.5), '1500m');
    assert.equal(canonicalQuantity(quantityFromJSON(' 10 ')), '10');
    assert.equal(canonicalQuantity(quantityFromJSON(-1)), '-1');
  });

  it('writes quantities made from numbers in their format', () => {
    assert.equal(canonicalQuantity(newQuantity(1000, 'DecimalSI')), '1k');
    assert.equal(canonicalQuantity(newQuantity(1024, 'BinarySI')), '1Ki');
    assert.equal(canonicalQuantity(newQuantity(1_000_000, 'DecimalExponent')), '1e6');
    assert.equal(canonicalQuantity(newMilliQuantity(1024, 'BinarySI')), '1024m');
    assert.equal(canonicalQuantity(newMilliQuantity(1_234_000, 'DecimalSI')), '1234');
  });
});

describe('compareQuantities', () => {
  const cases: Array<[string, string, -1 | 0 | 1]> = [
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
    ['1Gi', '1024Mi', 0],
    ['1k', '1e3', 0],
    ['-1', '0', -1],
    ['1e1000', '1', 1],
    ['1n', '1e-1000', 0],
    ['-2', '-1', -1],
  ];
  for (const [a, b, want] of cases) {
    it(`orders ${a} against ${b} as ${want}`, () => {
      assert.equal(compareQuantities(a, b), want);
      assert.equal(compareQuantities(b, a), want === 0 ? 0 : -want);
    });
  }
});

describe('arithmetic and conversions', () => {
  it('adds exactly and keeps the first non-zero operand format', () => {
    assert.equal(canonicalQuantity(addQuantities('100m', '0')), '100m');
    assert.equal(canonicalQuantity(addQuantities('0', '1Gi')), '1Gi');
    assert.equal(canonicalQuantity(addQuantities('0.1', '0.2')), '300m');
    assert.equal(canonicalQuantity(addQuantities('1Gi', '512Mi')), '1536Mi');
    assert.equal(canonicalQuantity(addQuantities('4Ei', '4Ei')), '8Ei');
    assert.equal(canonicalQuantity(subtractQuantities('1', '250m')), '750m');
    assert.equal(canonicalQuantity(subtractQuantities('0', '1Gi')), '-1Gi');
  });

  const millis: Array<[string, number, number]> = [
    ['1', 1000, 1],
    ['1.5', 1500, 2],
    ['100m', 100, 1],
    ['1n', 1, 1],
    ['1Ki', 1024000, 1024],
    ['0', 0, 0],
    ['-1.5', -1500, -2],
    ['9.01', 9010, 10],
  ];
  for (const [input, milli, value] of millis) {
    it(`gives ${input} a MilliValue of ${milli} and a Value of ${value} (rounded up, away from zero)`, () => {
      assert.equal(quantityToMillis(input), milli);
      assert.equal(quantityToNumber(input), value);
    });
  }
});

describe('extreme exponents', () => {
  it('keeps huge exponents exact without materialising them', () => {
    assert.equal(canonicalQuantity('1e2147483647'), '10e2147483646');
    assert.equal(compareQuantities('1e2147483647', '1E'), 1);
    assert.equal(quantityToNumber('1e2147483647'), Infinity);
    assert.equal(quantityToMillis('-1e1000'), -Infinity);
  });
});
