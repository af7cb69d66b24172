// The answer, as pure functions over step summaries: which steps pass, the maximum sustainable QPS,
// where the app saturated, and which app is best.
import type {AppSummary, StepSummary} from '../types.ts';

export interface Criteria {
	/** 0..1 */
	maxFailureRate: number;
	sloTtftP95Ms: number | null;
	sloLatencyP95Ms: number | null;
}

/** A step shorter than this (seconds of steady window) cannot carry the answer. */
const MIN_STEADY_SECONDS = 2;
/** "Adding users raised success QPS by less than 5%". */
const SATURATION_GAIN = 0.05;

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;

export function checkStep(step: Pick<StepSummary, 'requests' | 'failureRate' | 'ttftMs' | 'latencyMs'>, c: Criteria): string[] {
	const failed: string[] = [];
	if (step.requests === 0) failed.push('no completed request');
	if (step.failureRate > c.maxFailureRate) failed.push(`failure rate ${pct(step.failureRate)} > ${pct(c.maxFailureRate)}`);
	if (c.sloTtftP95Ms !== null) {
		const v = step.ttftMs.p95;
		if (v === null) failed.push('TTFT p95 unknown (no successful stream)');
		else if (v > c.sloTtftP95Ms) failed.push(`TTFT p95 ${Math.round(v)} ms > ${c.sloTtftP95Ms} ms`);
	}
	if (c.sloLatencyP95Ms !== null) {
		const v = step.latencyMs.p95;
		if (v === null) failed.push('latency p95 unknown (no successful stream)');
		else if (v > c.sloLatencyP95Ms) failed.push(`latency p95 ${Math.round(v)} ms > ${c.sloLatencyP95Ms} ms`);
	}
	return failed;
}

/** Steps that may carry the answer: they pass, and are not a stub cut short by a stop. */
function eligible(step: StepSummary): boolean {
	return step.passed && !(step.partial && step.seconds < MIN_STEADY_SECONDS);
}

/**
 * Steps within this share of the highest success QPS are equal within measurement noise. Past saturation
 * a closed loop keeps the same QPS at every step (25.0, 25.0, 25.1, 25.3 …) while latency climbs; the
 * answer is the first step that reaches the plateau, not the last one that happened to read 1% higher.
 */
export const QPS_TIE = 0.02;

/** The step that carries the answer: among passing steps within QPS_TIE of the highest success QPS, the fewest users. */
export function maxQpsStep(steps: StepSummary[]): StepSummary | null {
	const candidates = steps.filter(eligible);
	if (candidates.length === 0) return null;
	const top = Math.max(...candidates.map((s) => s.successQps));
	let best: StepSummary | null = null;
	for (const s of candidates) {
		if (s.successQps >= top * (1 - QPS_TIE) && (best === null || s.users < best.users)) best = s;
	}
	return best;
}

/**
 * The users of the first step after which adding users raised success QPS by less than 5% while latency
 * (p50) rose or, for an app that sheds load instead of queueing it, the failure rate rose by more than a
 * point; null when it never saturated within the ramp.
 */
export function saturatedAtUsers(steps: StepSummary[]): number | null {
	const full = steps.filter((s) => !(s.partial && s.seconds < MIN_STEADY_SECONDS) && s.requests > 0);
	for (let i = 0; i + 1 < full.length; i++) {
		const a = full[i]!;
		const b = full[i + 1]!;
		const flat = b.successQps < a.successQps * (1 + SATURATION_GAIN);
		const slower = a.latencyMs.p50 !== null && b.latencyMs.p50 !== null && b.latencyMs.p50 > a.latencyMs.p50;
		const shedding = b.failureRate > a.failureRate + 0.01;
		if (flat && (slower || shedding)) return a.users;
	}
	return null;
}

export function bestApp(apps: AppSummary[]): AppSummary | null {
	let best: AppSummary | null = null;
	for (const a of apps) if (a.maxQps !== null && (best === null || a.maxQps > (best.maxQps ?? -1))) best = a;
	return best;
}

/** As on every answer table: one decimal below 100, whole numbers above. */
const qps = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** One plain sentence per app. */
export function sentence(app: AppSummary): string {
	if (app.status === 'skipped') return `${app.label} was skipped: ${app.reason ?? 'no reason given'}.`;
	if (app.maxQps === null) {
		const why = app.steps.length === 0 ? 'no step finished' : 'no step met the bar (failure rate and SLOs)';
		return `${app.label} has no sustainable QPS: ${why}.`;
	}
	const sat = app.saturatedAtUsers === null ? 'it did not saturate within the ramp' : `it saturated at ${app.saturatedAtUsers} users`;
	const step = app.steps.find((s) => s.users === app.maxQpsUsers && eligible(s));
	const caveat = step?.untrusted ? ' (that step is untrusted: the load generator itself was saturated)' : '';
	return `${app.label} serves ${qps(app.maxQps)} QPS at ${app.maxQpsUsers} users${caveat}; ${sat}.`;
}

