// Made-up engine output for the TUI's tests and demo: builders of realistic Snapshot / StepSummary /
// AppSummary / RunSummary objects, and a fake engine that replays a ramp against a simple capacity model.
import type {
	AppPlan,
	AppSummary,
	EngineEvent,
	EngineEvents,
	EngineListener,
	FailureCount,
	PublicConfig,
	RunControl,
	RunSummary,
	Snapshot,
	StepSummary,
	WindowView,
} from '../../types.ts';

/** A window with fixed figures (the engine's live histograms, faked). */
export function fakeWindow(completed: number, failures: number, ttftP95: number | null = null): WindowView {
	const pct = (p: number) => (ttftP95 === null ? null : (ttftP95 * p) / 95);
	return {
		completed,
		successes: completed - failures,
		failures,
		bytes: completed * 4000,
		chunks: completed * 80,
		percentile: (_h, p) => pct(p),
		mean: () => pct(50),
		min: () => pct(5),
		max: () => pct(100),
		count: () => completed,
	};
}

/** A tick event around a snapshot. */
export function tickOf(snapshot: Snapshot): EngineEvent {
	return {
		type: 'tick',
		snapshot,
		unixS: 1_735_725_600 + snapshot.second.t,
		second: fakeWindow(snapshot.second.completed, snapshot.second.failures, snapshot.second.ttftMs.p95),
		total: fakeWindow(snapshot.step.requests, snapshot.step.failures, snapshot.step.ttftMs.p95),
	};
}

export function makeStep(over: Partial<StepSummary> & {index: number; users: number}): StepSummary {
	const qps = over.qps ?? over.users * 0.45;
	const failures = over.failures ?? 0;
	const seconds = over.seconds ?? 30;
	const requests = over.requests ?? Math.round(qps * seconds);
	return {
		seconds,
		startS: (over.index - 1) * 40,
		steadyFromS: (over.index - 1) * 40 + 10,
		endS: over.index * 40,
		requests,
		successes: requests - failures,
		failures,
		failureRate: requests > 0 ? failures / requests : 0,
		qps,
		successQps: qps * (requests > 0 ? (requests - failures) / requests : 1),
		ttftMs: {p50: 220, p95: 480, p99: 700},
		latencyMs: {p50: 1900, p95: 2600, p99: 3100},
		ttfbMs: {p50: 120, p95: 300},
		itlMs: {p50: 18, p95: 40, p99: 70},
		chunksPerResponse: 85,
		untrusted: false,
		untrustedReason: null,
		partial: false,
		passed: true,
		failedChecks: [],
		failuresByMessage: [],
		...over,
	};
}

export function makeSnapshot(over: Partial<Snapshot> & {label: string}): Snapshot {
	return {
		elapsedS: 75,
		stepIndex: 3,
		stepCount: 10,
		stepUsers: 60,
		stepElapsedS: 12,
		stepDurationS: 40,
		users: 60,
		inFlight: 52,
		second: {
			t: 74,
			users: 60,
			completed: 27,
			successes: 27,
			failures: 0,
			qps: 27,
			successQps: 27,
			ttftMs: {p50: 230, p95: 510, p99: 640},
			latencyMs: {p50: 1950, p95: 2700, p99: 3000},
		},
		step: {
			steady: true,
			requests: 320,
			failures: 0,
			qps: 26.7,
			successQps: 26.7,
			ttftMs: {p50: 225, p95: 495, p99: 650},
			latencyMs: {p50: 1930, p95: 2650, p99: 3050},
		},
		topFailures: [],
		generator: {cpuPct: 38, elu: 0.31, lagMs: 4, rssBytes: 180 * 1024 * 1024},
		etaAppS: 325,
		...over,
	};
}

export function makeAppSummary(over: Partial<AppSummary> & {label: string}): AppSummary {
	return {
		url: `https://${over.label}-1234567890.aws.databricksapps.com`,
		computeSize: 'medium',
		status: 'completed',
		reason: null,
		maxQps: null,
		maxQpsUsers: null,
		saturatedAtUsers: null,
		totalRequests: 0,
		failedRequests: 0,
		ttftMs: {p50: 240, p95: 610, p99: 900},
		latencyMs: {p50: 2000, p95: 2900, p99: 3500},
		steps: [],
		failures: [],
		startedAt: '2025-01-01T10:00:00.000Z',
		finishedAt: '2025-01-01T10:07:00.000Z',
		...over,
	};
}

export function makeConfig(apps: readonly AppPlan[], over: Partial<PublicConfig> = {}): PublicConfig {
	return {
		appUrls: apps.map((a) => a.url),
		labels: apps.map((a) => a.label),
		computeSizes: apps.map((a) => a.computeSize),
		maxUsers: 300,
		stepSize: 20,
		stepDuration: 40,
		spawnRate: 10,
		thinkTimeMs: 0,
		warmup: 5,
		maxFailureRate: 0.01,
		sloTtftP95Ms: null,
		sloLatencyP95Ms: null,
		stopWhenSaturated: false,
		parallelApps: false,
		requestTimeoutS: 120,
		idleTimeoutS: 60,
		workers: 4,
		authType: 'm2m',
		...over,
	};
}

export function makeRunSummary(apps: AppSummary[], over: Partial<RunSummary> = {}): RunSummary {
	const ranked = apps.filter((a) => a.maxQps !== null).sort((a, b) => b.maxQps! - a.maxQps!);
	const best = ranked[0];
	return {
		schemaVersion: 1,
		tool: {name: 'qpscope', version: '0.1.0'},
		source: 'qpscope',
		runName: 'ramp-2025-01-01T10-00',
		startedAt: '2025-01-01T10:00:00.000Z',
		finishedAt: '2025-01-01T10:21:00.000Z',
		status: 'completed',
		config: makeConfig(apps.map((a) => ({label: a.label, url: a.url, computeSize: a.computeSize}))),
		best: best ? {label: best.label, maxQps: best.maxQps!, maxQpsUsers: best.maxQpsUsers} : null,
		apps,
		notes: [],
		...over,
	};
}

/** Max QPS, users at max and saturation point from a ramp's steps, the way the engine reports them. */
export function summarise(steps: readonly StepSummary[]): Pick<AppSummary, 'maxQps' | 'maxQpsUsers' | 'saturatedAtUsers'> {
	let maxQps: number | null = null;
	let maxQpsUsers: number | null = null;
	let saturatedAtUsers: number | null = null;
	for (const st of steps) {
		if (st.passed && !st.untrusted && (maxQps === null || st.successQps > maxQps)) {
			maxQps = st.successQps;
			maxQpsUsers = st.users;
		}
	}
	for (let i = 1; i < steps.length; i++) {
		const prev = steps[i - 1]!;
		const cur = steps[i]!;
		if (!cur.passed || cur.successQps < prev.successQps * 1.05) {
			saturatedAtUsers = prev.users;
			break;
		}
	}
	return {maxQps, maxQpsUsers, saturatedAtUsers};
}

export interface FakeApp extends AppPlan {
	/** QPS the fake app can serve. */
	capacity: number;
}

export interface FakeRunOptions {
	apps: FakeApp[];
	steps: number;
	stepUsers: number;
	stepSeconds: number;
	/** Wall time per simulated second (1000 for real time). */
	tickMs: number;
	runDir?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake engine: emits a ramp per app following a capacity model; obeys stop() and nextApp(). */
export class FakeEngine implements EngineEvents, RunControl {
	private listeners = new Set<EngineListener>();
	private stopped = false;
	private skip = false;

	subscribe(listener: EngineListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	emit(event: EngineEvent): void {
		for (const l of this.listeners) l(event);
	}

	stop(): void {
		this.stopped = true;
	}

	nextApp(): void {
		this.skip = true;
	}

	async run(o: FakeRunOptions): Promise<RunSummary> {
		const runDir = o.runDir ?? 'runs/ramp-2025-01-01T10-00';
		const startedAt = new Date().toISOString();
		this.emit({type: 'runStarted', runName: 'ramp-demo', runDir, apps: o.apps, auth: 'm2m (service principal, token valid 58 min)', startedAt, stepCount: o.steps});
		const summaries: AppSummary[] = [];
		for (let a = 0; a < o.apps.length; a++) {
			const app = o.apps[a]!;
			if (this.stopped) {
				summaries.push(makeAppSummary({...app, status: 'stopped', reason: 'run stopped', steps: [], startedAt: null, finishedAt: null}));
				continue;
			}
			this.skip = false;
			this.emit({type: 'appStarted', app, index: a, total: o.apps.length});
			this.emit({type: 'phase', label: app.label, phase: 'healthcheck', message: `GET ${app.url}`});
			await sleep(o.tickMs);
			this.emit({type: 'phase', label: app.label, phase: 'warmup', message: 'sending 5 warm-up requests'});
			await sleep(o.tickMs);
			this.emit({type: 'phase', label: app.label, phase: 'ramp', message: ''});
			const steps: StepSummary[] = [];
			let t = 0;
			let status: AppSummary['status'] = 'completed';
			for (let k = 1; k <= o.steps; k++) {
				const users = k * o.stepUsers;
				const offered = users * 0.5;
				const load = offered / app.capacity;
				const served = Math.min(offered, app.capacity * (load > 1.3 ? 0.97 : 1));
				const failRate = load > 1.15 ? Math.min(0.4, (load - 1.15) * 0.2) : 0;
				const ttft = 220 * Math.max(1, load ** 2);
				const lat = 1900 * Math.max(1, load);
				let requests = 0;
				let failures = 0;
				const hot = k === 4 && a === 0;
				let partial = false;
				for (let sec = 0; sec < o.stepSeconds; sec++) {
					if (this.stopped || this.skip) {
						partial = true;
						break;
					}
					const noise = 1 + (Math.sin(t * 1.7 + a) * 0.08 + Math.cos(t * 0.9) * 0.05);
					const completed = Math.max(0, Math.round(served * noise));
					const fails = Math.round(completed * failRate * noise);
					requests += completed;
					failures += fails;
					const topFailures: FailureCount[] =
						failures > 0
							? [
									{outcome: 'http_error', message: 'HTTP 503: upstream connect error or disconnect/reset before headers', count: Math.ceil(failures * 0.7)},
									{outcome: 'timeout', message: 'no [DONE] within 120 s \x1b[31m(server said: \x1b]0;pwned\x07overloaded)', count: Math.floor(failures * 0.3)},
								]
							: [];
					const stepElapsed = sec + 1;
					const snapshot = makeSnapshot({
						label: app.label,
						elapsedS: t,
						stepIndex: k,
						stepCount: o.steps,
						stepUsers: users,
						stepElapsedS: stepElapsed,
						stepDurationS: o.stepSeconds,
						users: Math.min(users, (k - 1) * o.stepUsers + stepElapsed * 10),
						inFlight: Math.round(Math.min(users, served * (lat / 1000))),
						second: {
							t,
							users,
							completed,
							successes: completed - fails,
							failures: fails,
							qps: completed,
							successQps: completed - fails,
							ttftMs: {p50: ttft * 0.5 * noise, p95: ttft * noise, p99: ttft * 1.4},
							latencyMs: {p50: lat * 0.9, p95: lat * 1.3 * noise, p99: lat * 1.6},
						},
						step: {
							steady: true,
							requests,
							failures,
							qps: requests / stepElapsed,
							successQps: (requests - failures) / stepElapsed,
							ttftMs: {p50: ttft * 0.5, p95: ttft, p99: ttft * 1.4},
							latencyMs: {p50: lat * 0.9, p95: lat * 1.3, p99: lat * 1.6},
						},
						topFailures,
						generator: {
							cpuPct: hot ? 185 : 30 + users * 0.2,
							elu: hot ? 0.96 : 0.2 + users / 2000,
							lagMs: hot ? 140 : 3 + users / 100,
							rssBytes: (150 + users / 4) * 1024 * 1024,
						},
						etaAppS: (o.steps - k) * o.stepSeconds + (o.stepSeconds - stepElapsed),
					});
					this.emit(tickOf(snapshot));
					if (hot && sec === 1) this.emit({type: 'warning', label: app.label, kind: 'generator', message: 'event-loop lag 140 ms on worker 2: this step may under-report'});
					t++;
					await sleep(o.tickMs);
				}
				const seconds = Math.max(1, partial ? Math.round(requests / Math.max(1, served)) : o.stepSeconds);
				const qps = requests / seconds;
				const rate = requests > 0 ? failures / requests : 0;
				const checks = rate > 0.01 ? [`failure rate ${(rate * 100).toFixed(1)}% > 1%`] : [];
				const step = makeStep({
					index: k,
					users,
					seconds,
					requests,
					failures,
					qps,
					successQps: (requests - failures) / seconds,
					failureRate: rate,
					ttftMs: {p50: ttft * 0.5, p95: ttft, p99: ttft * 1.4},
					latencyMs: {p50: lat * 0.9, p95: lat * 1.3, p99: lat * 1.6},
					untrusted: hot,
					untrustedReason: hot ? 'generator event-loop lag 140 ms' : null,
					partial,
					passed: checks.length === 0,
					failedChecks: checks,
				});
				if (requests > 0) {
					steps.push(step);
					this.emit({type: 'stepFinished', label: app.label, step});
				}
				if (this.stopped || this.skip) {
					status = 'stopped';
					break;
				}
			}
			const summary = makeAppSummary({
				...app,
				status,
				reason: status === 'stopped' ? (this.stopped ? 'run stopped' : 'ended with n') : null,
				steps,
				...summarise(steps),
				totalRequests: steps.reduce((n, s) => n + s.requests, 0),
				failedRequests: steps.reduce((n, s) => n + s.failures, 0),
			});
			summaries.push(summary);
			this.emit({type: 'appFinished', app: summary});
		}
		const summary = makeRunSummary(summaries, {
			runName: 'ramp-demo',
			startedAt,
			finishedAt: new Date().toISOString(),
			status: this.stopped ? 'stopped' : 'completed',
			notes: ['Step 4 of the first app is not trusted: the load generator itself was saturated.'],
		});
		const files = ['summary.json', 'stats.csv', 'stats_history.csv', 'failures.csv', 'report.html'].map((f) => `${runDir}/${f}`);
		this.emit({type: 'runFinished', summary, runDir, files});
		return summary;
	}
}
