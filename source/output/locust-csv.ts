// Locust-compatible CSV files: Locust's exact headers and number formats, so tools made for Locust read them.
// Our rows: `POST,/invocations (stream)` (full-stream latency of successful streams), `CUSTOM,TTFT`, and
// `,Aggregated`, which counts requests only (the TTFT row is a measurement of the same requests, not more
// requests), so QPS is never doubled as the legacy scripts doubled it.
import type {FailureCount, WindowView} from '../types.ts';

export const PERCENTILES = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100];
const PCT_HEADERS = ['50%', '66%', '75%', '80%', '90%', '95%', '98%', '99%', '99.9%', '99.99%', '100%'];

export const STATS_HEADER = [
	'Type', 'Name', 'Request Count', 'Failure Count', 'Median Response Time', 'Average Response Time', 'Min Response Time',
	'Max Response Time', 'Average Content Size', 'Requests/s', 'Failures/s', ...PCT_HEADERS,
];
export const HISTORY_HEADER = [
	'Timestamp', 'User Count', 'Type', 'Name', 'Requests/s', 'Failures/s', ...PCT_HEADERS, 'Total Request Count',
	'Total Failure Count', 'Total Median Response Time', 'Total Average Response Time', 'Total Min Response Time',
	'Total Max Response Time', 'Total Average Content Size',
];
export const FAILURES_HEADER = ['Method', 'Name', 'Error', 'Occurrences'];
export const EXCEPTIONS_HEADER = ['Count', 'Message', 'Traceback', 'Nodes'];

export const REQUEST_TYPE = 'POST';
export const REQUEST_NAME = '/invocations (stream)';

/** Python's csv module writes \r\n; so does Locust. */
const EOL = '\r\n';

/**
 * One CSV cell. Text from servers is untrusted: quote what needs quoting, and prefix a cell that a
 * spreadsheet would read as a formula (= + - @, tab, CR) with an apostrophe.
 */
export function cell(value: string | number | null | undefined): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'number') return String(value);
	let text = value;
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function row(values: Array<string | number | null | undefined>): string {
	return values.map(cell).join(',') + EOL;
}

export function header(names: string[]): string {
	return names.join(',') + EOL;
}

const int = (ms: number | null) => (ms === null ? 0 : Math.round(ms));
/** Locust prints percentiles as integers, N/A when there is no request. */
function percentileCells(view: WindowView, hist: 'latency' | 'ttft'): Array<string | number> {
	if (view.count(hist) === 0) return PERCENTILES.map(() => 'N/A');
	return PERCENTILES.map((p) => int(view.percentile(hist, p)));
}

interface RowSource {
	type: string;
	name: string;
	requests: number;
	failures: number;
	hist: 'latency' | 'ttft';
	contentBytes: number;
}

function sources(view: WindowView): RowSource[] {
	const request: RowSource = {type: REQUEST_TYPE, name: REQUEST_NAME, requests: view.completed, failures: view.failures, hist: 'latency', contentBytes: view.bytes};
	const ttft: RowSource = {type: 'CUSTOM', name: 'TTFT', requests: view.count('ttft'), failures: 0, hist: 'ttft', contentBytes: 0};
	const aggregated: RowSource = {...request, type: '', name: 'Aggregated'};
	return [request, ttft, aggregated];
}

/** `results_stats.csv` for a whole ramp lasting `seconds`. */
export function statsCsv(view: WindowView, seconds: number): string {
	let out = header(STATS_HEADER);
	for (const s of sources(view)) {
		const has = view.count(s.hist) > 0;
		out += row([
			s.type,
			s.name,
			s.requests,
			s.failures,
			int(view.percentile(s.hist, 50)),
			has ? (view.mean(s.hist) ?? 0) : 0,
			has ? (view.min(s.hist) ?? 0) : 0,
			has ? (view.max(s.hist) ?? 0) : 0,
			s.requests > 0 ? s.contentBytes / s.requests : 0,
			seconds > 0 ? s.requests / seconds : 0,
			seconds > 0 ? s.failures / seconds : 0,
			...percentileCells(view, s.hist),
		]);
	}
	return out;
}

/** The rows of `results_stats_history.csv` for one second: rates and percentiles of that second, totals so far. */
export function historyRows(unixS: number, users: number, second: WindowView, total: WindowView): string {
	const totals = sources(total);
	let out = '';
	sources(second).forEach((s, i) => {
		const t = totals[i]!;
		const has = total.count(t.hist) > 0;
		out += row([
			unixS,
			users,
			s.type,
			s.name,
			s.requests.toFixed(6),
			s.failures.toFixed(6),
			...percentileCells(second, s.hist),
			t.requests,
			t.failures,
			int(total.percentile(t.hist, 50)),
			has ? (total.mean(t.hist) ?? 0) : 0,
			has ? (total.min(t.hist) ?? 0) : 0,
			has ? (total.max(t.hist) ?? 0) : 0,
			t.requests > 0 ? t.contentBytes / t.requests : 0,
		]);
	});
	return out;
}

export function failuresCsv(failures: FailureCount[]): string {
	let out = header(FAILURES_HEADER);
	for (const f of failures) out += row([REQUEST_TYPE, REQUEST_NAME, `${f.outcome}: ${f.message}`, f.count]);
	return out;
}

export function exceptionsCsv(): string {
	return header(EXCEPTIONS_HEADER);
}
