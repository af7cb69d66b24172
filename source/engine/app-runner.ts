// One app: healthcheck, warmup, then the step ramp with per-second windows and per-step steady statistics.
import {performance} from 'node:perf_hooks';
import type {RunConfig, AppTarget} from '../config/run-config.ts';
import {invoke, type InvokeResult} from '../client/invoke.ts';
import {checkStep, maxQpsStep, saturatedAtUsers, type Criteria} from '../analysis/answer.ts';
import {pcts} from '../stats/hist.ts';
import {Window} from '../stats/window.ts';
import type {AppSummary, EngineEvent, GeneratorHealth, StepSummary, TokenProvider} from '../types.ts';
import {autoSettleS, planSteps, steadyWindow, usersAt, type StepPlan} from './ramp.ts';
import {UNTRUSTED_ELU, UNTRUSTED_LAG_MS} from './selfwatch.ts';
import {UserPool, type LoadPool, type UserPoolOptions} from './users.ts';

/** How long after a second's end its window is collected: room for records still being processed. */
const COLLECT_GRACE_MS = 50;
const LOOP_MS = 50;

export interface AppControl {
	/** The whole run is stopping. */
	readonly stopping: boolean;
	/** This app's ramp should end now (`n`). */
	readonly ended: boolean;
	/** Aborted when stopping or ended becomes true (wakes waits). */
	readonly signal: AbortSignal;
}

export interface AppRunContext {
	config: RunConfig;
	app: AppTarget;
	auth: TokenProvider;
	emit: (event: EngineEvent) => void;
	control: AppControl;
	/** The generator's health over the last second (shared by apps running in parallel). */
	health: () => GeneratorHealth;
	/** Makes the load pool (in-process by default; worker threads with --workers). */
	makePool?: (options: UserPoolOptions) => LoadPool;
	/** Seconds of the whole run still to come after this app (for the ETA). */
	etaAfterS?: number;
}

const nowAbs = () => performance.timeOrigin + performance.now();

function sleep(ms: number, control?: AppControl): Promise<void> {
	return new Promise((resolve) => {
		const signal = control?.signal;
		if (signal?.aborted) return resolve();
		const done = () => {
			clearTimeout(t);
			signal?.removeEventListener('abort', done);
			resolve();
		};
		const t = setTimeout(done, Math.max(0, ms));
		signal?.addEventListener('abort', done, {once: true});
	});
}

export function criteriaOf(config: RunConfig): Criteria {
	return {maxFailureRate: config.maxFailureRate, sloTtftP95Ms: config.sloTtftP95Ms, sloLatencyP95Ms: config.sloLatencyP95Ms};
}

/** The summary of one step from its steady window. */
export function summarizeStep(
	plan: StepPlan,
	w: Window,
	o: {seconds: number; steadyFromS: number; endS: number; partial: boolean; untrustedReason: string | null; criteria: Criteria},
): StepSummary {
	const requests = w.completed;
	const seconds = o.seconds;
	const base = {
		requests,
		failureRate: requests > 0 ? w.failures / requests : 0,
		ttftMs: pcts(w.ttft),
		latencyMs: pcts(w.latency),
	};
	const failedChecks = checkStep(base, o.criteria);
	const ttfb = pcts(w.ttfb);
	return {
		index: plan.index,
		users: plan.users,
		seconds,
		startS: plan.startS,
		steadyFromS: o.steadyFromS,
		endS: o.endS,
		...base,
		successes: w.successes,
		failures: w.failures,
		qps: w.rate(seconds),
		successQps: w.rate(seconds, 'successes'),
		ttfbMs: {p50: ttfb.p50, p95: ttfb.p95},
		itlMs: pcts(w.itl),
		chunksPerResponse: w.successes > 0 ? w.chunks / w.successes : null,
		untrusted: o.untrustedReason !== null,
		untrustedReason: o.untrustedReason,
		partial: o.partial,
		passed: failedChecks.length === 0,
		failedChecks,
		failuresByMessage: w.topFailures(10),
	};
}

function withThreads(main: GeneratorHealth, threads: {elu: number; lagMs: number} | undefined): GeneratorHealth {
	if (!threads) return main;
	return {...main, elu: Math.max(main.elu, threads.elu), lagMs: Math.max(main.lagMs, threads.lagMs)};
}

/** Untrusted when the generator was busy > 90% of the steady window, or lagged > 100 ms in over a quarter of it. */
export function untrustedReason(samples: GeneratorHealth[]): string | null {
	if (samples.length === 0) return null;
	const elu = samples.reduce((a, s) => a + s.elu, 0) / samples.length;
	const lagging = samples.filter((s) => s.lagMs > UNTRUSTED_LAG_MS).length;
	if (elu > UNTRUSTED_ELU) return `load generator busy ${Math.round(elu * 100)}% of the step: use more --workers or a bigger machine`;
	if (lagging > samples.length / 4) return `load generator event loop lagged > ${UNTRUSTED_LAG_MS} ms in ${lagging} of ${samples.length} s: use more --workers or a bigger machine`;
	return null;
}

export function emptyApp(app: AppTarget, status: AppSummary['status'], reason: string | null): AppSummary {
	const none = {p50: null, p95: null, p99: null};
	return {
		label: app.label,
		url: app.url,
		computeSize: app.computeSize,
		status,
		reason,
		maxQps: null,
		maxQpsUsers: null,
		saturatedAtUsers: null,
		totalRequests: 0,
		failedRequests: 0,
		ttftMs: none,
		latencyMs: none,
		steps: [],
		failures: [],
		startedAt: new Date().toISOString(),
		finishedAt: new Date().toISOString(),
	};
}

async function oneRequest(ctx: AppRunContext, signal?: AbortSignal): Promise<InvokeResult> {
	const {config, app, auth} = ctx;
	let token: string | undefined;
	try {
		token = await auth.getToken();
	} catch (error) {
		const now = nowAbs();
		return {outcome: 'auth_error', ok: false, message: `no token: ${(error as Error).message}`, status: null, startMs: now, endMs: now, ttfbMs: null, firstEventMs: null, ttftMs: null, latencyMs: 0, chunks: 0, events: 0, bytes: 0, serverFirstDeltaMs: null};
	}
	const r = await invoke({
		url: app.invocationsUrl,
		body: config.bodies[0]!,
		headers: config.headers,
		token,
		timeoutMs: config.requestTimeoutS * 1000,
		idleTimeoutMs: config.idleTimeoutS * 1000,
		signal,
	});
	if (r.outcome === 'auth_error') auth.invalidate(token);
	return r;
}

/** One streamed request that must end in [DONE], retried with backoff for the healthcheck timeout. */
async function healthcheck(ctx: AppRunContext): Promise<{ok: true; latencyMs: number} | {ok: false; reason: string}> {
	const deadline = performance.now() + ctx.config.healthcheckTimeoutS * 1000;
	let delay = 1000;
	let attempts = 0;
	for (;;) {
		attempts++;
		const r = await oneRequest(ctx);
		if (r.ok) return {ok: true, latencyMs: r.latencyMs};
		if (ctx.control.stopping || ctx.control.ended) return {ok: false, reason: 'stopped during the healthcheck'};
		if (performance.now() + delay > deadline) {
			return {ok: false, reason: `healthcheck failed after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${r.message}`};
		}
		ctx.emit({type: 'phase', label: ctx.app.label, phase: 'healthcheck', message: `attempt ${attempts} failed (${r.message}); retrying in ${delay / 1000} s`});
		await sleep(delay, ctx.control);
		delay = Math.min(delay * 2, 10_000);
	}
}

/** Requests before the ramp, not counted; returns their median latency (ms) for the automatic settle. */
async function warmup(ctx: AppRunContext): Promise<number | null> {
	const n = ctx.config.warmup;
	if (n <= 0) return null;
	const latencies: number[] = [];
	let next = 0;
	const worker = async () => {
		while (next < n && !ctx.control.stopping && !ctx.control.ended) {
			next++;
			const r = await oneRequest(ctx);
			if (r.ok) latencies.push(r.latencyMs);
		}
	};
	await Promise.all(Array.from({length: Math.min(n, Math.max(1, ctx.config.stepSize))}, worker));
	if (latencies.length === 0) return null;
	latencies.sort((a, b) => a - b);
	return latencies[Math.floor(latencies.length / 2)]!;
}

export async function runApp(ctx: AppRunContext): Promise<AppSummary> {
	const {config, app, emit, control} = ctx;
	const startedAt = new Date().toISOString();
	let medianMs: number | null = null;

	if (config.healthcheck) {
		emit({type: 'phase', label: app.label, phase: 'healthcheck', message: `healthcheck of ${app.invocationsUrl}`});
		const h = await healthcheck(ctx);
		if (!h.ok) {
			if (control.stopping) return {...emptyApp(app, 'stopped', 'stopped before the ramp'), startedAt};
			emit({type: 'warning', label: app.label, kind: 'app', message: `${app.label} skipped: ${h.reason}`});
			return {...emptyApp(app, 'skipped', h.reason), startedAt};
		}
		medianMs = h.latencyMs;
	}
	if (config.warmup > 0 && !control.stopping && !control.ended) {
		emit({type: 'phase', label: app.label, phase: 'warmup', message: `${config.warmup} warmup requests (not counted)`});
		medianMs = (await warmup(ctx)) ?? medianMs;
	}
	if (control.stopping || control.ended) {
		return {...emptyApp(app, 'stopped', control.stopping ? 'stopped before the ramp' : 'ended before the ramp'), startedAt};
	}

	emit({type: 'phase', label: app.label, phase: 'ramp', message: 'ramp started'});
	const plan = planSteps(config.maxUsers, config.stepSize, config.stepDuration);
	const criteria = criteriaOf(config);
	const t0 = nowAbs();
	const poolOptions: UserPoolOptions = {
		invocationsUrl: app.invocationsUrl,
		bodies: config.bodies,
		headers: config.headers,
		getToken: () => ctx.auth.getToken(),
		onAuthRejected: (token) => ctx.auth.invalidate(token),
		timeoutMs: config.requestTimeoutS * 1000,
		idleTimeoutMs: config.idleTimeoutS * 1000,
		thinkTimeMs: config.thinkTimeMs,
		t0,
	};
	const pool: LoadPool = ctx.makePool ? ctx.makePool(poolOptions) : new UserPool(poolOptions);
	const total = new Window();
	const steps: StepSummary[] = [];
	let status: AppSummary['status'] = 'completed';
	let reason: string | null = null;
	let sec = 0; // the next second to collect
	let lastSecond = new Window();
	const elapsedS = () => (nowAbs() - t0) / 1000;

	const snapshotOf = (step: StepPlan, stepWin: Window, stepAll: Window, steadySeconds: number, allSeconds: number, health: GeneratorHealth, s: number) => {
		const view = steadySeconds > 0 ? stepWin : stepAll;
		const secs = steadySeconds > 0 ? steadySeconds : allSeconds;
		const last = plan[plan.length - 1]!;
		return {
			label: app.label,
			elapsedS: s + 1,
			stepIndex: step.index,
			stepCount: plan.length,
			stepUsers: step.users,
			stepElapsedS: s + 1 - step.startS,
			stepDurationS: config.stepDuration,
			users: pool.users,
			inFlight: pool.inFlight(),
			second: {
				t: s,
				users: pool.users,
				completed: lastSecond.completed,
				successes: lastSecond.successes,
				failures: lastSecond.failures,
				qps: lastSecond.rate(1),
				successQps: lastSecond.rate(1, 'successes'),
				ttftMs: pcts(lastSecond.ttft),
				latencyMs: pcts(lastSecond.latency),
			},
			step: {
				steady: steadySeconds > 0,
				requests: view.completed,
				failures: view.failures,
				qps: view.rate(secs),
				successQps: view.rate(secs, 'successes'),
				ttftMs: pcts(view.ttft),
				latencyMs: pcts(view.latency),
			},
			topFailures: stepAll.topFailures(5),
			generator: health,
			etaAppS: Math.max(0, last.endS - (s + 1)),
		};
	};

	try {
		let prevUsers = 0;
		for (const step of plan) {
			const settle = config.settleS ?? autoSettleS(total.latency && total.latency.totalCount > 0 ? total.percentile('latency', 50) : medianMs, config.stepDuration);
			const stepWin = new Window();
			const stepAll = new Window();
			const healthSamples: GeneratorHealth[] = [];
			let steadySeconds = 0;
			let allSeconds = 0;
			let steady: {fromS: number; toS: number} | null = null;
			let interrupted = false;
			for (;;) {
				const now = elapsedS();
				if (control.stopping || control.ended) {
					interrupted = true;
					break;
				}
				const desired = usersAt(prevUsers, step.users, config.spawnRate, now - step.startS);
				pool.setUsers(desired);
				if (steady === null && desired >= step.users) steady = steadyWindow(step, now, settle);
				if (now * 1000 >= (sec + 1) * 1000 + COLLECT_GRACE_MS) {
					const w = await pool.collect(sec);
					const health = withThreads(ctx.health(), pool.threadHealth?.());
					lastSecond = w;
					total.add(w);
					stepAll.add(w);
					allSeconds++;
					if (steady && sec >= steady.fromS && sec < steady.toS) {
						stepWin.add(w);
						steadySeconds++;
						healthSamples.push(health);
					}
					emit({type: 'tick', snapshot: snapshotOf(step, stepWin, stepAll, steadySeconds, allSeconds, health, sec), unixS: Math.floor((t0 + (sec + 1) * 1000) / 1000), second: w, total});
					sec++;
					if (sec >= step.endS) break;
					continue;
				}
				const nextTick = (sec + 1) * 1000 + COLLECT_GRACE_MS - now * 1000;
				await sleep(Math.min(LOOP_MS, nextTick), control);
			}
			prevUsers = step.users;
			if (interrupted) {
				// Abort what is in flight (not counted), then keep what the partial second completed.
				const partS = Math.max(0, Math.min(1, elapsedS() - sec));
				await pool.stop();
				const w = await pool.collect(sec);
				total.add(w);
				stepAll.add(w);
				let seconds = steadySeconds;
				let win = stepWin;
				if (steady && sec >= steady.fromS) {
					stepWin.add(w);
					seconds += partS;
				} else if (steadySeconds === 0) {
					// No steady second yet: the figures of the step so far, marked partial.
					win = stepAll;
					seconds = allSeconds + partS;
				}
				if (win.completed > 0 || seconds >= 1) {
					const summary = summarizeStep(step, win, {
						seconds,
						steadyFromS: steady && steadySeconds > 0 ? steady.fromS : step.startS,
						endS: sec + partS,
						partial: true,
						untrustedReason: untrustedReason(healthSamples),
						criteria,
					});
					steps.push(summary);
					emit({type: 'stepFinished', label: app.label, step: summary});
				}
				status = 'stopped';
				reason = control.stopping ? `run stopped during step ${step.index} (${step.users} users)` : `ramp ended by the user during step ${step.index} (${step.users} users)`;
				break;
			}
			const summary = summarizeStep(step, stepWin, {
				seconds: steadySeconds,
				steadyFromS: steady?.fromS ?? step.startS,
				endS: step.endS,
				partial: false,
				untrustedReason: untrustedReason(healthSamples),
				criteria,
			});
			steps.push(summary);
			emit({type: 'stepFinished', label: app.label, step: summary});
			if (summary.untrusted) emit({type: 'warning', label: app.label, kind: 'generator', message: `step ${step.index} (${step.users} users) untrusted: ${summary.untrustedReason}`});
			if (config.stopWhenSaturated) {
				const satUsers = saturatedAtUsers(steps);
				const satIndex = satUsers === null ? -1 : steps.findIndex((s) => s.users === satUsers);
				if (satIndex >= 0 && steps.length - 1 >= satIndex + 2 && step !== plan[plan.length - 1]) {
					reason = `ramp ended two steps after saturation at ${satUsers} users (--stop-when-saturated)`;
					break;
				}
			}
		}
	} catch (error) {
		status = 'failed';
		reason = `engine error: ${(error as Error).message}`;
		emit({type: 'warning', label: app.label, kind: 'app', message: `${app.label}: ${reason}`});
	} finally {
		await pool.stop();
		await pool.close?.();
	}

	const best = maxQpsStep(steps);
	return {
		...emptyApp(app, status, reason),
		maxQps: best ? best.successQps : null,
		maxQpsUsers: best ? best.users : null,
		saturatedAtUsers: saturatedAtUsers(steps),
		totalRequests: total.completed,
		failedRequests: total.failures,
		ttftMs: pcts(total.ttft),
		latencyMs: pcts(total.latency),
		steps,
		failures: total.topFailures(20),
		startedAt,
	};
}
