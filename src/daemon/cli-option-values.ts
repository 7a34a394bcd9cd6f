// Reads the values of the 1.1 options: strtol-style integers, `N[xM]` pool
// specs with their size suffixes, clamped to the pool limits with 1.1's warnings, and the byte
// length of an argv string. No I/O: a warning goes onto the caller's list, never to the log.

import { CLI_MESSAGES } from './cli-messages.js';

export interface PoolSpec {
	count: number;
	size: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/**
 * strtol(…, 10) with a check for trailing garbage: leading C whitespace, optional sign, at least
 * one digit (an empty value is rejected, unlike 1.1 which took it as 0), clamped to a 64-bit long.
 */
export function parseCInteger(text: string): bigint | null {
	const scanned = scanCInteger(text, 0);
	return scanned === null || scanned.end !== text.length ? null : scanned.value;
}

function scanCInteger(text: string, start: number): { value: bigint; end: number } | null {
	let i = start;
	while (i < text.length && C_SPACE.has(text.charAt(i))) i++;
	const sign = text.charAt(i);
	if (sign === '+' || sign === '-') i++;
	const digitsStart = i;
	while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
	if (i === digitsStart) return null;
	let value = BigInt(text.slice(digitsStart, i));
	if (sign === '-') value = -value;
	return { value: clamp(value, INT64_MIN, INT64_MAX), end: i };
}

export interface PoolLimits {
	minCount: bigint;
	maxCount: bigint;
	minSize: bigint;
	maxSize: bigint | null;
	defaultSize: number;
	countLow: string;
	countHigh: string;
	sizeLow: string;
	sizeHigh: string | null;
}

/** `--fd-pool`: 1.1's ranges and warnings. */
export const FD_POOL_LIMITS: PoolLimits = {
	minCount: 7n,
	maxCount: 1024n,
	minSize: 32n,
	maxSize: 4096n,
	defaultSize: 96,
	countLow: CLI_MESSAGES.fdPoolCountLow,
	countHigh: CLI_MESSAGES.fdPoolCountHigh,
	sizeLow: CLI_MESSAGES.fdPoolSizeLow,
	sizeHigh: CLI_MESSAGES.fdPoolSizeHigh,
};

/** `--service-pool`: no upper bound on the object size in 1.1. */
export const SERVICE_POOL_LIMITS: PoolLimits = {
	minCount: 1n,
	maxCount: 65535n,
	minSize: 64n,
	maxSize: null,
	defaultSize: 512,
	countLow: CLI_MESSAGES.servicePoolCountLow,
	countHigh: CLI_MESSAGES.servicePoolCountHigh,
	sizeLow: CLI_MESSAGES.servicePoolSizeLow,
	sizeHigh: null,
};

/** Size suffixes after M: `k`/`m`/`g` (either case) ×1024ⁿ, with `B` ×1000ⁿ, with `iB` ×1024ⁿ. */
function suffixMultiplier(suffix: string): bigint | null {
	if (suffix === '' || suffix === 'b' || suffix === 'B') return 1n;
	const power = 'kmg'.indexOf(suffix.charAt(0).toLowerCase()) + 1;
	if (power === 0) return null;
	switch (suffix.slice(1)) {
		case '':
		case 'iB':
			return 1024n ** BigInt(power);
		case 'B':
			return 1000n ** BigInt(power);
		default:
			return null;
	}
}

/** `N[xM]`, clamped with the 1.1 warnings; null for a malformed spec or one beyond 64 bits. */
export function parsePoolSpec(spec: string, limits: PoolLimits, warnings: string[]): PoolSpec | null {
	const n = scanCInteger(spec, 0);
	if (n === null) return null;
	let size: bigint = BigInt(limits.defaultSize);
	if (n.end !== spec.length) {
		if (spec.charAt(n.end) !== 'x') return null;
		if (n.end + 1 < spec.length) {
			const m = scanCInteger(spec, n.end + 1);
			if (m === null) return null;
			const multiplier = suffixMultiplier(spec.slice(m.end));
			if (multiplier === null) return null;
			size = m.value * multiplier;
			if (size > INT64_MAX || size < INT64_MIN) return null;
		}
	}
	let count = n.value;
	if (count < limits.minCount) {
		count = limits.minCount;
		warnings.push(limits.countLow);
	}
	if (count > limits.maxCount) {
		count = limits.maxCount;
		warnings.push(limits.countHigh);
	}
	if (size < limits.minSize) {
		size = limits.minSize;
		warnings.push(limits.sizeLow);
	}
	if (limits.maxSize !== null && limits.sizeHigh !== null && size > limits.maxSize) {
		size = limits.maxSize;
		warnings.push(limits.sizeHigh);
	}
	return { count: Number(count), size: Number(size) };
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
	return value < low ? low : value > high ? high : value;
}

/** Bytes of an argv string: latin1 strings are one byte per char; anything wider counts as UTF-8. */
export function byteLength(text: string): number {
	return /[^\x00-\xff]/.test(text) ? Buffer.byteLength(text, 'utf8') : text.length;
}
