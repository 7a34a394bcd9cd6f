// A scenario's results: rows of (measurement, subject, summary), each subject's ratio against a
// reference subject measured in the same run, and targets checked against daemonproxy's figures.
// Prints a plain-text table and, with --json, writes the same data for run-all.js.

import { writeFileSync } from 'node:fs';
import { format, spread, summarize } from './stats.js';

/**
 * @typedef {{measure: string, subject: string, unit: import('./stats.js').Unit, summary: import('./stats.js').Summary | null, note?: string}} Row
 * @typedef {{measure: string, text: string, met: boolean | null, value: string}} TargetResult
 */

export class Report {
	/** @param {string} scenario @param {string} method */
	constructor(scenario, method) {
		this.scenario = scenario;
		this.method = method;
		/** @type {Row[]} */
		this.rows = [];
		/** @type {TargetResult[]} */
		this.targets = [];
		/** @type {string[]} */
		this.notes = [];
		/** @type {string[]} */
		this.failures = [];
		/** @type {Map<string, string>} measure → the subject its ratio column divides by */
		this.references = new Map();
	}

	/** Ratios of `measure` are against `subject` instead of daemonproxy (e.g. bare node). */
	reference(measure, subject) {
		this.references.set(measure, subject);
	}

	/** Adds a measurement from raw samples (or a skipped subject when samples is null). */
	add(measure, subject, unit, samples, note) {
		const summary = samples && samples.length > 0 ? summarize(samples) : null;
		this.rows.push({ measure, subject, unit, summary, ...(note ? { note } : {}) });
		return summary;
	}

	skip(measure, subject, unit, why) {
		this.rows.push({ measure, subject, unit, summary: null, note: why });
	}

	note(text) {
		this.notes.push(text);
	}

	/** A verification failure (lost events, wrong replies): printed, and the exit status becomes 1. */
	fail(text) {
		this.failures.push(text);
	}

	/**
	 * Checks daemonproxy's median of `measure` against a target. `compare` gets the median (and
	 * the other rows of the measure) and returns [met, shown value].
	 */
	target(measure, text, compare) {
		const row = this.rows.find(r => r.measure === measure && r.subject === 'daemonproxy');
		if (!row?.summary) {
			this.targets.push({ measure, text, met: null, value: '—' });
			return;
		}
		const [met, value] = compare(row.summary.median, subject => this.median(measure, subject));
		this.targets.push({ measure, text, met, value });
	}

	median(measure, subject) {
		return this.rows.find(r => r.measure === measure && r.subject === subject)?.summary?.median ?? null;
	}

	/** The ratio column: this row's median ÷ the reference subject's median of the same measure. */
	ratio(row, reference) {
		const ref = this.median(row.measure, reference);
		if (!row.summary || ref === null || ref === 0) return '';
		return `${(row.summary.median / ref).toFixed(2)}`;
	}

	print(reference = 'daemonproxy') {
		const out = [];
		out.push(`\n== ${this.scenario} ==`);
		out.push(this.method);
		const measures = [...new Set(this.rows.map(r => r.measure))];
		for (const measure of measures) {
			const rows = this.rows.filter(r => r.measure === measure);
			const wanted = this.references.get(measure) ?? reference;
			const ref = rows.some(r => r.subject === wanted && r.summary) ? wanted : rows.find(r => r.summary)?.subject;
			out.push(`\n  ${measure}`);
			const table = [['subject', 'median', 'spread', 'n', `÷ ${ref ?? '-'}`]];
			for (const row of rows) {
				table.push(
					row.summary
						? [
								row.subject,
								format(row.summary.median, row.unit),
								spread(row.summary, row.unit),
								String(row.summary.n),
								ref ? this.ratio(row, ref) : '',
							]
						: [row.subject, 'skipped', row.note ?? '', '', ''],
				);
			}
			const widths = table[0].map((_, i) => Math.max(...table.map(cells => cells[i].length)));
			for (const cells of table)
				out.push(
					`    ${cells
						.map((c, i) => c.padEnd(widths[i]))
						.join('  ')
						.trimEnd()}`,
				);
			for (const row of rows) if (row.summary && row.note) out.push(`    (${row.subject}: ${row.note})`);
		}
		if (this.targets.length > 0) {
			out.push('\n  targets');
			for (const t of this.targets) {
				const verdict = t.met === null ? 'not measured' : t.met ? 'MET' : 'MISSED';
				out.push(`    ${verdict.padEnd(12)} ${t.text} (measured ${t.value})`);
			}
		}
		for (const note of this.notes) out.push(`  note: ${note}`);
		for (const failure of this.failures) out.push(`  VERIFICATION FAILED: ${failure}`);
		process.stdout.write(`${out.join('\n')}\n`);
	}

	toJSON() {
		return {
			scenario: this.scenario,
			method: this.method,
			references: Object.fromEntries(this.references),
			rows: this.rows,
			targets: this.targets,
			notes: this.notes,
			failures: this.failures,
		};
	}

	/** Prints, writes --json, and sets the exit status (1 after a verification failure). */
	finish(options) {
		if (options.quick) {
			// Tiny counts say nothing about the targets: a smoke run only shows the scenario works.
			this.targets = [];
			this.notes.push('quick mode: a smoke run with tiny counts; targets are not judged');
		}
		this.print();
		if (options.json) writeFileSync(options.json, `${JSON.stringify(this, null, '\t')}\n`);
		if (this.failures.length > 0) process.exitCode = 1;
	}
}
