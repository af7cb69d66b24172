// The TUI's whole state, built by a pure reducer from engine events. Memory is bounded: one ring of
// per-second points per app (RING_CAP), at most MAX_WARNINGS warnings, steps as the engine sends them.
import type {
	AppPlan,
	AppStatus,
	AppSummary,
	EngineEvent,
	Phase,
	RunSummary,
	Snapshot,
	StepSummary,
	WarningKind,
} from '../../types.ts';
import {stripControl} from '../sanitize.ts';
import {safe} from './text.ts';
import {maxQpsStep} from '../../analysis/answer.ts';

export const RING_CAP = 600;
export const MAX_WARNINGS = 3;
export const DEFAULT_FADE_MS = 10_000;

/** One second of one app's ramp, as plotted. */
export interface Point {
	t: number;
	step: number;
	users: number; // the step's target
	/** Completions per second by Little's law (see SecondStats.qps). */
	qps: number;
	completed: number;
	successes: number;
	failures: number;
	ttftP95: number | null;
}

export interface AppView {
	plan: AppPlan;
	/** Position in the run's queue, 0-based. */
	order: number;
	status: AppStatus;
	phase: Phase | null;
	phaseMessage: string;
	snapshot: Snapshot | null;
	/** Last RING_CAP seconds, oldest first. */
	ring: Point[];
	/** Points pushed out of the ring so far. */
	dropped: number;
	steps: StepSummary[];
	summary: AppSummary | null;
}

export interface WarningView {
	id: number;
	kind: WarningKind;
	label: string | null;
	message: string;
	count: number;
	/** When it was last raised (ms, the reducer's clock). */
	at: number;
}

export interface FinalView {
	summary: RunSummary;
	runDir: string;
	files: string[];
}

export interface TuiState {
	started: boolean;
	runName: string;
	runDir: string;
	auth: string;
	startedAtMs: number | null;
	stepCount: number;
	apps: AppView[];
	/** Label of the app shown in detail. */
	focus: string | null;
	appTotal: number;
	warnings: WarningView[];
	nextWarningId: number;
	final: FinalView | null;
}

export function initialState(): TuiState {
	return {
		started: false,
		runName: '',
		runDir: '',
		auth: '',
		startedAtMs: null,
		stepCount: 0,
		apps: [],
		focus: null,
		appTotal: 0,
		warnings: [],
		nextWarningId: 1,
		final: null,
	};
}

function newApp(plan: AppPlan, order: number): AppView {
	return {
		plan,
		order,
		status: 'pending',
		phase: null,
		phaseMessage: '',
		snapshot: null,
		ring: [],
		dropped: 0,
		steps: [],
		summary: null,
	};
}

function planFor(label: string): AppPlan {
	return {label, url: '', computeSize: 'unknown'};
}

/** The app with this label, created at the end of the queue when the engine did not announce it. */
function withApp(state: TuiState, label: string, plan: AppPlan | null, update: (app: AppView) => AppView): TuiState {
	const i = state.apps.findIndex((a) => a.plan.label === label);
	const apps = state.apps.slice();
	if (i < 0) apps.push(update(newApp(plan ?? planFor(label), apps.length)));
	else apps[i] = update(apps[i]!);
	return {...state, apps};
}

export function pushPoint(ring: readonly Point[], point: Point, cap = RING_CAP): {ring: Point[]; dropped: number} {
	if (ring.length < cap) return {ring: [...ring, point], dropped: 0};
	const drop = ring.length - cap + 1;
	const next = ring.slice(drop);
	next.push(point);
	return {ring: next, dropped: drop};
}

function pointOf(s: Snapshot): Point {
	return {
		t: s.second.t,
		step: s.stepIndex,
		users: s.stepUsers,
		qps: s.second.qps,
		completed: s.second.completed,
		successes: s.second.successes,
		failures: s.second.failures,
		ttftP95: s.second.ttftMs.p95,
	};
}

function upsertStep(steps: readonly StepSummary[], step: StepSummary): StepSummary[] {
	const out = steps.filter((s) => s.index !== step.index);
	out.push(step);
	out.sort((a, b) => a.index - b.index);
	return out;
}

/** After the focused app ends, show one that is still running, if any. */
function refocus(state: TuiState): TuiState {
	const focused = state.apps.find((a) => a.plan.label === state.focus);
	if (focused && focused.status === 'running') return state;
	const running = state.apps.filter((a) => a.status === 'running');
	if (running.length === 0) return state;
	return {...state, focus: running[running.length - 1]!.plan.label};
}

function addWarning(state: TuiState, kind: WarningKind, label: string | null, message: string, now: number): TuiState {
	const text = safe(message).trim();
	const cleanLabel = label === null ? null : stripControl(label);
	const same = state.warnings.find((w) => w.kind === kind && w.label === cleanLabel && w.message === text);
	let warnings: WarningView[];
	let nextWarningId = state.nextWarningId;
	if (same) {
		warnings = [...state.warnings.filter((w) => w !== same), {...same, count: same.count + 1, at: now}];
	} else {
		warnings = [...state.warnings, {id: nextWarningId++, kind, label: cleanLabel, message: text, count: 1, at: now}];
	}
	return {...state, warnings: warnings.slice(-MAX_WARNINGS), nextWarningId};
}

/** The next state after one engine event. Pure: `now` is the only clock (for warnings). */
export function reduce(state: TuiState, event: EngineEvent, now: number = Date.now()): TuiState {
	switch (event.type) {
		case 'runStarted': {
			const parsed = Date.parse(event.startedAt);
			return {
				...state,
				started: true,
				runName: stripControl(event.runName),
				runDir: stripControl(event.runDir),
				auth: stripControl(event.auth),
				startedAtMs: Number.isFinite(parsed) ? parsed : now,
				stepCount: event.stepCount,
				apps: event.apps.map((plan, i) => newApp(plan, i)),
				appTotal: event.apps.length,
				focus: null,
				final: null,
			};
		}
		case 'appStarted': {
			const next = withApp(state, event.app.label, event.app, (app) => ({
				...app,
				plan: event.app,
				status: 'running',
			}));
			return {...next, focus: event.app.label, appTotal: Math.max(next.appTotal, event.total, next.apps.length)};
		}
		case 'phase': {
			const next = withApp(state, event.label, null, (app) => ({
				...app,
				phase: event.phase,
				phaseMessage: safe(event.message),
				status: app.status === 'pending' && event.phase !== 'done' ? 'running' : app.status,
			}));
			return next.focus === null ? {...next, focus: event.label} : next;
		}
		case 'tick': {
			const s = event.snapshot;
			const next = withApp(state, s.label, null, (app) => {
				const {ring, dropped} = pushPoint(app.ring, pointOf(s));
				return {
					...app,
					snapshot: s,
					ring,
					dropped: app.dropped + dropped,
					status: app.status === 'pending' ? 'running' : app.status,
					phase: app.phase === null || app.phase === 'healthcheck' || app.phase === 'warmup' ? 'ramp' : app.phase,
				};
			});
			return next.focus === null ? {...next, focus: s.label} : next;
		}
		case 'stepFinished':
			return withApp(state, event.label, null, (app) => ({...app, steps: upsertStep(app.steps, event.step)}));
		case 'appFinished': {
			const summary = event.app;
			const next = withApp(state, summary.label, null, (app) => ({
				...app,
				summary,
				status: summary.status,
				phase: 'done',
				steps: summary.steps.length > 0 ? summary.steps.slice().sort((a, b) => a.index - b.index) : app.steps,
			}));
			return refocus(next);
		}
		case 'warning':
			return addWarning(state, event.kind, event.label, event.message, now);
		case 'runFinished': {
			let next: TuiState = state;
			for (const summary of event.summary.apps) {
				next = withApp(next, summary.label, {label: summary.label, url: summary.url, computeSize: summary.computeSize}, (app) => ({
					...app,
					summary,
					status: summary.status,
					steps: summary.steps.length > 0 ? summary.steps : app.steps,
				}));
			}
			return {
				...next,
				runName: next.runName || stripControl(event.summary.runName),
				final: {summary: event.summary, runDir: event.runDir, files: event.files},
			};
		}
		default:
			return state;
	}
}

/** Drop warnings raised more than fadeMs ago; the same object when nothing faded. */
export function expireWarnings(state: TuiState, now: number, fadeMs: number = DEFAULT_FADE_MS): TuiState {
	const kept = state.warnings.filter((w) => now - w.at < fadeMs);
	return kept.length === state.warnings.length ? state : {...state, warnings: kept};
}

export function focusedApp(state: TuiState): AppView | null {
	return state.apps.find((a) => a.plan.label === state.focus) ?? state.apps.find((a) => a.status === 'running') ?? null;
}

/** Index into steps of the best step so far: the one the answer would take (highest success QPS that passed). */
export function bestStepIndex(steps: readonly StepSummary[]): number {
	const best = maxQpsStep(steps as StepSummary[]);
	return best ? steps.indexOf(best) : -1;
}

/** Estimated seconds left in the run: the running apps' ETAs plus the pending apps at the same pace. */
export function runEtaS(state: TuiState): number | null {
	const running = state.apps.filter((a) => a.status === 'running' && a.snapshot);
	const pending = state.apps.filter((a) => a.status === 'pending').length;
	if (running.length === 0) return pending === 0 && state.apps.length > 0 ? 0 : null;
	let eta = 0;
	let perApp = 0;
	for (const a of running) {
		const s = a.snapshot!;
		eta = Math.max(eta, s.etaAppS);
		perApp = Math.max(perApp, s.elapsedS + s.etaAppS);
	}
	return eta + pending * perApp;
}
