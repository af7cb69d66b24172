// The ramp, the step windows and the answer: pure functions, then whole ramps against mocks of known capacity.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {autoSettleS, planSteps, spawnSeconds, steadyWindow, usersAt} from '../source/engine/ramp.ts';
import {checkStep, maxQpsStep, saturatedAtUsers} from '../source/analysis/answer.ts';
import {summarizeStep, untrustedReason} from '../source/engine/app-runner.ts';
import {Window} from '../source/stats/window.ts';
import {startMock} from '../source/mock/server.ts';
import type {StepSummary} from '../source/types.ts';
import {runEngine} from './helpers.ts';

test('the step plan: k × step size, the last level is max users', () => {
	assert.deepEqual(planSteps(300, 20, 30).map((s) => s.users), [20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240, 260, 280, 300]);
	assert.deepEqual(planSteps(50, 20, 10).map((s) => [s.users, s.startS, s.endS]), [[20, 0, 10], [40, 10, 20], [50, 20, 30]]);
	assert.deepEqual(planSteps(5, 5, 3).map((s) => s.users), [5]);
});

test('spawning at the spawn rate counts toward the step; the steady window starts after spawn + settle', () => {
	assert.equal(usersAt(0, 10, 20, 0), 1);
	assert.equal(usersAt(0, 10, 20, 0.2), 5);
	assert.equal(usersAt(0, 10, 20, 0.45), 10);
	assert.equal(usersAt(20, 40, 20, 5), 40);
	assert.equal(usersAt(40, 40, 20, 0), 40);
	assert.equal(spawnSeconds(0, 10, 20), 0.45);
	const step = {index: 2, users: 40, startS: 30, endS: 60};
	assert.deepEqual(steadyWindow(step, 30.95, 1), {fromS: 32, toS: 60});
	assert.deepEqual(steadyWindow(step, 59.5, 5), {fromS: 59, toS: 60}, 'at least the last second');
	assert.equal(autoSettleS(null, 30), 1);
	assert.equal(autoSettleS(4200, 30), 4.2);
	assert.equal(autoSettleS(60_000, 30), 10, 'never more than a third of the step');
});

function step(users: number, successQps: number, latencyP50: number, extra: Partial<StepSummary> = {}): StepSummary {
	const w = new Window();
	const s = summarizeStep({index: users, users, startS: 0, endS: 10}, w, {seconds: 10, steadyFromS: 2, endS: 10, partial: false, untrustedReason: null, criteria: {maxFailureRate: 0.01, sloTtftP95Ms: null, sloLatencyP95Ms: null}});
	return {...s, requests: 100, successes: 100, passed: true, failedChecks: [], successQps, qps: successQps, latencyMs: {p50: latencyP50, p95: latencyP50 * 1.2, p99: latencyP50 * 1.5}, ...extra};
}

test('the answer: max success QPS over passing steps; saturation where QPS flattens while latency rises', () => {
	const steps = [step(10, 12.5, 800), step(20, 23.0, 810), step(30, 25.3, 1200), step(40, 25.1, 1600), step(50, 30, 900, {passed: false, failedChecks: ['x']})];
	assert.equal(maxQpsStep(steps)!.users, 30);
	// Within 2% of the top is the plateau: the first step on it carries the answer.
	assert.equal(maxQpsStep([step(10, 12.5, 800), step(20, 25.0, 810), step(30, 25.0, 1200), step(40, 25.4, 1600)])!.users, 20);
	assert.equal(maxQpsStep([step(10, 12.5, 800), step(20, 24.0, 810), step(30, 25.4, 1200)])!.users, 30);
	assert.equal(saturatedAtUsers(steps), 30);
	assert.equal(saturatedAtUsers(steps.slice(0, 2)), null, 'still growing: not saturated');
	// A flat QPS with falling latency is not saturation; with a failure rate that jumps (shedding) it is.
	assert.equal(saturatedAtUsers([step(10, 10, 900), step(20, 10.2, 800)]), null);
	assert.equal(saturatedAtUsers([step(10, 10, 400), step(20, 10.2, 400, {failureRate: 0.6})]), 10);
	// A stub cut short by a stop cannot carry the answer.
	assert.equal(maxQpsStep([step(10, 10, 800), step(20, 99, 800, {partial: true, seconds: 0.5})])!.users, 10);
});

test('checkStep: failure rate and SLOs, each named', () => {
	const c = {maxFailureRate: 0.01, sloTtftP95Ms: 500, sloLatencyP95Ms: 2000};
	assert.deepEqual(checkStep({requests: 100, failureRate: 0, ttftMs: {p50: 1, p95: 400, p99: 1}, latencyMs: {p50: 1, p95: 1000, p99: 1}}, c), []);
	assert.deepEqual(checkStep({requests: 100, failureRate: 0.031, ttftMs: {p50: 1, p95: 812, p99: 1}, latencyMs: {p50: 1, p95: 1000, p99: 1}}, c), ['failure rate 3.10% > 1.00%', 'TTFT p95 812 ms > 500 ms']);
	assert.deepEqual(checkStep({requests: 0, failureRate: 0, ttftMs: {p50: null, p95: null, p99: null}, latencyMs: {p50: null, p95: null, p99: null}}, {maxFailureRate: 0.01, sloTtftP95Ms: null, sloLatencyP95Ms: null}), ['no completed request']);
});

test('untrusted: generator busy or lagging', () => {
	assert.equal(untrustedReason([{cpuPct: 50, elu: 0.5, lagMs: 3, rssBytes: 0}]), null);
	assert.match(untrustedReason([{cpuPct: 99, elu: 0.95, lagMs: 3, rssBytes: 0}])!, /busy 95%/);
	assert.match(untrustedReason([{cpuPct: 9, elu: 0.2, lagMs: 300, rssBytes: 0}, {cpuPct: 9, elu: 0.2, lagMs: 0, rssBytes: 0}])!, /lagged/);
});

test('queue mock of known capacity: per-step QPS matches users / stream time below capacity and the capacity above it', async () => {
	// 1 worker × 4 streams, 10 chunks × 20 ms = 200 ms a stream: 20 QPS.
	const mock = await startMock({port: 0, capacity: 4, overload: 'queue', chunkCount: 10, chunkDelayMs: 20, seed: 3});
	try {
		const {summary, events} = await runEngine({appUrl: [mock.url], maxUsers: '6', stepSize: '2', stepDuration: '5', spawnRate: '50', settle: '1'});
		const app = summary.apps[0]!;
		assert.equal(app.status, 'completed');
		assert.deepEqual(app.steps.map((s) => s.users), [2, 4, 6]);
		for (const s of app.steps) {
			assert.equal(s.failures, 0);
			assert.equal(s.steadyFromS, s.startS + 2, 'spawn (< 0.1 s) + settle 1 s, rounded up to a whole second');
			assert.equal(s.seconds, s.endS - s.steadyFromS);
			assert.equal(s.chunksPerResponse, 10);
		}
		// No blending: each step its own rate (2 users: 10 QPS; 4: 20; above: capacity 20).
		const within = (x: number, want: number, tol: number) => Math.abs(x - want) <= want * tol;
		assert.ok(within(app.steps[0]!.successQps, 10, 0.15), `2 users: ${app.steps[0]!.successQps}`);
		assert.ok(within(app.steps[1]!.successQps, 20, 0.12), `4 users: ${app.steps[1]!.successQps}`);
		assert.ok(within(app.maxQps!, 20, 0.1), `max ${app.maxQps}`);
		assert.ok(app.steps[2]!.latencyMs.p95! > app.steps[1]!.latencyMs.p95! * 1.5, 'queueing shows in latency');
		assert.equal(app.saturatedAtUsers, 4);
		// The mock's own count agrees with ours: every stream it completed was counted, or was the healthcheck,
		// or ended in the 50 ms between the ramp's end and the abort of what was in flight (at most one a user).
		const stats = await mock.stats();
		const extra = stats.completed - (app.totalRequests + 1);
		assert.ok(extra >= 0 && extra <= 6, `mock completed ${stats.completed}, we counted ${app.totalRequests} (+1 healthcheck)`);
		assert.equal(summary.best!.label, app.label);
		// Events: a tick a second, a stepFinished per step, appFinished once.
		const ticks = events.filter((e) => e.type === 'tick');
		assert.equal(ticks.length, 15);
		assert.equal(events.filter((e) => e.type === 'stepFinished').length, 3);
		assert.equal(events.filter((e) => e.type === 'appFinished').length, 1);
	} finally {
		await mock.close();
	}
});

test('shed mock: steps past capacity fail the failure-rate bar; the answer is the last step within capacity', async () => {
	const mock = await startMock({port: 0, capacity: 4, overload: 'shed', chunkCount: 10, chunkDelayMs: 20, seed: 4});
	try {
		const {summary} = await runEngine({appUrl: [mock.url], maxUsers: '8', stepSize: '4', stepDuration: '4', spawnRate: '50', settle: '1'});
		const app = summary.apps[0]!;
		const [within, past] = app.steps;
		assert.equal(within!.passed, true, within!.failedChecks.join());
		assert.equal(past!.passed, false);
		assert.ok(past!.failureRate > 0.5, `failure rate past capacity ${past!.failureRate}`);
		assert.match(past!.failedChecks[0]!, /failure rate/);
		assert.equal(past!.failuresByMessage[0]!.outcome, 'http_error');
		assert.match(past!.failuresByMessage[0]!.message, /^HTTP 503/);
		assert.equal(app.maxQpsUsers, 4);
		assert.ok(Math.abs(app.maxQps! - 20) < 2.5, `max ${app.maxQps}`);
		const stats = await mock.stats();
		// Every 503 we counted, the mock sent; the few it sent after the ramp's end (before the abort) are not ours.
		assert.ok(app.failedRequests <= stats.shed && stats.shed - app.failedRequests < stats.shed * 0.08, `mock shed ${stats.shed}, we counted ${app.failedRequests}`);
	} finally {
		await mock.close();
	}
});

test('an SLO that fails at every step leaves no sustainable QPS; an app that stays down is skipped, the next runs', async () => {
	const mock = await startMock({port: 0, chunkCount: 5, chunkDelayMs: 10, ttftMs: 30});
	try {
		const {summary, events} = await runEngine({
			appUrl: ['http://127.0.0.1:9', mock.url],
			maxUsers: '2',
			stepSize: '2',
			stepDuration: '2',
			sloTtftP95Ms: '5',
			healthcheckTimeout: '0',
		});
		const [down, up] = summary.apps;
		assert.equal(down!.status, 'skipped');
		assert.match(down!.reason!, /connection refused/);
		assert.ok(events.some((e) => e.type === 'warning' && /skipped/.test(e.message)), 'events.some((e) => e.type === \'warning\' && /skipped/.test(e.message))');
		assert.equal(up!.status, 'completed');
		assert.equal(up!.maxQps, null);
		assert.match(up!.steps[0]!.failedChecks.join(), /TTFT p95 \d+ ms > 5 ms/);
		assert.equal(summary.best, null);
	} finally {
		await mock.close();
	}
});

test('nextApp ends the current ramp (partial step recorded), stop ends the run', async () => {
	const mock = await startMock({port: 0, chunkCount: 5, chunkDelayMs: 10});
	try {
		let asked = false;
		const {summary} = await runEngine({appUrl: [mock.url, mock.url], maxUsers: '4', stepSize: '2', stepDuration: '4'}, (e, engine) => {
			if (e.type === 'tick' && e.snapshot.elapsedS === 5 && !asked) {
				asked = true;
				engine.nextApp();
			}
			if (e.type === 'tick' && e.snapshot.label.endsWith('-2') && e.snapshot.elapsedS === 2) engine.stop();
		});
		const [a, b] = summary.apps;
		assert.equal(a!.status, 'stopped');
		assert.match(a!.reason!, /ended by the user during step 2/);
		assert.equal(a!.steps.length, 2);
		assert.equal(a!.steps[0]!.partial, false);
		assert.equal(a!.steps[1]!.partial, true);
		assert.equal(b!.status, 'stopped');
		assert.equal(summary.status, 'stopped');
		assert.ok(a!.steps.every((s) => s.failures === 0), 'aborted requests are not failures');
	} finally {
		await mock.close();
	}
});

test('worker threads: users spread over 2 load threads, windows merged exactly, same answer and counts', async () => {
	const mock = await startMock({port: 0, capacity: 4, overload: 'queue', chunkCount: 10, chunkDelayMs: 20, seed: 5});
	try {
		const {summary, events} = await runEngine({appUrl: [mock.url], maxUsers: '6', stepSize: '3', stepDuration: '4', spawnRate: '50', settle: '1', workers: '2'});
		const app = summary.apps[0]!;
		assert.equal(app.status, 'completed', app.reason ?? '');
		assert.deepEqual(app.steps.map((s) => s.users), [3, 6]);
		assert.ok(Math.abs(app.steps[0]!.successQps - 15) < 1.5, `3 users: ${app.steps[0]!.successQps}`);
		assert.ok(Math.abs(app.maxQps! - 20) < 2, `max ${app.maxQps}`);
		const ticks = events.filter((e) => e.type === 'tick');
		assert.ok(ticks.every((e) => e.type === 'tick' && e.snapshot.users <= 6), 'ticks.every((e) => e.type === \'tick\' && e.snapshot.users <= 6)');
		assert.equal(ticks.at(-1)!.type === 'tick' && ticks.at(-1)!.snapshot.users, 6);
		const stats = await mock.stats();
		const extra = stats.completed - (app.totalRequests + 1);
		assert.ok(extra >= 0 && extra <= 6, `mock completed ${stats.completed}, we counted ${app.totalRequests} (+1 healthcheck)`);
		const ttftSamples = app.steps.reduce((a, s) => a + s.successes, 0);
		assert.ok(ttftSamples > 0, 'ttftSamples > 0');
	} finally {
		await mock.close();
	}
});

test('--stop-when-saturated ends the ramp two steps after saturation; --parallel-apps ramps apps at once', async () => {
	// 2 streams of 100 ms: 20 QPS; saturates at 2 users.
	const a = await startMock({port: 0, capacity: 2, overload: 'queue', chunkCount: 5, chunkDelayMs: 20});
	const b = await startMock({port: 0, capacity: 2, overload: 'queue', chunkCount: 5, chunkDelayMs: 20});
	try {
		const started = Date.now();
		const {summary, events} = await runEngine({appUrl: [a.url, b.url], maxUsers: '10', stepSize: '1', stepDuration: '3', settle: '1', stopWhenSaturated: true, parallelApps: true});
		const elapsed = (Date.now() - started) / 1000;
		for (const app of summary.apps) {
			assert.equal(app.status, 'completed');
			// Capacity 2: saturation is seen after the 2-user step (or, on a noisy machine, the 3-user one).
			const sat = app.saturatedAtUsers!;
			assert.ok(sat === 2 || sat === 3, `${app.label} saturated at ${sat}`);
			assert.equal(app.steps.length, sat + 2, `${app.label}: steps ${app.steps.map((s) => s.users).join(',')}`);
			assert.match(app.reason!, new RegExp(`two steps after saturation at ${sat} users`));
		}
		assert.ok(elapsed < 4 * 3 + 8, `both apps ramped at once: ${elapsed} s`);
		const labels = new Set(events.flatMap((e) => (e.type === 'tick' ? [e.snapshot.label] : [])));
		assert.equal(labels.size, 2, 'ticks for both apps');
	} finally {
		await a.close();
		await b.close();
	}
});
