/**
 * Resource quantities in Kubernetes' notation, which Pachyderm's resource_requests and
 * resource_limits use: a decimal number with either a suffix or a decimal exponent.
 * - binary suffixes Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024): "512Mi", "1.5Gi";
 * - decimal suffixes n, u, m, k, M, G, T, P, E (powers of 1000): "500m" CPU, "512M" bytes;
 * - exponents: "1e9", "2E3" (a bare "E" is the exa suffix, "E3" an exponent).
 * JSON and YAML numbers are accepted too: `cpu: 0.5`, `memory: 1073741824`.
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';

const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

const BINARY_POWER: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

export const BYTES_RULE =
  'use a number of bytes with an optional suffix Ki, Mi, Gi, Ti (×1024) or k, M, G, T (×1000), e.g. "512Mi" or "2G"';
export const CPU_RULE = 'use a number of cores, e.g. 0.5, 2 or "500m" (thousandths of a core)';

/** The quantity's value in its base unit. Decimal forms are read through one decimal string, so "100m" is exactly 0.1. */
export function parseQuantity(text: string): number {
  const match = QUANTITY.exec(text);
  if (match === null) {
    throw new InvalidArgumentError(
      `invalid quantity ${JSON.stringify(text)}: use a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E) or exponent, e.g. "512Mi", "500m", "1e9"`,
    );
  }
  const [, mantissa, exponent, suffix] = match;
  if (suffix !== undefined && BINARY_POWER[suffix] !== undefined) {
    return Number(mantissa) * 2 ** BINARY_POWER[suffix];
  }
  const power = suffix !== undefined ? DECIMAL_EXPONENT[suffix]! : Number(exponent ?? 0);
  return Number(`${mantissa}e${power}`);
}

/**
 * A memory or disk size in whole bytes, rounded up as Kubernetes rounds. Suffixes below one
 * (m, u, n) are refused rather than read as fractions of a byte: "512m" is almost always a
 * mistaken "512M" or "512Mi".
 */
export function parseByteQuantity(value: string | number): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (/^[\d.]+[mun]$/.test(text)) {
    throw new InvalidArgumentError(
      `invalid size ${JSON.stringify(value)}: '${text.at(-1)}' means thousandths (or less) of a byte; did you mean "${text.slice(0, -1)}M" or "${text.slice(0, -1)}Mi"?`,
    );
  }
  const bytes = Math.ceil(parseQuantityOrExplain(text, value, BYTES_RULE, 'size'));
  if (bytes <= 0 || !Number.isSafeInteger(bytes)) {
    throw new InvalidArgumentError(
      `invalid size ${JSON.stringify(value)}: use more than 0 and at most ${Number.MAX_SAFE_INTEGER} bytes`,
    );
  }
  return bytes;
}

/** A CPU amount in cores (fractions allowed), more than 0. */
export function parseCpuQuantity(value: string | number): number {
  const text = typeof value === 'number' ? String(value) : value;
  const cores = parseQuantityOrExplain(text, value, CPU_RULE, 'CPU amount');
  if (!(cores > 0) || !Number.isFinite(cores)) {
    throw new InvalidArgumentError(`invalid CPU amount ${JSON.stringify(value)}: ${CPU_RULE}, more than 0`);
  }
  return cores;
}

function parseQuantityOrExplain(text: string, value: string | number, rule: string, what: string): number {
  try {
    return parseQuantity(text);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(value)}: ${rule}`, { cause: error });
  }
}
