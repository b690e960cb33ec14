import { describe, expect, it } from 'vitest';
import {
  parseByteQuantity,
  parseCpuQuantity,
  parseDuration,
  parseQuantity,
} from '../../pipelines/spec/index.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';

describe('parseDuration (Go syntax, in milliseconds)', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2h45m30s', 9_930_000],
    ['250ms', 250],
    ['3600s', 3_600_000],
    ['0.5s', 500],
    ['.5s', 500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
    ['0', 0],
  ])('reads %j as %d ms', (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds);
  });

  it.each(['', '10', '10x', '1d', '-5s', '10 m', 's', '1h 30m', 'm10'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
    expect(() => parseDuration(text)).toThrow(
      `invalid duration ${JSON.stringify(text)}: use numbers with units`,
    );
  });
});

describe('parseQuantity (Kubernetes notation)', () => {
  it.each([
    ['1Gi', 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2Ki', 2048],
    ['512M', 512e6],
    ['1G', 1e9],
    ['1k', 1000],
    ['100m', 0.1],
    ['1e9', 1e9],
    ['2E3', 2000],
    ['1E', 1e18],
    ['12', 12],
  ])('reads %j as %d', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });

  it.each(['', '1gi', '1 Gi', 'Gi', '1.2.3', '-1Gi', '1e', '1KiB'])('refuses %j', (text) => {
    expect(() => parseQuantity(text)).toThrow(InvalidArgumentError);
  });
});

describe('parseByteQuantity and parseCpuQuantity', () => {
  it('gives whole bytes, rounding up, from strings or numbers', () => {
    expect(parseByteQuantity('1Gi')).toBe(1_073_741_824);
    expect(parseByteQuantity('0.1Ki')).toBe(103);
    expect(parseByteQuantity(1_073_741_824)).toBe(1_073_741_824);
  });

  it('refuses sizes in thousandths of a byte, suggesting what was meant', () => {
    expect(() => parseByteQuantity('512m')).toThrow(
      'invalid size "512m": \'m\' means thousandths (or less) of a byte; did you mean "512M" or "512Mi"?',
    );
  });

  it('refuses zero and sizes beyond what a number holds exactly', () => {
    expect(() => parseByteQuantity('0')).toThrow(/use more than 0/);
    expect(() => parseByteQuantity('16Ei')).toThrow(/use more than 0 and at most/);
  });

  it('gives cores, from millicores or numbers', () => {
    expect(parseCpuQuantity('500m')).toBe(0.5);
    expect(parseCpuQuantity('2')).toBe(2);
    expect(parseCpuQuantity(0.25)).toBe(0.25);
    expect(() => parseCpuQuantity(0)).toThrow('invalid CPU amount 0: use a number of cores');
    expect(() => parseCpuQuantity('one')).toThrow('invalid CPU amount "one": use a number of cores');
  });
});
