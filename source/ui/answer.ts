// The answer of a run in plain words: which app serves the most, how much, and where it saturated.
// Shared by the TUI (final screen) and the headless printer. Also the number formats both use.
import type {AppSummary, RunSummary, StepSummary} from '../types.ts';
import {displayWidth, padText, stripControl} from './sanitize.ts';
import {sentence} from '../analysis/answer.ts';

/** QPS: one decimal below 100, whole numbers above. */
export function fmtQps(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	if (value === 0) return '0';
	return value < 100 ? value.toFixed(1) : String(Math.round(value));
}

/** Milliseconds: "480ms", "1.23s", "12.3s". */
export function fmtMs(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
	if (ms < 1000) return `${Math.round(ms)}ms`;
	if (ms < 10_000) return `${(ms / 1000).toFixed(2)}s`;
	if (ms < 100_000) return `${(ms / 1000).toFixed(1)}s`;
	return `${Math.round(ms / 1000)}s`;
}

/** A 0..1 rate as a percentage: "0%", "<0.1%", "3.1%", "100%". */
export function fmtPct(rate: number | null | undefined): string {
	if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
	if (rate <= 0) return '0%';
	if (rate < 0.001) return '<0.1%';
	if (rate >= 1) return '100%';
	return `${(rate * 100).toFixed(1)}%`;
}

/** Seconds as m:ss or h:mm:ss. */
export function fmtDuration(seconds: number | null | undefined): string {
	if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
	const s = Math.round(seconds);
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const ss = String(s % 60).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function fmtCount(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	return String(Math.round(value));
}

/** Apps best first: highest max QPS, apps without one last, ties in run order. */
export function rankApps(apps: readonly AppSummary[]): AppSummary[] {
	return apps
		.map((app, i) => ({app, i}))
		.sort((a, b) => {
			const qa = a.app.maxQps ?? -1;
			const qb = b.app.maxQps ?? -1;
			return qb - qa || a.i - b.i;
		})
		.map(({app}) => app);
}

/** The step the app's max QPS comes from: passed, at maxQpsUsers, highest success QPS. */
export function stepAtMax(app: AppSummary): StepSummary | null {
	if (app.maxQpsUsers === null) return null;
	let best: StepSummary | null = null;
	for (const step of app.steps) {
		if (step.users !== app.maxQpsUsers) continue;
		if (!best || (step.passed && !best.passed) || (step.passed === best.passed && step.successQps > best.successQps)) best = step;
	}
	return best;
}

export interface AnswerRow {
	app: string;
	compute: string;
	status: string;
	'max QPS': string;
	'users at max': string;
	'saturated at': string;
	'TTFT p95 at max': string;
	[key: string]: string;
}

export const ANSWER_COLUMNS = ['app', 'compute', 'status', 'max QPS', 'users at max', 'saturated at', 'TTFT p95 at max'] as const;

/** One row per app, best first, every cell already formatted and safe to print. */
export function answerRows(summary: RunSummary): AnswerRow[] {
	return rankApps(summary.apps).map((app) => ({
		app: stripControl(app.label),
		compute: stripControl(app.computeSize),
		status: app.status,
		'max QPS': fmtQps(app.maxQps),
		'users at max': fmtCount(app.maxQpsUsers),
		'saturated at': app.saturatedAtUsers === null ? '—' : `${app.saturatedAtUsers} users`,
		'TTFT p95 at max': fmtMs(stepAtMax(app)?.ttftMs.p95),
	}));
}

/** One plain sentence about the best app (the analysis' wording), e.g. "large-w8 serves 271 QPS at 240 users; it saturated at 240 users." */
export function answerSentence(summary: RunSummary): string {
	const ranked = rankApps(summary.apps);
	const best = ranked[0];
	if (!best) return 'No app was tested.';
	if (best.maxQps === null && ranked.length > 1) return 'No app has a sustainable QPS: no step of any app met the bar (failure rate and SLOs).';
	return stripControl(sentence(best));
}

/** The answer as plain text lines (a column-aligned table, the sentence, notes), for the headless printer. */
export function renderFinalAnswer(summary: RunSummary): string {
	const rows = answerRows(summary);
	const cols = ANSWER_COLUMNS;
	const widths = cols.map((c) => Math.max(displayWidth(c), ...rows.map((r) => displayWidth(r[c] ?? ''))));
	const right = new Set<string>(['max QPS', 'users at max', 'saturated at', 'TTFT p95 at max']);
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, i) => padText(cell, widths[i]!, right.has(cols[i]!) ? 'right' : 'left'))
			.join('  ')
			.trimEnd();
	const out: string[] = [];
	out.push(`qpscope answer · run ${stripControl(summary.runName)} (${summary.status})`);
	out.push(line(cols));
	out.push(widths.map((w) => '-'.repeat(w)).join('  '));
	for (const row of rows) out.push(line(cols.map((c) => row[c] ?? '')));
	out.push('');
	out.push(answerSentence(summary));
	const subject = rankApps(summary.apps)[0];
	for (const app of summary.apps) {
		if (app !== subject && (app.status === 'skipped' || app.status === 'failed') && app.reason) {
			out.push(`${stripControl(app.label)} ${app.status}: ${stripControl(app.reason)}`);
		}
	}
	for (const note of summary.notes) out.push(`Note: ${stripControl(note)}`);
	return out.join('\n');
}
