// Lays out one frame: which sections, how tall, how wide, so that the frame fits the terminal
// (fewer lines than its height, no line wider than it). Pure: state and sizes in, blocks out.
import {answerSentence, fmtDuration, fmtQps, rankApps} from '../answer.ts';
import {stripControl} from '../sanitize.ts';
import {chartLines, METRICS, sideBySide, type Metric} from './chart.ts';
import {focusedApp, type TuiState} from './state.ts';
import {answerTableModel, stepTableModel, tableHeight, tableWidth, type TableModel} from './tables.tsx';
import {line, s, safe, wrapWords} from './text.ts';
import {
	failureLines,
	headerLines,
	queueLine,
	statusLines,
	stepPanelLines,
	warningLines,
	type ViewContext,
} from './views.ts';
import {bestStepIndex} from './state.ts';

export type Block = {kind: 'lines'; key: string; lines: string[]} | {kind: 'table'; key: string; model: TableModel};

export interface UiState {
	stopping: boolean;
	help: boolean;
	/** First chart shown when not all fit side by side. */
	chartIndex: number;
	keys: boolean;
}

export interface ScreenSize {
	columns: number;
	rows: number;
}

export function blockHeight(b: Block): number {
	return b.kind === 'lines' ? b.lines.length : tableHeight(b.model.rows.length);
}

export function chartsPerRow(columns: number): number {
	return Math.max(1, Math.min(3, Math.floor(columns / 50)));
}

function lines(key: string, ls: string[]): Block {
	return {kind: 'lines', key, lines: ls};
}

export function buildScreen(state: TuiState, ui: UiState, size: ScreenSize, now: number, color: boolean): Block[] {
	const width = Math.max(20, size.columns);
	const budget = Math.max(8, size.rows - 1); // a frame as tall as the terminal makes ink redraw it all
	const compact = width < 120 || size.rows < 30;
	const ctx: ViewContext = {width, color, now, compact};
	if (state.final) return finalScreen(state, width, budget, ctx);

	const app = focusedApp(state);
	const multi = state.apps.length > 1;
	const perRow = chartsPerRow(width);
	const spaced = size.rows >= 34;
	const header = headerLines(state, app, ctx);
	const panel = stepPanelLines(state, app, ctx);
	const status = statusLines(state, {...ui, multiApp: multi, cycleCharts: perRow < 3}, ctx);
	const steps = app?.steps ?? [];

	let chartHeight = size.rows >= 45 ? 8 : size.rows >= 36 ? 6 : size.rows >= 28 ? 4 : 3;
	let maxFailures = size.rows >= 40 ? 5 : 2;
	let maxWarnings = 3;
	let showChart = true;
	let queue = multi ? [queueLine(state, ctx)] : [];
	const gap = spaced ? 1 : 0;

	const fixedHeight = () => {
		const fails = failureLines(app, maxFailures, ctx).length;
		const warns = Math.min(maxWarnings, state.warnings.length);
		const sections = 4 + (showChart ? 1 : 0) + (fails > 0 || warns > 0 ? 1 : 0);
		return (
			header.length +
			queue.length +
			panel.length +
			(showChart ? chartHeight + 3 : 0) +
			fails +
			warns +
			status.length +
			gap * (sections - 1)
		);
	};
	// What gives way, in order, so that a few finished steps stay in view.
	const minTable = tableHeight(Math.min(steps.length, 3));
	const shrinks: (() => unknown)[] = [
		() => (maxFailures = Math.min(maxFailures, 1)),
		() => (queue = []),
		() => (maxWarnings = 1),
		() => (chartHeight = Math.min(chartHeight, 2)),
		() => (maxFailures = 0),
		() => (showChart = false),
	];
	for (const shrink of shrinks) {
		if (fixedHeight() + minTable <= budget) break;
		shrink();
	}

	const blocks: Block[] = [];
	const push = (b: Block) => {
		if (blockHeight(b) === 0) return;
		if (gap && blocks.length > 0) blocks.push(lines(`gap-${b.key}`, ['']));
		blocks.push(b);
	};
	push(lines('header', [...header, ...queue]));
	push(lines('panel', panel));

	if (showChart) {
		const n = Math.min(perRow, METRICS.length);
		const chartWidth = Math.floor((width - 2 * (n - 1)) / n);
		const shown: Metric[] = [];
		for (let i = 0; i < n; i++) shown.push(METRICS[(ui.chartIndex + i) % METRICS.length]!);
		const hint = ui.keys && n < METRICS.length ? 'c: next chart' : undefined;
		const charts = shown.map((m, i) => chartLines(app, m, {width: chartWidth, height: chartHeight, color, hint: i === n - 1 ? hint : undefined}));
		push(lines('charts', sideBySide(charts, chartWidth)));
	}

	const left = budget - fixedHeight();
	if (steps.length > 0) {
		const maxRows = Math.max(0, left - 4);
		if (maxRows >= 1) {
			const model = stepTableModel(steps, {width, maxRows, full: !compact});
			push({kind: 'table', key: 'steps', model});
		} else if (left >= 1) {
			const best = bestStepIndex(steps);
			const b = best >= 0 ? steps[best]! : null;
			push(
				lines('steps', [
					line(
						[
							`${steps.length} step${steps.length === 1 ? '' : 's'} done`,
							b ? ` · ★ best: step ${b.index}, ${b.users} users, ${fmtQps(b.successQps)} ok QPS` : '',
						],
						width,
						color,
					),
				]),
			);
		}
	}
	const fails = failureLines(app, maxFailures, ctx);
	const warns = warningLines(state.warnings.slice(-maxWarnings), ctx);
	push(lines('notices', [...fails, ...warns]));
	push(lines('status', status));
	return blocks;
}

function relative(file: string, runDir: string): string {
	if (runDir && file.startsWith(runDir)) {
		const rest = file.slice(runDir.length).replace(/^[/\\]+/, '');
		if (rest) return rest;
	}
	return file;
}

function finalScreen(state: TuiState, width: number, budget: number, ctx: ViewContext): Block[] {
	const final = state.final!;
	const summary = final.summary;
	const {color} = ctx;
	const started = Date.parse(summary.startedAt);
	const finished = summary.finishedAt ? Date.parse(summary.finishedAt) : NaN;
	const took = Number.isFinite(started) && Number.isFinite(finished) ? ` in ${fmtDuration((finished - started) / 1000)}` : '';
	const title = line(
		[
			s('qpscope', {bold: true, fg: 'cyan'}),
			' ',
			s(stripControl(summary.runName), {bold: true}),
			` · ${summary.status}${took}`,
		],
		width,
		color,
	);
	const sentence = wrapWords(answerSentence(summary), width).map((l) => line([s(l, {bold: true})], width, color));
	const subject = rankApps(summary.apps)[0];
	const reasons = summary.apps
		.filter((a) => a !== subject && (a.status === 'skipped' || a.status === 'failed') && a.reason)
		.flatMap((a) => wrapWords(`${stripControl(a.label)} ${a.status}: ${safe(a.reason!)}`, width));
	const notes = summary.notes.flatMap((n) => wrapWords(`Note: ${safe(n)}`, width)).map((l) => line([s(l, {dim: true})], width, color));
	const files = final.files.map((f) => stripControl(relative(f, final.runDir)));
	const dir = stripControl(final.runDir);
	const fileLines = files.length === 0 ? [] : wrapWords(`Results in ${dir || '.'}: ${files.join(' · ')}`, width);

	const model = answerTableModel(summary, width);
	let table: Block;
	if (tableWidth(model.columns, model.rows) <= width) table = {kind: 'table', key: 'answer', model};
	else table = lines('answer', plainTable(model, width));
	// Keep the frame shorter than the terminal: the table falls back to plain rows, then notes and files shrink.
	const fixed = () => 1 + sentence.length + reasons.length + 1;
	if (table.kind === 'table' && fixed() + blockHeight(table) + fileLines.length > budget) table = lines('answer', plainTable(model, width));
	let roomForRest = budget - fixed() - blockHeight(table);
	const keptFiles = fileLines.slice(0, Math.max(1, roomForRest));
	roomForRest -= keptFiles.length;
	const keptNotes = notes.slice(0, Math.max(0, roomForRest));

	const blocks: Block[] = [lines('title', [title]), table, lines('sentence', [...sentence, ...reasons.map((r) => line([r], width, color))])];
	if (keptNotes.length > 0) blocks.push(lines('notes', keptNotes));
	if (keptFiles.length > 0) blocks.push(lines('files', ['', ...keptFiles.map((l) => line([l], width, color))]));
	return blocks.filter((b) => blockHeight(b) > 0);
}

/** A table as plain aligned rows (one line per row): for when the boxed table does not fit. */
function plainTable(model: TableModel, width: number): string[] {
	const widths = model.columns.map((c) => Math.max(c.length, ...model.rows.map((r) => (r[c] ?? '').length)));
	const row = (cells: string[]) =>
		cells
			.map((cell, i) => (model.right.has(model.columns[i]!) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
			.join('  ')
			.trimEnd();
	const out = [row(model.columns), ...model.rows.map((r) => row(model.columns.map((c) => r[c] ?? '')))];
	return out.map((l) => line([l], width, false));
}
