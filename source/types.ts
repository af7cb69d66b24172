// The contracts between the layers: config -> auth -> engine (client) -> stats -> analysis -> output/ui.
// Nothing here imports anything; every layer imports these.

/** How one streamed invocation ended. `ok` needs `[DONE]` and at least one text delta. */
export type Outcome =
	| 'ok'
	| 'http_error' // HTTP status other than 200 (401/403 are auth_error)
	| 'auth_error' // HTTP 401 or 403 from the app
	| 'connection_error' // refused, reset, DNS, socket closed before the response
	| 'timeout' // the whole-request limit
	| 'idle_timeout' // no bytes for the idle limit
	| 'no_done' // the stream ended without `data: [DONE]`
	| 'no_text_delta' // `[DONE]` came, but no text delta before it
	| 'error_event' // `{"error": ...}`, `{"type":"error"}` or `response.failed` inside a 200 stream
	| 'not_sse' // 200 but the body is not an event stream
	| 'aborted'; // stopped by us (a stop or the end of a ramp): never a failure

/** One streamed invocation, measured. Times are milliseconds from the moment the request was sent. */
export interface InvocationRecord {
	outcome: Outcome;
	ok: boolean;
	/** Short, stable text for grouping failures ('' when ok). Server text in it is truncated and untrusted. */
	message: string;
	/** HTTP status, null when no response came. */
	status: number | null;
	/** Absolute send time in ms (performance.timeOrigin + performance.now()): comparable across threads. */
	startMs: number;
	/** Absolute end time in ms, same clock as startMs. */
	endMs: number;
	ttfbMs: number | null;
	firstEventMs: number | null;
	/** Time to the first `response.output_text.delta` (not to the first event of any kind). */
	ttftMs: number | null;
	/** Full-stream latency: to `[DONE]` when ok, else to the failure. */
	latencyMs: number;
	/** Text deltas received. */
	chunks: number;
	/** SSE events received (all types). */
	events: number;
	bytes: number;
}

/** Percentiles in milliseconds; null when there was no sample. */
export interface Pcts {
	p50: number | null;
	p95: number | null;
	p99: number | null;
}

export type AppStatus = 'pending' | 'running' | 'completed' | 'skipped' | 'stopped' | 'failed';

export interface FailureCount {
	outcome: Outcome;
	message: string;
	count: number;
}

/** One finished (or partial) step of a ramp: statistics over its steady window only. */
export interface StepSummary {
	index: number; // 1-based
	users: number;
	/** Length of the steady window the figures below cover, seconds. */
	seconds: number;
	/** Seconds from the app's ramp start: step start, steady-window start, step end. */
	startS: number;
	steadyFromS: number;
	endS: number;
	/** Completed requests (successes + failures) in the steady window. */
	requests: number;
	successes: number;
	failures: number;
	/** failures / requests, 0..1 */
	failureRate: number;
	/** Completions per second (successes and failures). */
	qps: number;
	/** Successful completions per second: the number the answer uses. */
	successQps: number;
	ttftMs: Pcts;
	latencyMs: Pcts;
	ttfbMs: {p50: number | null; p95: number | null};
	/** Inter-chunk latency: gaps between text deltas. */
	itlMs: Pcts;
	chunksPerResponse: number | null;
	/** The generator itself was saturated (CPU or event-loop lag): do not trust this step. */
	untrusted: boolean;
	untrustedReason: string | null;
	/** The step was cut short by a stop or by `n`/--stop-when-saturated. */
	partial: boolean;
	/** Failure rate and SLOs hold. */
	passed: boolean;
	/** Why it did not pass, e.g. "failure rate 3.1% > 1%", "TTFT p95 812 ms > 500 ms". */
	failedChecks: string[];
	failuresByMessage: FailureCount[];
}

export interface AppSummary {
	label: string;
	url: string;
	computeSize: string; // lower case; 'unknown' when neither given nor detected
	status: AppStatus;
	reason: string | null;
	maxQps: number | null;
	maxQpsUsers: number | null;
	saturatedAtUsers: number | null;
	totalRequests: number;
	failedRequests: number;
	/** Over the whole ramp (all steps, steady windows or not). */
	ttftMs: Pcts;
	latencyMs: Pcts;
	steps: StepSummary[];
	failures: FailureCount[];
	startedAt: string | null;
	finishedAt: string | null;
}

export interface RunSummary {
	schemaVersion: 1;
	tool: {name: 'qpscope'; version: string};
	/** 'qpscope' for our own runs; 'legacy-locust' when read back from an older Locust run folder. */
	source: 'qpscope' | 'legacy-locust';
	runName: string;
	startedAt: string;
	finishedAt: string | null;
	status: 'running' | 'completed' | 'stopped';
	config: PublicConfig;
	best: {label: string; maxQps: number; maxQpsUsers: number | null} | null;
	apps: AppSummary[];
	/** Plain sentences: what was corrected, what to be careful of. */
	notes: string[];
}

/** Every run parameter that may be written to a file: never a secret. */
export interface PublicConfig {
	appUrls: string[];
	labels: string[];
	computeSizes: string[];
	maxUsers: number;
	stepSize: number;
	stepDuration: number;
	spawnRate: number;
	thinkTimeMs: number;
	warmup: number;
	maxFailureRate: number;
	sloTtftP95Ms: number | null;
	sloLatencyP95Ms: number | null;
	stopWhenSaturated: boolean;
	parallelApps: boolean;
	requestTimeoutS: number;
	idleTimeoutS: number;
	workers: number;
	authType: string;
	[key: string]: unknown;
}

/** Provides bearer tokens for the app requests (see source/auth/). */
export interface TokenProvider {
	/** 'none' for loopback runs; 'static' for a token given as is; 'm2m' | 'pat' | 'cli' for Databricks. */
	readonly kind: string;
	/**
	 * A valid token, or undefined when no auth is used. Resolves at once while a valid token is in hand;
	 * refreshes ahead of expiry happen in the background, once for all callers (single flight).
	 */
	getToken(): Promise<string | undefined>;
	/** The app answered 401/403 with this token: refresh once (single flight), never throws. */
	invalidate(rejectedToken?: string): void;
	/** One line for the startup banner: provider and validity, never the token itself. */
	describe(): string;
	/** Stops background timers. */
	close(): void;
}

/** Live figures for one second of one app's ramp. */
export interface SecondStats {
	/** Second index from the app's ramp start (0-based). */
	t: number;
	users: number;
	completed: number;
	successes: number;
	failures: number;
	/** Completions per second in this second by Little's law (in flight / mean latency): no lockstep jitter. */
	qps: number;
	successQps: number;
	ttftMs: Pcts;
	latencyMs: Pcts;
}

/** The generator watching itself. */
export interface GeneratorHealth {
	/** Process CPU over the last second, % of one core (can exceed 100 with several threads). */
	cpuPct: number;
	/** Highest event-loop utilisation of any load thread over the last second, 0..1. */
	elu: number;
	/** Highest event-loop delay p99 of any load thread over the last second, ms. */
	lagMs: number;
	/** Resident memory, bytes. */
	rssBytes: number;
}

/** What the engine knows about one app's ramp right now; sent once a second in `tick`. */
export interface Snapshot {
	label: string;
	elapsedS: number;
	stepIndex: number; // 1-based
	stepCount: number;
	stepUsers: number; // the step's target
	stepElapsedS: number;
	stepDurationS: number;
	users: number; // running now
	inFlight: number;
	/** The last whole second. */
	second: SecondStats;
	/** The current step so far (its steady window so far; before that, all of it, and steady is false). */
	step: {
		/** False while the step's users are still starting or settling: its figures are not the step's yet. */
		steady: boolean;
		requests: number;
		failures: number;
		qps: number;
		successQps: number;
		ttftMs: Pcts;
		latencyMs: Pcts;
	};
	topFailures: FailureCount[];
	generator: GeneratorHealth;
	etaAppS: number;
}

export interface AppPlan {
	label: string;
	url: string;
	computeSize: string;
}

export type Phase = 'healthcheck' | 'warmup' | 'ramp' | 'done';

export type WarningKind = 'generator' | 'auth' | 'app' | 'io' | 'info';

/** Everything the engine tells its observers (TUI, headless printer, result writers). */
export type EngineEvent =
	| {type: 'runStarted'; runName: string; runDir: string; apps: AppPlan[]; auth: string; startedAt: string; stepCount: number}
	| {type: 'appStarted'; app: AppPlan; index: number; total: number}
	| {type: 'phase'; label: string; phase: Phase; message: string}
	/** Once a second per running app. `second` is that second's window, `total` the ramp so far (live). */
	| {type: 'tick'; snapshot: Snapshot; unixS: number; second: WindowView; total: WindowView}
	| {type: 'stepFinished'; label: string; step: StepSummary}
	| {type: 'appFinished'; app: AppSummary}
	| {type: 'warning'; label: string | null; kind: WarningKind; message: string}
	| {type: 'runFinished'; summary: RunSummary; runDir: string; files: string[]};

/** Read-only view of one window's statistics (stats/window.ts), for writers that need more than a snapshot. */
export interface WindowView {
	readonly completed: number;
	readonly successes: number;
	readonly failures: number;
	readonly bytes: number;
	readonly chunks: number;
	/** Value at percentile p (0..100) of a histogram, ms; null when empty. */
	percentile(hist: 'ttft' | 'latency' | 'ttfb' | 'itl', p: number): number | null;
	mean(hist: 'ttft' | 'latency' | 'ttfb' | 'itl'): number | null;
	min(hist: 'ttft' | 'latency' | 'ttfb' | 'itl'): number | null;
	max(hist: 'ttft' | 'latency' | 'ttfb' | 'itl'): number | null;
	/** Count of samples in a histogram. */
	count(hist: 'ttft' | 'latency' | 'ttfb' | 'itl'): number;
}

export type EngineListener = (event: EngineEvent) => void;

/** How observers (the TUI's keys, signal handlers) steer a run. */
export interface RunControl {
	/** Stop the whole run cleanly: abort in-flight requests, record the partial step, write every file. */
	stop(reason?: string): void;
	/** End the current app's ramp now (its current step is recorded as partial) and go on with the next. */
	nextApp(): void;
}

/** Where observers subscribe to engine events. Returns an unsubscribe function. */
export interface EngineEvents {
	subscribe(listener: EngineListener): () => void;
}
