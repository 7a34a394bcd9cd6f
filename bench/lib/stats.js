// Summaries of repeated measurements (median and spread) and the number formats every scenario
// prints. Pure functions: no I/O, no clocks.

/** @typedef {{n: number, median: number, min: number, max: number, p10: number, p90: number}} Summary */

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
function quantile(sorted, q) {
	if (sorted.length === 0) return Number.NaN;
	const at = (sorted.length - 1) * q;
	const lo = Math.floor(at);
	const hi = Math.ceil(at);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** @returns {Summary} */
export function summarize(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return {
		n: sorted.length,
		median: quantile(sorted, 0.5),
		min: sorted[0] ?? Number.NaN,
		max: sorted.at(-1) ?? Number.NaN,
		p10: quantile(sorted, 0.1),
		p90: quantile(sorted, 0.9),
	};
}

export function median(values) {
	return summarize(values).median;
}

/** Units the scenarios use; each knows how to print a value. */
export const UNITS = /** @type {const} */ ({
	ms: v => `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ms`,
	us: v => `${v < 100 ? v.toFixed(1) : v.toFixed(0)} µs`,
	MiB: v => `${v.toFixed(1)} MiB`,
	KiB: v => `${v.toFixed(1)} KiB`,
	'MiB/s': v => `${v < 100 ? v.toFixed(1) : v.toFixed(0)} MiB/s`,
	'/s': v => `${v >= 1e4 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 100 ? 0 : 1)}/s`,
	x: v => `${v.toFixed(2)}×`,
});

/** @param {keyof typeof UNITS} unit */
export function format(value, unit) {
	if (value === null || value === undefined || Number.isNaN(value)) return '—';
	return UNITS[unit](value);
}

/** The spread of a summary: min–max (with p10–p90 once there are enough samples). */
export function spread(summary, unit) {
	if (summary.n < 2) return '';
	const f = v => format(v, unit).replace(/ .*$/, '');
	const range = `${f(summary.min)}–${f(summary.max)}`;
	return summary.n >= 20 ? `p10–p90 ${f(summary.p10)}–${f(summary.p90)}, range ${range}` : `range ${range}`;
}
