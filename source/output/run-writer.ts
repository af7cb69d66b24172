// Writes the run folder as the run goes, from engine events alone: the history each second, a step's row
// when it ends, summary.json after every step, so a crash keeps what was measured.
//
// <results-dir>/<run-name>/
//   test_config.json   every parameter, never a secret
//   summary.json       the answer and every step (schema: RunSummary in source/types.ts)
//   run.log            phases, steps, warnings
//   <label>/results_stats.csv, results_stats_history.csv, results_failures.csv, results_exceptions.csv (Locust)
//   <label>/steps.csv  one row per step
import fs from 'node:fs';
import path from 'node:path';
import {redact} from '../auth/secrets.ts';
import {stripControl} from '../ui/sanitize.ts';
import {bestApp, maxQpsStep, saturatedAtUsers} from '../analysis/answer.ts';
import type {AppSummary, EngineEvent, PublicConfig, RunSummary, StepSummary, WindowView} from '../types.ts';
import {VERSION} from '../version.ts';
import {exceptionsCsv, failuresCsv, header, historyRows, HISTORY_HEADER, row, statsCsv} from './locust-csv.ts';

export const STEPS_HEADER = [
	'step', 'users', 'seconds', 'requests', 'successes', 'failures', 'failure_rate', 'qps', 'success_qps',
	'ttft_p50_ms', 'ttft_p95_ms', 'ttft_p99_ms', 'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms',
	'ttfb_p50_ms', 'ttfb_p95_ms', 'itl_p50_ms', 'itl_p95_ms', 'itl_p99_ms', 'chunks_per_response',
	'untrusted', 'partial', 'passed', 'failed_checks', 'untrusted_reason',
];

const round = (x: number | null, digits = 1) => (x === null ? null : Number(x.toFixed(digits)));

export function stepRow(s: StepSummary): string {
	return row([
		s.index, s.users, round(s.seconds, 2), s.requests, s.successes, s.failures, round(s.failureRate, 5), round(s.qps, 3), round(s.successQps, 3),
		round(s.ttftMs.p50), round(s.ttftMs.p95), round(s.ttftMs.p99), round(s.latencyMs.p50), round(s.latencyMs.p95), round(s.latencyMs.p99),
		round(s.ttfbMs.p50), round(s.ttfbMs.p95), round(s.itlMs.p50), round(s.itlMs.p95), round(s.itlMs.p99), round(s.chunksPerResponse, 2),
		s.untrusted ? 'true' : 'false', s.partial ? 'true' : 'false', s.passed ? 'true' : 'false', s.failedChecks.join('; '), s.untrustedReason ?? '',
	]);
}

/** Writes through a temporary file and a rename: a reader never sees half a file. */
export function writeAtomic(file: string, text: string): void {
	const tmp = `${file}.tmp-${process.pid}`;
	try {
		fs.writeFileSync(tmp, text);
		fs.renameSync(tmp, file);
	} catch (error) {
		fs.rmSync(tmp, {force: true});
		throw error;
	}
}

/**
 * Picks the run folder: `<results>/<name>`, or `<name>-2`, `-3`… when it exists (never overwrites).
 * Creates it. Returns the folder and, when suffixed, a sentence saying so.
 */
export function createRunDir(resultsDir: string, runName: string): {dir: string; note: string | null} {
	fs.mkdirSync(resultsDir, {recursive: true});
	let name = runName;
	for (let n = 2; ; n++) {
		const dir = path.join(resultsDir, name);
		try {
			fs.mkdirSync(dir);
			return {dir, note: name === runName ? null : `run folder ${path.join(resultsDir, runName)} exists: writing to ${dir}`};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			name = `${runName}-${n}`;
		}
	}
}

interface AppState {
	label: string;
	url: string;
	computeSize: string;
	dir: string;
	steps: StepSummary[];
	total: WindowView | null;
	rampSeconds: number;
	startedAt: string;
	final: AppSummary | null;
}

export class RunWriter {
	private readonly apps = new Map<string, AppState>();
	private order: string[] = [];
	private runName = '';
	private startedAt = new Date().toISOString();
	readonly files = new Set<string>();
	/** The first write error; later ones are the same story. */
	error: Error | null = null;

	constructor(
		readonly dir: string,
		private readonly config: PublicConfig,
		private readonly onError: (message: string) => void = () => {},
	) {}

	private guard(what: string, fn: () => void): void {
		try {
			fn();
		} catch (error) {
			if (!this.error) {
				this.error = error as Error;
				this.onError(`cannot write ${what}: ${(error as Error).message}`);
			}
		}
	}

	private write(file: string, text: string): void {
		writeAtomic(file, text);
		this.files.add(file);
	}

	private append(file: string, text: string): void {
		fs.appendFileSync(file, text);
		this.files.add(file);
	}

	log(message: string): void {
		this.guard('run.log', () => this.append(path.join(this.dir, 'run.log'), `${new Date().toISOString()} ${redact(stripControl(message))}\n`));
	}

	writeConfig(extra: Record<string, unknown> = {}): void {
		this.guard('test_config.json', () => this.write(path.join(this.dir, 'test_config.json'), `${redact(JSON.stringify({...this.config, ...extra}, null, 2))}\n`));
	}

	readonly observe = (event: EngineEvent): void => {
		switch (event.type) {
			case 'runStarted': {
				this.runName = event.runName;
				this.startedAt = event.startedAt;
				this.order = event.apps.map((a) => a.label);
				for (const a of event.apps) {
					const dir = path.join(this.dir, a.label);
					this.apps.set(a.label, {label: a.label, url: a.url, computeSize: a.computeSize, dir, steps: [], total: null, rampSeconds: 0, startedAt: event.startedAt, final: null});
				}
				this.log(`run ${event.runName} started: ${event.apps.length} app(s); auth: ${event.auth}`);
				this.writeSummary('running');
				break;
			}
			case 'appStarted': {
				const app = this.apps.get(event.app.label);
				if (!app) break;
				app.startedAt = new Date().toISOString();
				app.computeSize = event.app.computeSize;
				this.guard(`${app.label}/`, () => {
					fs.mkdirSync(app.dir, {recursive: true});
					this.write(path.join(app.dir, 'results_stats_history.csv'), header(HISTORY_HEADER));
					this.write(path.join(app.dir, 'steps.csv'), header(STEPS_HEADER));
					this.write(path.join(app.dir, 'results_failures.csv'), failuresCsv([]));
					this.write(path.join(app.dir, 'results_exceptions.csv'), exceptionsCsv());
				});
				this.log(`[${app.label}] app ${event.index + 1}/${event.total}: ${app.url} (compute size ${app.computeSize})`);
				break;
			}
			case 'phase':
				this.log(`[${event.label}] ${event.phase}: ${event.message}`);
				break;
			case 'tick': {
				const app = this.apps.get(event.snapshot.label);
				if (!app) break;
				app.total = event.total;
				app.rampSeconds = event.snapshot.elapsedS;
				this.guard(`${app.label}/results_stats_history.csv`, () =>
					this.append(path.join(app.dir, 'results_stats_history.csv'), historyRows(event.unixS, event.snapshot.users, event.second, event.total)),
				);
				break;
			}
			case 'stepFinished': {
				const app = this.apps.get(event.label);
				if (!app) break;
				app.steps.push(event.step);
				const s = event.step;
				this.guard(`${app.label}/steps.csv`, () => this.append(path.join(app.dir, 'steps.csv'), redact(stepRow(s))));
				this.writeLocust(app);
				this.log(
					`[${app.label}] step ${s.index} ${s.users} users${s.partial ? ' (partial)' : ''}: ${s.successQps.toFixed(2)} success QPS, ${s.qps.toFixed(2)} QPS, TTFT p95 ${fmt(s.ttftMs.p95)}, latency p95 ${fmt(s.latencyMs.p95)}, failures ${(s.failureRate * 100).toFixed(2)}%${s.passed ? '' : ` — fails: ${s.failedChecks.join('; ')}`}${s.untrusted ? ` — UNTRUSTED: ${s.untrustedReason}` : ''}`,
				);
				this.writeSummary('running');
				break;
			}
			case 'appFinished': {
				const app = this.apps.get(event.app.label);
				if (!app) break;
				app.final = event.app;
				this.writeLocust(app);
				this.log(`[${app.label}] ${event.app.status}${event.app.reason ? `: ${event.app.reason}` : ''}; max QPS ${event.app.maxQps === null ? 'none' : event.app.maxQps.toFixed(2)}`);
				this.writeSummary('running');
				break;
			}
			case 'warning':
				this.log(`WARNING ${event.label ? `[${event.label}] ` : ''}${event.message}`);
				break;
			case 'runFinished':
				break;
		}
	};

	private writeLocust(app: AppState): void {
		const failures = app.final?.failures ?? mergeFailures(app.steps);
		this.guard(`${app.label}/results_*.csv`, () => {
			fs.mkdirSync(app.dir, {recursive: true});
			if (app.total) this.write(path.join(app.dir, 'results_stats.csv'), statsCsv(app.total, app.rampSeconds));
			this.write(path.join(app.dir, 'results_failures.csv'), redact(failuresCsv(failures)));
		});
	}

	/** The summary so far: finished apps as the engine summarised them, running ones from their steps. */
	current(status: RunSummary['status']): RunSummary {
		const apps: AppSummary[] = this.order.map((label) => {
			const a = this.apps.get(label)!;
			if (a.final) return a.final;
			const best = maxQpsStep(a.steps);
			const t = a.total;
			const p = (h: 'ttft' | 'latency') => ({p50: t?.percentile(h, 50) ?? null, p95: t?.percentile(h, 95) ?? null, p99: t?.percentile(h, 99) ?? null});
			return {
				label,
				url: a.url,
				computeSize: a.computeSize,
				status: a.steps.length > 0 || t ? 'running' : 'pending',
				reason: null,
				maxQps: best?.successQps ?? null,
				maxQpsUsers: best?.users ?? null,
				saturatedAtUsers: saturatedAtUsers(a.steps),
				totalRequests: t?.completed ?? 0,
				failedRequests: t?.failures ?? 0,
				ttftMs: p('ttft'),
				latencyMs: p('latency'),
				steps: a.steps,
				failures: mergeFailures(a.steps),
				startedAt: a.startedAt,
				finishedAt: null,
			};
		});
		const top = bestApp(apps);
		const best: RunSummary['best'] = top && top.maxQps !== null ? {label: top.label, maxQps: top.maxQps, maxQpsUsers: top.maxQpsUsers} : null;
		return {
			schemaVersion: 1,
			tool: {name: 'qpscope', version: VERSION},
			source: 'qpscope',
			runName: this.runName,
			startedAt: this.startedAt,
			finishedAt: null,
			status,
			config: this.config,
			best,
			apps,
			notes: [],
		};
	}

	writeSummary(status: RunSummary['status'], final?: RunSummary): void {
		const summary = final ?? this.current(status);
		this.guard('summary.json', () => this.write(path.join(this.dir, 'summary.json'), `${redact(JSON.stringify(summary, null, 2))}\n`));
	}
}

function mergeFailures(steps: StepSummary[]) {
	const map = new Map<string, {outcome: StepSummary['failuresByMessage'][number]['outcome']; message: string; count: number}>();
	for (const s of steps) {
		for (const f of s.failuresByMessage) {
			const key = `${f.outcome}\u0000${f.message}`;
			const e = map.get(key);
			if (e) e.count += f.count;
			else map.set(key, {...f});
		}
	}
	return [...map.values()].sort((a, b) => b.count - a.count);
}

function fmt(ms: number | null): string {
	return ms === null ? '-' : `${Math.round(ms)} ms`;
}
