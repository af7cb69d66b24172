// Reads a run folder written by the older Python/Locust scripts (`test_config.json` +
// `<label>/results_stats.csv`, `results_stats_history.csv`, `results_failures.csv`, `results_exceptions.csv`)
// into qpscope's RunSummary, correcting what the legacy numbers got wrong:
//  1. `Aggregated` counts each stream twice when a `CUSTOM,TTFT` row exists: stream counts come from the POST
//     row, and history counts (which hold only Aggregated rows) are divided by Aggregated/POST (= 2).
//  2. POST response times stop at the response headers: they are TTFB, never latency (latency stays null).
//  3. History percentiles are cumulative since the start and Requests/s is a trailing window: per-step QPS is
//     recomputed from Total Request Count differences; per-step percentiles are unknown (null).
//  4. TTFT was taken at the first SSE event of any type, not the first text delta.
// Every correction is listed in `notes` as a plain sentence.
import {readFile, readdir, stat} from 'node:fs/promises';
import path from 'node:path';
import type {AppSummary, FailureCount, Outcome, Pcts, PublicConfig, RunSummary, StepSummary} from '../types.ts';
import {UsageError} from '../config/errors.ts';

/** AppSummary plus the whole-run time to first byte that only a legacy run has (the POST row's response times). */
export interface LegacyAppSummary extends AppSummary {
	ttfbMs: {p50: number | null; p95: number | null; p99: number | null};
}

/** A step's QPS must rise by at least this much for the next step not to count as saturated. */
export const SATURATION_GAIN = 0.05;
/** The legacy scripts recorded no failure-rate limit: steps above this rate are marked as not passed. */
const ASSUMED_MAX_FAILURE_RATE = 0.01;

const nullPcts = (): Pcts => ({p50: null, p95: null, p99: null});

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	let i = 0;
	if (text.charCodeAt(0) === 0xfeff) i = 1;
	for (; i < text.length; i++) {
		const c = text[i]!;
		if (quoted) {
			if (c === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i++;
				} else {
					quoted = false;
				}
			} else {
				field += c;
			}
		} else if (c === '"') {
			quoted = true;
		} else if (c === ',') {
			row.push(field);
			field = '';
		} else if (c === '\n' || c === '\r') {
			if (c === '\r' && text[i + 1] === '\n') i++;
			row.push(field);
			field = '';
			if (row.length > 1 || row[0] !== '') rows.push(row);
			row = [];
		} else {
			field += c;
		}
	}
	if (field !== '' || row.length > 0) {
		row.push(field);
		if (row.length > 1 || row[0] !== '') rows.push(row);
	}
	return rows;
}

type Row = Record<string, string>;

async function readCsvObjects(file: string): Promise<Row[] | null> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw error;
	}
	const [header, ...rows] = parseCsv(text);
	if (!header) return [];
	return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name.trim(), (cells[i] ?? '').trim()])));
}

function num(value: string | undefined): number | null {
	if (value === undefined || value === '' || value === 'N/A') return null;
	const n = Number(value);
	return Number.isFinite(n) ? n : null;
}

async function exists(file: string): Promise<boolean> {
	try {
		await stat(file);
		return true;
	} catch {
		return false;
	}
}

/** The label folders of a legacy run: those listed in test_config.json, then any other folder with results_stats.csv. */
async function legacyLabels(dir: string, config: Record<string, unknown>): Promise<string[]> {
	const labels: string[] = Array.isArray(config.labels) ? config.labels.map(String) : [];
	let entries: string[] = [];
	try {
		entries = (await readdir(dir, {withFileTypes: true})).filter((e) => e.isDirectory()).map((e) => e.name).sort();
	} catch {
		// unreadable folder: only the configured labels
	}
	for (const name of entries) {
		if (!labels.includes(name) && (await exists(path.join(dir, name, 'results_stats.csv')))) labels.push(name);
	}
	return labels;
}

async function readTestConfig(dir: string): Promise<Record<string, unknown> | null> {
	let text: string;
	try {
		text = await readFile(path.join(dir, 'test_config.json'), 'utf8');
	} catch {
		return null;
	}
	try {
		const parsed: unknown = JSON.parse(text);
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
	} catch {
		// fall through
	}
	throw new UsageError(`${path.join(dir, 'test_config.json')} is not a JSON object: fix or remove it`);
}

/** True when `dir` looks like a legacy Locust run: test_config.json and at least one `<label>/results_stats.csv`. */
export async function isLegacyRun(dir: string): Promise<boolean> {
	let config: Record<string, unknown> | null;
	try {
		config = await readTestConfig(dir);
	} catch {
		return false;
	}
	if (!config) return false;
	for (const label of await legacyLabels(dir, config)) {
		if (await exists(path.join(dir, label, 'results_stats.csv'))) return true;
	}
	return false;
}

const isMethod = (type: string) => /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/i.test(type);

interface StatsRow {
	count: number;
	failures: number;
	rps: number | null;
	p50: number | null;
	p95: number | null;
	p99: number | null;
}

function statsRow(row: Row): StatsRow {
	return {
		count: num(row['Request Count']) ?? 0,
		failures: num(row['Failure Count']) ?? 0,
		rps: num(row['Requests/s']),
		p50: num(row['50%']) ?? num(row['Median Response Time']),
		p95: num(row['95%']),
		p99: num(row['99%']),
	};
}

function outcomeOf(message: string): Outcome {
	if (/\b40[13]\b|unauthori[sz]ed|forbidden/i.test(message)) return 'auth_error';
	if (/timed? ?out|timeout/i.test(message)) return 'timeout';
	if (/connection|refused|reset|remotedisconnected|name resolution|dns|broken pipe/i.test(message)) return 'connection_error';
	if (/\[DONE\]/i.test(message)) return 'no_done';
	return 'http_error';
}

const fmt = (n: number, digits = 1) => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

interface AppReading {
	app: LegacyAppSummary;
	/** Facts for the run's notes. */
	factor: number;
	aggregatedRps: number | null;
	postRps: number | null;
	aggregatedCount: number | null;
	postCount: number | null;
	hasTtftRow: boolean;
	missingStreams: number;
	lastStepUsers: number | null;
	exceptions: number;
	customFailures: number;
}

async function readLegacyApp(
	dir: string,
	label: string,
	url: string,
	computeSize: string,
	stepDuration: number | null,
	maxFailureRate: number,
): Promise<AppReading> {
	const folder = path.join(dir, label);
	const base: LegacyAppSummary = {
		label,
		url,
		computeSize,
		status: 'completed',
		reason: null,
		maxQps: null,
		maxQpsUsers: null,
		saturatedAtUsers: null,
		totalRequests: 0,
		failedRequests: 0,
		ttftMs: nullPcts(),
		latencyMs: nullPcts(),
		ttfbMs: nullPcts(),
		steps: [],
		failures: [],
		startedAt: null,
		finishedAt: null,
	};
	const reading: AppReading = {
		app: base,
		factor: 1,
		aggregatedRps: null,
		postRps: null,
		aggregatedCount: null,
		postCount: null,
		hasTtftRow: false,
		missingStreams: 0,
		lastStepUsers: null,
		exceptions: 0,
		customFailures: 0,
	};
	const stats = await readCsvObjects(path.join(folder, 'results_stats.csv'));
	if (!stats) {
		base.status = 'skipped';
		base.reason = `no results in ${label}/ (results_stats.csv is missing)`;
		return reading;
	}
	const requestRows = stats.filter((r) => isMethod(r.Type ?? '') && r.Name !== 'Aggregated');
	// The stream request: the one naming /invocations, else the busiest request row.
	const postRow =
		requestRows.find((r) => /invocations/i.test(r.Name ?? '') && /^POST$/i.test(r.Type ?? '')) ??
		[...requestRows].sort((a, b) => (num(b['Request Count']) ?? 0) - (num(a['Request Count']) ?? 0))[0];
	const ttftRow = stats.find((r) => r.Type === 'CUSTOM' && /^TTFT$/i.test(r.Name ?? ''));
	const aggRow = stats.find((r) => r.Name === 'Aggregated');
	const post = postRow ? statsRow(postRow) : null;
	const agg = aggRow ? statsRow(aggRow) : null;
	const ttft = ttftRow ? statsRow(ttftRow) : null;
	reading.hasTtftRow = Boolean(ttft);
	reading.aggregatedRps = agg?.rps ?? null;
	reading.postRps = post?.rps ?? null;
	reading.aggregatedCount = agg?.count ?? null;
	reading.postCount = post?.count ?? null;

	// How many history (Aggregated) events make one stream.
	let factor = 1;
	if (agg && post && post.count > 0 && agg.count > post.count) factor = agg.count / post.count;
	else if (ttft) factor = 2;
	reading.factor = factor;
	// Share of history failures that were stream (POST) failures.
	const failureShare = agg && agg.failures > 0 && post ? post.failures / agg.failures : 1 / factor;

	if (post) {
		base.totalRequests = post.count;
		base.failedRequests = post.failures;
		base.ttfbMs = {p50: post.p50, p95: post.p95, p99: post.p99};
	}
	if (ttft) base.ttftMs = {p50: ttft.p50, p95: ttft.p95, p99: ttft.p99};

	// Failures by message.
	const failureRows = (await readCsvObjects(path.join(folder, 'results_failures.csv'))) ?? [];
	const byMessage = new Map<string, FailureCount>();
	for (const r of failureRows) {
		const count = num(r.Occurrences) ?? 0;
		if (count <= 0) continue;
		const custom = r.Method === 'CUSTOM';
		if (custom) reading.customFailures += count;
		const message = (custom ? `[${r.Name ?? 'CUSTOM'}] ` : '') + (r.Error ?? '').slice(0, 500);
		const prior = byMessage.get(message);
		if (prior) prior.count += count;
		else byMessage.set(message, {outcome: outcomeOf(message), message, count});
	}
	base.failures = [...byMessage.values()].sort((a, b) => b.count - a.count);
	const exceptionRows = (await readCsvObjects(path.join(folder, 'results_exceptions.csv'))) ?? [];
	reading.exceptions = exceptionRows.reduce((sum, r) => sum + (num(r.Count) ?? 0), 0);

	// Steps from the history.
	const history = await readCsvObjects(path.join(folder, 'results_stats_history.csv'));
	if (!history) {
		base.reason = 'no results_stats_history.csv: per-step figures are unknown';
		return reading;
	}
	interface HRow {
		ts: number;
		users: number;
		total: number;
		failures: number;
	}
	const rows: HRow[] = [];
	for (const r of history) {
		if ((r.Name ?? 'Aggregated') !== 'Aggregated') continue;
		const ts = num(r.Timestamp);
		const users = num(r['User Count']);
		const total = num(r['Total Request Count']);
		if (ts === null || users === null || total === null) continue;
		rows.push({ts, users, total, failures: num(r['Total Failure Count']) ?? 0});
	}
	rows.sort((a, b) => a.ts - b.ts);
	if (rows.length === 0) {
		base.reason = 'results_stats_history.csv has no rows: per-step figures are unknown';
		return reading;
	}
	const t0 = rows[0]!.ts;
	base.startedAt = new Date(t0 * 1000).toISOString();
	const lastRow = rows.at(-1)!;
	// Locust's whole-run Requests/s is count / run length: the run's end, which the history may not reach.
	const runSeconds = post && post.rps && post.rps > 0 ? post.count / post.rps : null;
	const endTs = runSeconds !== null ? Math.max(lastRow.ts, t0 + runSeconds) : lastRow.ts;
	base.finishedAt = new Date(Math.round(endTs * 1000)).toISOString();
	if (agg) reading.missingStreams = Math.max(0, Math.round((agg.count - lastRow.total) / factor));

	// Runs of consecutive rows at one user count; a count held for a single row is a spawn transition.
	const groups: HRow[][] = [];
	for (const row of rows) {
		const current = groups.at(-1);
		if (current && current[0]!.users === row.users) current.push(row);
		else groups.push([row]);
	}
	const steps: StepSummary[] = [];
	let previousEnd = t0;
	for (const group of groups) {
		const first = group[0]!;
		const last = group.at(-1)!;
		const seconds = last.ts - first.ts;
		if (first.users <= 0 || group.length < 2 || seconds <= 0) {
			previousEnd = last.ts;
			continue;
		}
		const events = last.total - first.total;
		const requestsExact = events / factor;
		const failuresExact = Math.max(0, (last.failures - first.failures) * failureShare);
		const successesExact = Math.max(0, requestsExact - failuresExact);
		const requests = Math.round(requestsExact);
		const failures = Math.round(failuresExact);
		const failureRate = requestsExact > 0 ? failuresExact / requestsExact : 0;
		const failedChecks = failureRate > maxFailureRate ? [`failure rate ${(failureRate * 100).toFixed(1)}% > ${fmt(maxFailureRate * 100)}%`] : [];
		steps.push({
			index: steps.length + 1,
			users: first.users,
			seconds,
			startS: previousEnd - t0,
			steadyFromS: first.ts - t0,
			endS: last.ts - t0,
			requests,
			successes: requests - failures,
			failures,
			failureRate,
			qps: requestsExact / seconds,
			successQps: successesExact / seconds,
			ttftMs: nullPcts(),
			latencyMs: nullPcts(),
			ttfbMs: {p50: null, p95: null},
			itlMs: nullPcts(),
			chunksPerResponse: null,
			untrusted: false,
			untrustedReason: null,
			// History rows come once a second: a full step shows stepDuration rows, so stepDuration - 1 seconds between them.
			partial: stepDuration !== null && seconds + 1 < stepDuration - 1,
			passed: failedChecks.length === 0,
			failedChecks,
			failuresByMessage: [],
		});
		previousEnd = last.ts;
	}
	base.steps = steps;
	reading.lastStepUsers = steps.at(-1)?.users ?? null;
	Object.assign(base, maxAndSaturation(steps));
	if (steps.length === 0) base.reason = 'no user count was held for two history rows: no step could be measured';
	return reading;
}

/** maxQps (highest trusted success QPS), its users, and the first step after which adding users raised QPS by < 5%. */
export function maxAndSaturation(steps: StepSummary[]): Pick<AppSummary, 'maxQps' | 'maxQpsUsers' | 'saturatedAtUsers'> {
	let maxQps: number | null = null;
	let maxQpsUsers: number | null = null;
	const trusted = steps.filter((s) => !s.untrusted);
	for (const s of trusted) {
		if (maxQps === null || s.successQps > maxQps) {
			maxQps = s.successQps;
			maxQpsUsers = s.users;
		}
	}
	let saturatedAtUsers: number | null = null;
	for (let i = 0; i + 1 < trusted.length; i++) {
		const a = trusted[i]!;
		const b = trusted[i + 1]!;
		if (b.users > a.users && b.successQps < a.successQps * (1 + SATURATION_GAIN)) {
			saturatedAtUsers = a.users;
			break;
		}
	}
	return {maxQps, maxQpsUsers, saturatedAtUsers};
}

/** Whether the apps' ramps overlapped in time (read from their history timestamps). */
function appsOverlap(apps: AppSummary[]): boolean {
	const spans = apps
		.filter((a) => a.startedAt && a.finishedAt)
		.map((a) => [Date.parse(a.startedAt!), Date.parse(a.finishedAt!)] as const)
		.sort((x, y) => x[0] - y[0]);
	// One second of slack: the next app's 0-user row is often written in the second the previous one ended.
	return spans.some((span, i) => i > 0 && span[0] < spans[i - 1]![1] - 1000);
}

const SECRET_KEY = /token|secret|password|passwd|key|auth|credential|cookie|bearer/i;

function toNumber(value: unknown, fallback: number): number {
	const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
	return Number.isFinite(n) ? n : fallback;
}

/** Reads a legacy Locust run folder into qpscope's RunSummary (source 'legacy-locust', corrections in notes). */
export async function readLegacyRun(dir: string): Promise<RunSummary> {
	const tc = await readTestConfig(dir);
	if (!tc) throw new UsageError(`${dir} has no test_config.json: it is not a legacy Locust run folder`);
	const labels = await legacyLabels(dir, tc);
	const urls: string[] = Array.isArray(tc.app_urls) ? tc.app_urls.map(String) : [];
	const sizes: string[] = Array.isArray(tc.compute_sizes) ? tc.compute_sizes.map((s) => String(s).toLowerCase()) : [];
	const stepDuration = toNumber(tc.step_duration, Number.NaN);

	const readings: AppReading[] = [];
	for (const [i, label] of labels.entries()) {
		readings.push(
			await readLegacyApp(
				dir,
				label,
				urls[i] ?? '',
				sizes[i] || 'unknown',
				Number.isFinite(stepDuration) ? stepDuration : null,
				ASSUMED_MAX_FAILURE_RATE,
			),
		);
	}
	const apps = readings.map((r) => r.app);

	// Run parameters: what test_config.json recorded; the rest was not recorded (listed in notRecorded).
	const notRecorded: string[] = [];
	const pick = (key: string, camel: string, fallback: number) => {
		if (tc[key] === undefined) notRecorded.push(camel);
		return toNumber(tc[key], fallback);
	};
	const extra: Record<string, unknown> = {};
	const known = new Set(['run_name', 'max_users', 'step_size', 'step_duration', 'spawn_rate', 'app_urls', 'labels', 'compute_sizes']);
	for (const [key, value] of Object.entries(tc)) {
		if (known.has(key) || SECRET_KEY.test(key)) continue;
		if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) extra[key] = value;
	}
	const config: PublicConfig = {
		appUrls: urls,
		labels,
		computeSizes: apps.map((a) => a.computeSize),
		maxUsers: pick('max_users', 'maxUsers', 0),
		stepSize: pick('step_size', 'stepSize', 0),
		stepDuration: pick('step_duration', 'stepDuration', 0),
		spawnRate: pick('spawn_rate', 'spawnRate', 0),
		thinkTimeMs: 0,
		warmup: 0,
		maxFailureRate: ASSUMED_MAX_FAILURE_RATE,
		sloTtftP95Ms: null,
		sloLatencyP95Ms: null,
		stopWhenSaturated: false,
		parallelApps: appsOverlap(apps),
		requestTimeoutS: 0,
		idleTimeoutS: 0,
		workers: 1,
		authType: 'unknown',
		...(Object.keys(extra).length > 0 ? {legacyExtra: extra} : {}),
	};
	notRecorded.push('thinkTimeMs', 'warmup', 'maxFailureRate', 'stopWhenSaturated', 'requestTimeoutS', 'idleTimeoutS', 'workers', 'authType');
	config.notRecorded = notRecorded;

	let best: RunSummary['best'] = null;
	for (const app of apps) {
		if (app.maxQps !== null && (best === null || app.maxQps > best.maxQps)) best = {label: app.label, maxQps: app.maxQps, maxQpsUsers: app.maxQpsUsers};
	}
	const starts = apps.map((a) => a.startedAt).filter((s): s is string => s !== null).sort();
	const ends = apps.map((a) => a.finishedAt).filter((s): s is string => s !== null).sort();
	let startedAt = starts[0];
	if (!startedAt) startedAt = (await stat(path.join(dir, 'test_config.json'))).mtime.toISOString();

	return {
		schemaVersion: 1,
		tool: {name: 'qpscope', version: await toolVersion()},
		source: 'legacy-locust',
		runName: typeof tc.run_name === 'string' && tc.run_name ? tc.run_name : path.basename(path.resolve(dir)),
		startedAt,
		finishedAt: ends.at(-1) ?? null,
		status: 'completed',
		config,
		best,
		apps,
		notes: legacyNotes(readings, config),
	};
}

function legacyNotes(readings: AppReading[], config: PublicConfig): string[] {
	const notes: string[] = [
		'Read back from a run of the older Python/Locust scripts (test_config.json and <label>/results_*.csv); the figures were corrected as the notes below say.',
	];
	const doubled = readings.filter((r) => r.hasTtftRow && r.factor > 1);
	if (doubled.length > 0) {
		const detail = doubled
			.map((r) => {
				const rate = r.aggregatedRps !== null && r.postRps !== null ? `, ${fmt(r.aggregatedRps)}/s instead of ${fmt(r.postRps)}/s` : '';
				return `${r.app.label}: Aggregated ${r.aggregatedCount} vs POST ${r.postCount}${rate}`;
			})
			.join('; ');
		const factors = [...new Set(doubled.map((r) => fmt(r.factor, 2)))].join(' / ');
		notes.push(
			`Request counts were doubled: the legacy script recorded TTFT as a CUSTOM "TTFT" request, so Locust's Aggregated row and every history row counted each stream twice (${detail}). Stream counts here come from the POST rows, and history counts and rates were divided by ${factors}.`,
		);
	}
	if (readings.some((r) => r.postCount !== null)) {
		notes.push(
			'The legacy POST response times stop at the response headers, not the end of the stream: they are reported as time to first byte (TTFB, whole run) and full-stream latency is unknown (shown as n/a).',
		);
	}
	notes.push(
		"Per-step figures were recomputed: the history's percentiles are cumulative since the start of the run and its Requests/s is a trailing ~10 s window, so each step's QPS is the rise in Total Request Count between the first and last history rows at that user count, divided by the seconds between them (and by the double count). Per-step TTFT and latency percentiles cannot be recovered and are shown as n/a; the TTFT percentiles given are for the whole run.",
	);
	if (readings.some((r) => r.hasTtftRow)) {
		notes.push(
			'TTFT was taken at the first SSE event of any type (a tool-call or status event counts), not at the first text delta as qpscope measures it, so it can be earlier than the time to the first text.',
		);
	}
	notes.push(
		"Steps are the user counts held for at least two history rows; the 0-user row and spawn transitions are skipped. The legacy scripts did not record the load generator's own health, so no step could be flagged as untrusted.",
	);
	notes.push(
		'Max QPS is the highest per-step successful-stream rate; saturation is the first step after which adding users raised it by less than 5% (qpscope also asks for rising latency there, which these files cannot show).',
	);
	const gaps = readings.filter((r) => r.missingStreams > 0 && r.app.steps.length > 0);
	if (gaps.length > 0) {
		const maxUsers = typeof config.maxUsers === 'number' ? config.maxUsers : 0;
		const tail = gaps
			.map((r) => {
				const last = r.lastStepUsers;
				const stepSize = typeof config.stepSize === 'number' && config.stepSize > 0 ? config.stepSize : 0;
				let after = '';
				if (last !== null && maxUsers > last) {
					after = maxUsers - last === stepSize ? `, probably the ${maxUsers}-user step` : `, probably the steps after ${last} users up to ${maxUsers}`;
				}
				return `${r.app.label}: ${r.missingStreams} streams${after}`;
			})
			.join('; ');
		notes.push(
			`results_stats_history.csv ends before the run did: some streams are in the whole-run totals but in no step (${tail}).`,
		);
	}
	const custom = readings.filter((r) => r.customFailures > 0);
	if (custom.length > 0) {
		notes.push(
			`Some failures were recorded on the CUSTOM TTFT event rather than the request (${custom.map((r) => `${r.app.label}: ${r.customFailures}`).join('; ')}); they are listed with a [TTFT] prefix and may repeat a request failure.`,
		);
	}
	const exc = readings.filter((r) => r.exceptions > 0);
	if (exc.length > 0) {
		notes.push(
			`The test script itself raised exceptions (results_exceptions.csv: ${exc.map((r) => `${r.app.label}: ${r.exceptions}`).join('; ')}); they are not counted as failed requests.`,
		);
	}
	const unknown = Array.isArray(config.notRecorded) ? (config.notRecorded as string[]) : [];
	if (unknown.length > 0) {
		const words = unknown.map((key) => PARAMETER_WORDS[key] ?? key);
		const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : words[0];
		notes.push(
			`test_config.json did not record the ${list}: those run parameters are shown as "not recorded", and a step is marked as not passed above a ${fmt(ASSUMED_MAX_FAILURE_RATE * 100)}% failure rate.`,
		);
	}
	return notes;
}

const PARAMETER_WORDS: Record<string, string> = {
	maxUsers: 'maximum users',
	stepSize: 'step size',
	stepDuration: 'step duration',
	spawnRate: 'spawn rate',
	thinkTimeMs: 'think time',
	warmup: 'warm-up',
	maxFailureRate: 'failure-rate limit',
	stopWhenSaturated: 'stop-when-saturated setting',
	requestTimeoutS: 'request timeout',
	idleTimeoutS: 'idle timeout',
	workers: 'load-generator processes',
	authType: 'authentication',
};

let versionCache: string | null = null;
async function toolVersion(): Promise<string> {
	if (versionCache !== null) return versionCache;
	try {
		const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {version?: unknown};
		versionCache = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
	} catch {
		versionCache = '0.0.0';
	}
	return versionCache;
}
