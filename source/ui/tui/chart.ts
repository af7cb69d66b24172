// Sparklines of one app's ramp: a series per metric, one point per second while the run's seconds fit
// the width, a few seconds per point once they do not (while the ring still holds the whole run), and one
// point per step after that. Under the chart a marker row puts '|' at each step start with its users.
import asciichart from 'asciichart';
import type {AppView, Point} from './state.ts';
import {fmtMs, fmtQps} from '../answer.ts';
import {line, paint, type Color} from './text.ts';
import {padText} from '../sanitize.ts';

export type Metric = 'qps' | 'ttft' | 'fail';
export const METRICS: readonly Metric[] = ['qps', 'ttft', 'fail'];

export const METRIC_TITLE: Record<Metric, string> = {qps: 'QPS', ttft: 'TTFT p95', fail: 'failures %'};
const METRIC_COLOR: Record<Metric, Color> = {qps: 'green', ttft: 'cyan', fail: 'red'};

/** Width of the y-axis labels. */
export const LABEL_WIDTH = 6;

export interface Series {
	values: number[];
	/** Per value: the users of a step starting there, else null. */
	marks: (number | null)[];
	/** What one value stands for: "1s", "3s", "step". */
	resolution: string;
}

interface Bucket {
	qps: number;
	completed: number;
	successes: number;
	failures: number;
	ttftSum: number;
	ttftN: number;
	seconds: number;
}

function valueOf(metric: Metric, b: Bucket): number | null {
	if (metric === 'qps') return b.seconds > 0 ? b.qps / b.seconds : 0;
	if (metric === 'fail') return b.completed > 0 ? (100 * b.failures) / b.completed : 0;
	return b.ttftN > 0 ? b.ttftSum / b.ttftN : null;
}

/** Null (no sample) carries the previous value forward; leading nulls become 0. */
function fill(values: (number | null)[]): number[] {
	let last = 0;
	return values.map((v) => {
		if (v !== null && Number.isFinite(v)) last = v;
		return last;
	});
}

function perSecond(ring: readonly Point[], metric: Metric, width: number): Series {
	const per = Math.max(1, Math.ceil(ring.length / width));
	const values: (number | null)[] = [];
	const marks: (number | null)[] = [];
	for (let i = 0; i < ring.length; i += per) {
		const b: Bucket = {qps: 0, completed: 0, successes: 0, failures: 0, ttftSum: 0, ttftN: 0, seconds: 0};
		let mark: number | null = null;
		for (let j = i; j < Math.min(ring.length, i + per); j++) {
			const p = ring[j]!;
			b.qps += p.qps;
			b.completed += p.completed;
			b.successes += p.successes;
			b.failures += p.failures;
			b.seconds += 1;
			if (p.ttftP95 !== null) (b.ttftSum += p.ttftP95), b.ttftN++;
			if (mark === null && (j === 0 || ring[j - 1]!.step !== p.step)) mark = p.users;
		}
		values.push(valueOf(metric, b));
		marks.push(mark);
	}
	return {values: fill(values), marks, resolution: `${per}s`};
}

function perStep(app: AppView, metric: Metric, width: number): Series {
	interface StepPoint {
		users: number;
		qps: number;
		failRate: number;
		ttftP95: number | null;
	}
	const points: StepPoint[] = app.steps.map((st) => ({users: st.users, qps: st.qps, failRate: st.failureRate, ttftP95: st.ttftMs.p95}));
	const snap = app.snapshot;
	const last = app.steps[app.steps.length - 1];
	if (snap && app.status === 'running' && (!last || snap.stepIndex > last.index)) {
		points.push({
			users: snap.stepUsers,
			qps: snap.step.qps,
			failRate: snap.step.requests > 0 ? snap.step.failures / snap.step.requests : 0,
			ttftP95: snap.step.ttftMs.p95,
		});
	}
	const shown = points.slice(-width);
	const span = Math.max(1, Math.floor(width / Math.max(1, shown.length)));
	const values: (number | null)[] = [];
	const marks: (number | null)[] = [];
	for (const p of shown) {
		const v = metric === 'qps' ? p.qps : metric === 'fail' ? 100 * p.failRate : p.ttftP95;
		for (let k = 0; k < span; k++) {
			values.push(v);
			marks.push(k === 0 ? p.users : null);
		}
	}
	return {values: fill(values), marks, resolution: 'step'};
}

/** The series to plot in `width` points: per second (or a few seconds) while the ring holds the whole ramp, else per step. */
export function seriesFor(app: AppView, metric: Metric, width: number): Series {
	if (app.dropped === 0) return perSecond(app.ring, metric, Math.max(1, width));
	return perStep(app, metric, Math.max(1, width));
}

function axisLabel(metric: Metric, v: number): string {
	const text = metric === 'qps' ? fmtQps(v) : metric === 'ttft' ? fmtMs(v) : `${v < 10 && v > 0 ? v.toFixed(1) : Math.round(v)}%`;
	return text.padStart(LABEL_WIDTH).slice(-LABEL_WIDTH);
}

/** The marker row: '|' under each step start followed by its users when there is room. */
export function markerRow(marks: readonly (number | null)[]): string {
	const cells: string[] = marks.map((m) => (m === null ? ' ' : '|'));
	for (let i = 0; i < marks.length; i++) {
		const m = marks[i];
		if (m === null || m === undefined) continue;
		const label = String(m);
		let next = i + 1;
		while (next < marks.length && marks[next] === null) next++;
		if (next - i - 1 >= label.length + 1) {
			for (let k = 0; k < label.length; k++) cells[i + 1 + k] = label[k]!;
		}
	}
	return cells.join('');
}

export interface ChartOptions {
	width: number;
	/** asciichart height: the chart has height + 1 rows. */
	height: number;
	color: boolean;
	/** Dim text after the title, e.g. a key hint. */
	hint?: string;
}

/** Title, height + 1 chart rows and the marker row, each exactly `width` columns or less: height + 3 lines. */
export function chartLines(app: AppView | null, metric: Metric, opts: ChartOptions): string[] {
	const {width, height, color} = opts;
	const plotWidth = Math.max(1, width - LABEL_WIDTH - 2);
	const out: string[] = [];
	const series = app ? seriesFor(app, metric, plotWidth) : null;
	const empty = !series || series.values.length === 0;
	const res = !series || empty ? '' : series.resolution === 'step' ? 'per step' : `${series.resolution}/point`;
	const current = !series || empty ? '' : ` now ${axisLabel(metric, series.values[series.values.length - 1]!).trim()}`;
	out.push(
		line(
			[
				{text: METRIC_TITLE[metric], style: {bold: true}},
				current,
				{text: `${res ? ` · ${res}` : ''}${opts.hint ? ` · ${opts.hint}` : ''}`, style: {dim: true}},
			],
			width,
			color,
		),
	);
	if (empty) {
		for (let i = 0; i <= height; i++) out.push(i === Math.floor(height / 2) ? padText(' '.repeat(LABEL_WIDTH + 2) + 'waiting for data…', width) : '');
		out.push('');
		return out;
	}
	const values = series.values.slice(-plotWidth);
	const marks = series.marks.slice(-plotWidth);
	const max = Math.max(metric === 'fail' ? 1 : metric === 'ttft' ? 10 : 1, ...values);
	const plot = asciichart.plot(values, {height, min: 0, max, format: (x: number) => axisLabel(metric, x)});
	for (const row of plot.split('\n')) {
		const cut = row.slice(0, width).trimEnd();
		const label = cut.slice(0, LABEL_WIDTH);
		const rest = cut.slice(LABEL_WIDTH);
		out.push(paint(label, {dim: true}, color) + paint(rest, {fg: METRIC_COLOR[metric]}, color));
	}
	out.push(paint((' '.repeat(LABEL_WIDTH + 1) + markerRow(marks)).slice(0, width).trimEnd(), {dim: true}, color));
	return out;
}

/** Charts side by side, each `width` columns, separated by two spaces. */
export function sideBySide(blocks: readonly string[][], width: number): string[] {
	const rows = Math.max(0, ...blocks.map((b) => b.length));
	const out: string[] = [];
	for (let r = 0; r < rows; r++) {
		out.push(
			blocks
				.map((b, i) => (i === blocks.length - 1 ? (b[r] ?? '') : padStyled(b[r] ?? '', width)))
				.join('  ')
				.trimEnd(),
		);
	}
	return out;
}

function padStyled(text: string, width: number): string {
	const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
	return text + ' '.repeat(Math.max(0, width - [...visible].length));
}
