// The two tables (finished steps, the final answer), drawn with @alcalzone/ink-table. The models are pure
// functions that pick rows and columns so the table fits the width; the components only draw them.
import React from 'react';
import {Box, Text} from 'ink';
import {Table} from '@alcalzone/ink-table';
import type {RunSummary, StepSummary} from '../../types.ts';
import {answerRows, fmtMs, fmtPct, fmtQps} from '../answer.ts';
import {fitText, stripControl} from '../sanitize.ts';
import {bestStepIndex} from './state.ts';
import {safe} from './text.ts';

export type Row = Record<string, string>;

export interface TableModel {
	columns: string[];
	/** Right-aligned columns. */
	right: Set<string>;
	rows: Row[];
	/** Finished rows left out to fit the height. */
	hidden: number;
}

/** Lines a DenseTable draws for n rows: top, heading, separator, the rows, bottom. */
export function tableHeight(rows: number): number {
	return rows > 0 ? 4 + rows : 0;
}

/** Columns ink-table draws: each max(heading, cells) + 2, plus a border between and around. */
export function tableWidth(columns: readonly string[], rows: readonly Row[]): number {
	let w = columns.length + 1;
	for (const c of columns) w += Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)) + 2;
	return w;
}

/** Drop columns in `dropOrder` until the table fits; then cut `shrink` cells to what is left. */
function fit(columns: string[], rows: Row[], width: number, dropOrder: readonly string[], shrink: string | null): string[] {
	let cols = columns.slice();
	if (shrink && cols.includes(shrink)) {
		const others = cols.filter((c) => c !== shrink);
		const room = width - tableWidth(others, rows) - 3;
		if (room >= Math.max(8, shrink.length)) {
			for (const r of rows) r[shrink] = fitText(r[shrink] ?? '', room);
			if (rows.every((r) => (r[shrink] ?? '') === '')) cols = others;
		} else {
			cols = others;
		}
	}
	for (const d of dropOrder) {
		if (tableWidth(cols, rows) <= width) break;
		cols = cols.filter((c) => c !== d);
	}
	return cols;
}

export function stepMark(step: StepSummary, best: boolean): string {
	let mark = best ? '★' : '';
	if (step.untrusted || !step.passed) mark += '!';
	if (step.partial) mark += '~';
	return mark;
}

function stepNote(step: StepSummary): string {
	const notes: string[] = [];
	if (step.untrusted) notes.push(step.untrustedReason ? `untrusted: ${step.untrustedReason}` : 'untrusted: generator saturated');
	if (!step.passed) notes.push(...step.failedChecks);
	if (step.partial) notes.push('partial step');
	return safe(notes.join('; '));
}

const STEP_FULL = ['#', 'users', 'QPS', 'ok QPS', 'TTFT p50', 'TTFT p95', 'lat p50', 'lat p95', 'fail %', 'failed', ' ', 'note'];
const STEP_COMPACT = ['#', 'users', 'QPS', 'ok QPS', 'TTFT p95', 'lat p95', 'fail %', ' '];
const STEP_DROP = ['failed', 'lat p50', 'TTFT p50', 'QPS', 'lat p95', '#'];

/** The finished steps, the last `maxRows` of them, the best one kept in view. */
export function stepTableModel(steps: readonly StepSummary[], opts: {width: number; maxRows: number; full: boolean}): TableModel {
	const best = bestStepIndex(steps);
	const maxRows = Math.max(0, opts.maxRows);
	let picked: number[] = maxRows === 0 ? [] : steps.map((_, i) => i).slice(-maxRows);
	if (best >= 0 && picked.length > 0 && !picked.includes(best)) picked = [best, ...picked.slice(1)];
	const rows: Row[] = picked.map((i) => {
		const st = steps[i]!;
		return {
			'#': String(st.index),
			users: String(st.users),
			QPS: fmtQps(st.qps),
			'ok QPS': fmtQps(st.successQps),
			'TTFT p50': fmtMs(st.ttftMs.p50),
			'TTFT p95': fmtMs(st.ttftMs.p95),
			'lat p50': fmtMs(st.latencyMs.p50),
			'lat p95': fmtMs(st.latencyMs.p95),
			'fail %': fmtPct(st.failureRate),
			failed: String(st.failures),
			' ': stepMark(st, i === best),
			note: stepNote(st),
		};
	});
	const columns = fit(opts.full ? STEP_FULL : STEP_COMPACT, rows, opts.width, STEP_DROP, opts.full ? 'note' : null);
	return {
		columns,
		right: new Set(['#', 'users', 'QPS', 'ok QPS', 'TTFT p50', 'TTFT p95', 'lat p50', 'lat p95', 'fail %', 'failed']),
		rows,
		hidden: steps.length - rows.length,
	};
}

const ANSWER_COMPACT_KEYS: Record<string, string> = {
	app: 'app',
	compute: 'size',
	status: 'status',
	'max QPS': 'max QPS',
	'users at max': 'at users',
	'saturated at': 'saturated',
	'TTFT p95 at max': 'TTFT p95',
};

/** The answer table, best app first, narrowed to the width. */
export function answerTableModel(summary: RunSummary, width: number): TableModel {
	const full: Row[] = answerRows(summary).map((r) => ({...r, app: fitText(r.app, 24)}));
	const fullCols = Object.keys(ANSWER_COMPACT_KEYS);
	if (tableWidth(fullCols, full) <= width) {
		return {columns: fullCols, right: new Set(['max QPS', 'users at max', 'saturated at', 'TTFT p95 at max']), rows: full, hidden: 0};
	}
	const rows: Row[] = full.map((r) => {
		const out: Row = {};
		for (const [k, v] of Object.entries(ANSWER_COMPACT_KEYS)) out[v] = k === 'saturated at' ? (r[k] ?? '').replace(' users', '') : (r[k] ?? '');
		out.app = fitText(out.app ?? '', 16);
		return out;
	});
	const columns = fit(Object.values(ANSWER_COMPACT_KEYS), rows, width, ['size', 'TTFT p95', 'status'], null);
	return {columns, right: new Set(['max QPS', 'at users', 'saturated', 'TTFT p95']), rows, hidden: 0};
}

/** ink-table without the rule between every two rows: half the height, same look otherwise. */
class DenseTable extends Table<Row> {
	override render() {
		const columns = this.getColumns();
		const headings = this.getHeadings();
		return (
			<Box flexDirection="column">
				{this.header({key: 'header', columns, data: {}})}
				{this.heading({key: 'heading', columns, data: headings})}
				{this.separator({key: 'separator', columns, data: {}})}
				{this.props.data.map((row, i) => (
					<React.Fragment key={`row-${i}`}>{this.data({key: `data-${i}`, columns, data: row})}</React.Fragment>
				))}
				{this.footer({key: 'footer', columns, data: {}})}
			</Box>
		);
	}
}

function makeParts(color: boolean) {
	return {
		header: ({children}: React.PropsWithChildren) => (color ? <Text bold color="blue">{children}</Text> : <Text>{children}</Text>),
		cell: ({children}: React.PropsWithChildren<{column: number}>) => <Text>{children}</Text>,
		skeleton: ({children}: React.PropsWithChildren) => (color ? <Text dimColor>{children}</Text> : <Text>{children}</Text>),
	};
}

const PARTS = {color: makeParts(true), plain: makeParts(false)};

export function ModelTable({model, color}: {model: TableModel; color: boolean}) {
	if (model.rows.length === 0) return null;
	const parts = color ? PARTS.color : PARTS.plain;
	const columns = model.columns.map((key) => ({key, align: model.right.has(key) ? ('right' as const) : ('left' as const)}));
	return (
		<DenseTable
			key={color ? 'c' : 'p'}
			data={model.rows}
			columns={columns}
			header={parts.header}
			cell={parts.cell}
			skeleton={parts.skeleton}
		/>
	);
}
