// The live terminal UI: the reducer, the layout's pieces, and the whole App under ink-testing-library.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {EventEmitter} from 'node:events';
import {afterEach, describe, test} from 'node:test';
import React from 'react';
import {cleanup, render} from 'ink-testing-library';
import type {EngineEvent, EngineEvents, EngineListener, RunControl, Snapshot, StepSummary} from '../source/types.ts';
import {answerSentence, renderFinalAnswer} from '../source/ui/answer.ts';
import {displayWidth, stripControl} from '../source/ui/sanitize.ts';
import {App, type AppProps} from '../source/ui/tui/App.tsx';
import {chartLines, markerRow, seriesFor} from '../source/ui/tui/chart.ts';
import {makeAppSummary, makeRunSummary, makeSnapshot, makeStep, tickOf} from '../source/ui/tui/fake.ts';
import {startTui} from '../source/ui/tui/index.tsx';
import {
	bestStepIndex,
	expireWarnings,
	focusedApp,
	initialState,
	MAX_WARNINGS,
	reduce,
	RING_CAP,
	type TuiState,
} from '../source/ui/tui/state.ts';
import {createStore} from '../source/ui/tui/store.ts';
import {stepTableModel, tableWidth} from '../source/ui/tui/tables.tsx';
import {plain} from '../source/ui/tui/text.ts';

afterEach(() => cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const APPS = [
	{label: 'small-w2', url: 'https://small-w2-1234567890.aws.databricksapps.com', computeSize: 'medium'},
	{label: 'large-w8', url: 'https://large-w8-1234567890.aws.databricksapps.com', computeSize: 'large'},
];

class Bus implements EngineEvents {
	listeners = new Set<EngineListener>();
	subscribe(l: EngineListener) {
		this.listeners.add(l);
		return () => this.listeners.delete(l);
	}
	emit(e: EngineEvent) {
		for (const l of this.listeners) l(e);
	}
}

class Control implements RunControl {
	stops: (string | undefined)[] = [];
	nexts = 0;
	stop(reason?: string) {
		this.stops.push(reason);
	}
	nextApp() {
		this.nexts++;
	}
}

const runStarted = (apps = APPS): EngineEvent => ({
	type: 'runStarted',
	runName: 'ramp-test',
	runDir: 'runs/ramp-test',
	apps,
	auth: 'm2m (service principal)',
	startedAt: new Date().toISOString(),
	stepCount: 10,
});

/** A ramp of `n` finished steps: 20 users each more, QPS rising then flat, the last ones failing. */
function ramp(n: number): StepSummary[] {
	const out: StepSummary[] = [];
	for (let i = 1; i <= n; i++) {
		const qps = Math.min(i * 9.5, 40);
		const failing = i > 6;
		out.push(
			makeStep({
				index: i,
				users: i * 20,
				qps,
				successQps: failing ? qps * 0.9 : qps,
				failures: failing ? 40 : 0,
				failureRate: failing ? 0.1 : 0,
				passed: !failing,
				failedChecks: failing ? ['failure rate 10.0% > 1.0%'] : [],
				ttftMs: {p50: 200 + i * 10, p95: 400 + i * 37, p99: 900},
			}),
		);
	}
	return out;
}

/** Events for an app mid-ramp: started, `steps` finished, and a tick of the next step. */
function midRamp(label: string, steps: StepSummary[], over: Partial<Snapshot> | null = null): EngineEvent[] {
	const plan = APPS.find((a) => a.label === label)!;
	const events: EngineEvent[] = [{type: 'appStarted', app: plan, index: APPS.indexOf(plan), total: APPS.length}];
	let t = 0;
	for (const step of steps) {
		for (let s = 0; s < 5; s++) {
			events.push(
				tickOf(
					makeSnapshot({
						label,
						stepIndex: step.index,
						stepUsers: step.users,
						second: {...makeSnapshot({label}).second, t: t++, completed: Math.round(step.qps), successes: Math.round(step.qps)},
					}),
				),
			);
		}
		events.push({type: 'stepFinished', label, step});
	}
	events.push(tickOf(makeSnapshot({label, stepIndex: steps.length + 1, stepUsers: (steps.length + 1) * 20, ...(over ?? {})})));
	return events;
}

function fold(events: EngineEvent[], state: TuiState = initialState(), now = 0): TuiState {
	return events.reduce((s, e) => reduce(s, e, now), state);
}

function mount(props: Partial<AppProps> & {events?: EngineEvent[]}) {
	const store = createStore();
	for (const e of props.events ?? []) store.dispatch(e);
	const control = new Control();
	const ui = render(
		<App store={store} control={control} noColor flushMs={10} exitOnFinal={false} size={{columns: 100, rows: 40}} {...props} />,
	);
	return {store, control, ui, frame: () => ui.lastFrame() ?? ''};
}

/** The table row (line) of the step with this many users. */
function rowOf(frame: string, users: number): string {
	const line = frame.split('\n').find((l) => new RegExp(`^│\\s*\\d+\\s*│\\s*${users}\\s*│`).test(l));
	assert.ok(line, `no table row for ${users} users in:\n${frame}`);
	return line;
}

describe('stripControl', () => {
	test('removes CSI, OSC and other escapes, C0 and C1 controls; newlines become spaces', () => {
		assert.equal(stripControl('a\x1b[31mred\x1b[0m b'), 'ared b');
		assert.equal(stripControl('x\x1b]0;title\x07y'), 'xy');
		assert.equal(stripControl('x\x1b]8;;http://e.vil\x1b\\link\x1b]8;;\x1b\\y'), 'xlinky');
		assert.equal(stripControl('line1\r\nline2\nline3\ttab'), 'line1 line2 line3 tab');
		assert.equal(stripControl('bell\x07 nul\x00 del\x7f c1\x9b31m csi'), 'bell nul del c1 csi');
		assert.equal(stripControl('esc \x1bc reset \x1b(B'), 'esc  reset ');
		assert.equal(stripControl('open osc \x1b]0;never ends'), 'open osc ');
		assert.equal(stripControl('bidi \u202eevil'), 'bidi evil');
		assert.equal(stripControl('HTTP 503: Service Unavailable — ünïcode ✓'), 'HTTP 503: Service Unavailable — ünïcode ✓');
	});
	test('display width counts wide characters twice', () => {
		assert.equal(displayWidth('abc'), 3);
		assert.equal(displayWidth('日本'), 4);
		assert.equal(displayWidth('e\u0301'), 1);
	});
});

describe('reduce', () => {
	test('apps, focus, status and steps follow the events', () => {
		const steps = ramp(3);
		const s = fold([runStarted(), ...midRamp('small-w2', steps)]);
		assert.equal(s.runName, 'ramp-test');
		assert.deepEqual(
			s.apps.map((a) => [a.plan.label, a.status]),
			[
				['small-w2', 'running'],
				['large-w8', 'pending'],
			],
		);
		assert.equal(focusedApp(s)?.plan.label, 'small-w2');
		assert.equal(s.apps[0]!.steps.length, 3);
		assert.equal(s.apps[0]!.ring.length, 16);
		// A step sent again (e.g. as partial) replaces the first one.
		const again = reduce(s, {type: 'stepFinished', label: 'small-w2', step: {...steps[2]!, partial: true}}, 0);
		assert.equal(again.apps[0]!.steps.length, 3);
		assert.equal(again.apps[0]!.steps[2]!.partial, true);
		const done = reduce(again, {type: 'appFinished', app: makeAppSummary({label: 'small-w2', status: 'completed', maxQps: 28.5, maxQpsUsers: 60, steps})}, 0);
		assert.equal(done.apps[0]!.status, 'completed');
		const next = fold(midRamp('large-w8', ramp(1)), done);
		assert.equal(focusedApp(next)?.plan.label, 'large-w8');
		assert.equal(next.apps[1]!.order, 1);
	});

	test('per-app rings are bounded and keep no engine windows', () => {
		let s = fold([runStarted()]);
		for (let t = 0; t < 2 * RING_CAP + 100; t++) {
			s = reduce(s, tickOf(makeSnapshot({label: 'small-w2', second: {...makeSnapshot({label: 'x'}).second, t}})), 0);
			if (t % 2 === 0) s = reduce(s, tickOf(makeSnapshot({label: 'large-w8', second: {...makeSnapshot({label: 'x'}).second, t}})), 0);
		}
		const [a, b] = s.apps;
		assert.equal(a!.ring.length, RING_CAP);
		assert.equal(a!.dropped, RING_CAP + 100);
		assert.equal(a!.ring[0]!.t, RING_CAP + 100);
		assert.equal(a!.ring.at(-1)!.t, 2 * RING_CAP + 99);
		assert.equal(b!.ring.length, RING_CAP);
		assert.equal(b!.dropped, (2 * RING_CAP + 100) / 2 - RING_CAP);
		// Only plain numbers: the tick's live WindowViews (histograms) are not kept.
		assert.ok(a!.ring.every((p) => Object.values(p).every((v) => typeof v === 'number' || v === null)), 'ring points hold plain numbers only');
		assert.ok(!JSON.stringify(s).includes('percentile'), 'no WindowView kept in the state');
		assert.ok(!('total' in (a!.snapshot as object)), 'the snapshot is kept, not the tick');
	});

	test('warnings: sanitized, deduplicated, at most three, fade', () => {
		let s = initialState();
		for (let i = 0; i < 5; i++) s = reduce(s, {type: 'warning', label: null, kind: 'app', message: `w${i}\x1b[31m!`}, 1000 + i);
		assert.equal(s.warnings.length, MAX_WARNINGS);
		assert.deepEqual(
			s.warnings.map((w) => w.message),
			['w2!', 'w3!', 'w4!'],
		);
		s = reduce(s, {type: 'warning', label: null, kind: 'app', message: 'w2!'}, 5000);
		assert.equal(s.warnings.length, 3);
		assert.equal(s.warnings.at(-1)!.count, 2);
		const faded = expireWarnings(s, 5000 + 10_000 - 1, 10_000);
		assert.deepEqual(
			faded.warnings.map((w) => w.message),
			['w2!'],
		);
		assert.equal(expireWarnings(faded, 5001, 10_000), faded);
	});

	test('the best step is the highest success QPS among passed steps', () => {
		const steps = ramp(8);
		assert.equal(steps[bestStepIndex(steps)]!.users, 100);
		steps[2] = {...steps[2]!, successQps: 99};
		assert.equal(bestStepIndex(steps), 2);
		steps[2] = {...steps[2]!, passed: false};
		assert.equal(steps[bestStepIndex(steps)]!.users, 100);
		assert.equal(bestStepIndex([]), -1);
	});
});

describe('charts and tables', () => {
	test('marker row puts | at step starts with the users when they fit', () => {
		assert.equal(markerRow([20, null, null, null, 40, null, 60]), '|20 | |');
		assert.equal(markerRow([20, null, null, 40, null, null, null, 100, null]), '|  |40 | ');
	});

	test('per second while the seconds fit, a few seconds per point, then per step once the ring dropped points', () => {
		const s = fold([runStarted(), ...midRamp('small-w2', ramp(4))]);
		const app = s.apps[0]!;
		const fine = seriesFor(app, 'qps', 100);
		assert.equal(fine.resolution, '1s');
		assert.equal(fine.values.length, app.ring.length);
		assert.deepEqual(
			fine.marks.filter((m) => m !== null),
			[20, 40, 60, 80, 100],
		);
		assert.equal(app.ring.length, 21);
		const coarse = seriesFor(app, 'qps', 10);
		assert.equal(coarse.resolution, '3s');
		assert.equal(coarse.values.length, 7);
		const perStep = seriesFor({...app, dropped: 1}, 'ttft', 50);
		assert.equal(perStep.resolution, 'step');
		assert.equal(perStep.marks.filter((m) => m !== null).length, 5); // 4 finished + the running one
	});

	test('a chart is height + 3 lines, none wider than asked, with asciichart glyphs', () => {
		const s = fold([runStarted(), ...midRamp('small-w2', ramp(4))]);
		for (const metric of ['qps', 'ttft', 'fail'] as const) {
			const lines = chartLines(s.apps[0]!, metric, {width: 40, height: 3, color: false});
			assert.equal(lines.length, 6);
			for (const l of lines) assert.ok(displayWidth(l) <= 40, `${metric}: ${l}`);
			assert.match(lines.join('\n'), /[┤┼]/);
		}
		const empty = chartLines(null, 'qps', {width: 40, height: 3, color: false});
		assert.equal(empty.length, 6);
	});

	test('step table: fewer columns when narrow, the best row kept in view', () => {
		const steps = ramp(10);
		const wide = stepTableModel(steps, {width: 200, maxRows: 20, full: true});
		assert.ok(wide.columns.includes('TTFT p50') && wide.columns.includes('note'), 'the wide table has TTFT p50 and notes');
		assert.equal(wide.rows.length, 10);
		const narrow = stepTableModel(steps, {width: 80, maxRows: 3, full: false});
		assert.ok(!narrow.columns.includes('TTFT p50'), 'the narrow table drops TTFT p50');
		assert.ok(tableWidth(narrow.columns, narrow.rows) <= 80, 'the narrow table fits 80 columns');
		assert.deepEqual(
			narrow.rows.map((r) => r['#']),
			['5', '9', '10'],
		);
		assert.equal(narrow.rows[0]![' '], '★');
		assert.equal(narrow.rows[2]![' '], '!');
		assert.equal(narrow.hidden, 7);
		const tiny = stepTableModel(steps, {width: 50, maxRows: 3, full: false});
		assert.ok(tableWidth(tiny.columns, tiny.rows) <= 50, 'the tiny table fits 50 columns');
	});
});

describe('App', () => {
	test('finished steps appear with their numbers; the best-step mark moves to the right row', async () => {
		const steps = ramp(8);
		const {store, frame} = mount({events: [runStarted(), ...midRamp('small-w2', steps.slice(0, 2))]});
		await sleep(40);
		let f = frame();
		assert.match(rowOf(f, 20), /│\s+9\.5\s+│/);
		assert.match(rowOf(f, 40), /★/);
		assert.doesNotMatch(rowOf(f, 20), /★/);
		store.dispatch({type: 'stepFinished', label: 'small-w2', step: steps[2]!});
		await sleep(40);
		f = frame();
		assert.match(rowOf(f, 60), /│\s+28\.5\s+│/);
		assert.match(rowOf(f, 60), /★/);
		assert.doesNotMatch(rowOf(f, 40), /★/);
		// A failing step with more QPS is marked (!) and does not take the star.
		store.dispatch({type: 'stepFinished', label: 'small-w2', step: {...steps[7]!, index: 4, users: 80, qps: 60, successQps: 54}});
		await sleep(40);
		f = frame();
		assert.match(rowOf(f, 80), /!/);
		assert.doesNotMatch(rowOf(f, 80), /★/);
		assert.match(rowOf(f, 60), /★/);
	});

	test('the current step, the header and a sparkline are on screen', async () => {
		const {frame} = mount({events: [runStarted(), ...midRamp('small-w2', ramp(3), {inFlight: 57, users: 78, stepUsers: 80})]});
		await sleep(40);
		const f = frame();
		assert.match(f, /qpscope ramp-test/);
		assert.match(f, /app 1\/2 small-w2 \(medium\)/);
		assert.match(f, /auth m2m/);
		assert.match(f, /step 4\/10/);
		assert.match(f, /users 78\/80/);
		assert.match(f, /in flight 57/);
		assert.match(f, /TTFT p50 225ms p95 495ms/);
		assert.match(f, /[┤┼]/);
		assert.match(f, /[╭╮╯╰─]/);
		assert.match(f, /large-w8 pending/);
	});

	test('before its steady window opens, the step shows "settling", not transient figures', async () => {
		const settling = makeSnapshot({label: 'small-w2'});
		const {frame} = mount({events: [runStarted(), ...midRamp('small-w2', ramp(2), {step: {...settling.step, steady: false, qps: 99, successQps: 99}})]});
		await sleep(40);
		assert.match(frame(), /step settling…/, 'settling shown');
		assert.doesNotMatch(frame(), /step 99/, 'no transient step QPS');
	});

	test('generator overload is flagged', async () => {
		const hot = {cpuPct: 190, elu: 0.97, lagMs: 150, rssBytes: 1e8};
		const {frame} = mount({events: [runStarted(), ...midRamp('small-w2', ramp(1), {generator: hot})]});
		await sleep(40);
		assert.match(frame(), /! .*overloaded|! gen/);
	});

	test('warnings show, then fade', async () => {
		const {store, frame} = mount({fadeMs: 150, events: [runStarted(), ...midRamp('small-w2', ramp(1))]});
		store.dispatch({type: 'warning', label: 'small-w2', kind: 'auth', message: 'token refresh failed, retrying'});
		await sleep(40);
		assert.match(frame(), /! auth \[small-w2\]: token refresh failed, retrying/);
		await sleep(300);
		assert.doesNotMatch(frame(), /token refresh failed/);
	});

	test('tokens in server text are redacted', async () => {
		const topFailures = [{outcome: 'auth_error' as const, message: 'HTTP 401: rejected Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln for dapi0123456789abcdef', count: 2}];
		const {store, frame} = mount({events: [runStarted(), ...midRamp('small-w2', ramp(1), {topFailures})]});
		store.dispatch({type: 'warning', label: null, kind: 'auth', message: 'refresh failed: Authorization: Bearer abcdefghijklmnop'});
		await sleep(40);
		const f = frame();
		assert.match(f, /HTTP 401: rejected Bearer \*\*\* for \*\*\*/);
		assert.match(f, /Authorization: Bearer \*\*\*/);
		assert.doesNotMatch(f, /eyJ|dapi0|abcdefghijklmnop/);
	});

	test('failure messages show without their escape sequences', async () => {
		const topFailures = [{outcome: 'http_error' as const, message: 'HTTP 500 \x1b[31mboom\x1b[0m \x1b]0;title\x07done\nnext', count: 12}];
		for (const noColor of [true, false]) {
			const {frame} = mount({noColor, events: [runStarted(), ...midRamp('small-w2', ramp(1), {topFailures})]});
			await sleep(40);
			const f = frame();
			assert.match(plain(f), /12× http_error HTTP 500 boom done next/);
			assert.ok(!f.includes('\x1b]'), 'no OSC');
			assert.ok(!f.includes('\x07'), 'no BEL');
			assert.ok(!f.includes('title'), 'no window title');
			assert.ok(!f.includes('\x1b[31mboom'), 'no server colour');
			if (noColor) assert.ok(!f.includes('\x1b'), 'NO_COLOR: no escape at all');
			else assert.ok(f.includes('\x1b['), 'colour when allowed');
			cleanup();
		}
	});

	test('80x24: compact, no line wider than 80, fewer lines than the terminal', async () => {
		const topFailures = [
			{outcome: 'http_error' as const, message: 'HTTP 503: upstream connect error or disconnect/reset before headers. reset reason: overflow', count: 40},
			{outcome: 'timeout' as const, message: 'no [DONE] within 120 s', count: 3},
		];
		const events: EngineEvent[] = [runStarted(), ...midRamp('small-w2', ramp(9), {topFailures})];
		events.push({type: 'warning', label: 'small-w2', kind: 'generator', message: 'event-loop lag 140 ms on worker 2: this step may under-report its QPS, by a lot'});
		events.push({type: 'warning', label: null, kind: 'auth', message: 'token refresh took 3.2 s'});
		const {frame} = mount({size: {columns: 80, rows: 24}, events});
		await sleep(40);
		const lines = frame().split('\n');
		for (const l of lines) assert.ok(displayWidth(l) <= 80, `too wide (${displayWidth(l)}): ${l}`);
		assert.ok(lines.length <= 23, `${lines.length} lines:\n${frame()}`);
		assert.ok(!frame().includes('TTFT p50 │'), 'no TTFT p50 column');
		assert.match(frame(), /│ ok QPS │/);
		assert.match(frame(), /★|best/);
		assert.match(frame(), /[┤┼]/);
	});

	test('200x50: charts side by side, the full table', async () => {
		const {frame} = mount({size: {columns: 200, rows: 50}, events: [runStarted(), ...midRamp('small-w2', ramp(9))]});
		await sleep(40);
		const f = frame();
		for (const l of f.split('\n')) assert.ok(displayWidth(l) <= 200, l);
		assert.ok(f.split('\n').length <= 49, 'fewer lines than the terminal');
		assert.ok(f.split('\n').some((l) => /QPS.*TTFT p95.*failures %/.test(l)), 'three chart titles on one line');
		assert.match(f, /│ TTFT p50 │/);
		assert.match(f, /note/);
		for (let u = 20; u <= 180; u += 20) rowOf(f, u);
	});

	test('resize: the layout follows the terminal width', async () => {
		const store = createStore();
		for (const e of [runStarted(), ...midRamp('small-w2', ramp(5))]) store.dispatch(e);
		const ui = render(<App store={store} control={new Control()} noColor flushMs={10} exitOnFinal={false} />);
		await sleep(30);
		const stdout = ui.stdout as unknown as EventEmitter & {columns: number};
		assert.ok(ui.lastFrame()!.split('\n').every((l) => displayWidth(l) <= 100), 'fits 100 columns before the resize');
		Object.defineProperty(stdout, 'columns', {value: 60, configurable: true});
		stdout.emit('resize');
		await sleep(30);
		const f = ui.lastFrame()!;
		for (const l of f.split('\n')) assert.ok(displayWidth(l) <= 60, `too wide after resize: ${l}`);
	});

	test('keys: q stops, n goes to the next app, ? shows help, a second Ctrl-C exits at once', async () => {
		const exits: number[] = [];
		const {control, ui, frame} = mount({exitNow: (c) => exits.push(c), events: [runStarted(), ...midRamp('small-w2', ramp(2))]});
		await sleep(30);
		ui.stdin.write('?');
		await sleep(30);
		assert.match(frame(), /q stop and write results/);
		ui.stdin.write('n');
		await sleep(30);
		assert.equal(control.nexts, 1);
		ui.stdin.write('q');
		await sleep(30);
		assert.equal(control.stops.length, 1);
		assert.match(frame(), /stopping… writing results/);
		ui.stdin.write('\x03');
		await sleep(10);
		assert.equal(control.stops.length, 2);
		assert.deepEqual(exits, []);
		ui.stdin.write('\x03');
		await sleep(10);
		assert.deepEqual(exits, [130]);
	});

	test('renders at most a few times a second, whatever the event rate', async () => {
		const {store, ui} = mount({flushMs: 100, events: [runStarted()]});
		await sleep(20);
		const before = ui.frames.length;
		for (let t = 0; t < 500; t++) store.dispatch(tickOf(makeSnapshot({label: 'small-w2', second: {...makeSnapshot({label: 'x'}).second, t}})));
		await sleep(250);
		const renders = ui.frames.length - before;
		assert.ok(renders >= 1 && renders <= 4, `${renders} renders`);
	});
});

function finalSummary() {
	const large = makeAppSummary({
		label: 'large-w8',
		computeSize: 'large',
		maxQps: 271,
		maxQpsUsers: 240,
		saturatedAtUsers: 240,
		steps: [makeStep({index: 12, users: 240, qps: 271, successQps: 271, ttftMs: {p50: 300, p95: 640, p99: 900}})],
	});
	const small = makeAppSummary({label: 'small-w2', computeSize: 'medium', maxQps: 38.2, maxQpsUsers: 80, saturatedAtUsers: 80, steps: [makeStep({index: 4, users: 80, qps: 38.2})]});
	const skipped = makeAppSummary({label: 'broken', computeSize: 'unknown', status: 'skipped', reason: 'healthcheck: HTTP 404', steps: []});
	return makeRunSummary([small, skipped, large], {notes: ['Step 3 of small-w2 is not trusted.']});
}

describe('final answer', () => {
	test('renderFinalAnswer: apps best first and one plain sentence', () => {
		const text = renderFinalAnswer(finalSummary());
		const lines = text.split('\n');
		const at = (label: string) => lines.findIndex((l) => l.startsWith(label));
		assert.ok(at('large-w8') < at('small-w2') && at('small-w2') < at('broken'), text);
		assert.match(lines[at('large-w8')]!, /large\s+completed\s+271\s+240\s+240 users\s+640ms/);
		assert.match(text, /large-w8 serves 271 QPS at 240 users; it saturated at 240 users\./);
		assert.match(text, /broken skipped: healthcheck: HTTP 404/);
		assert.match(text, /Note: Step 3 of small-w2 is not trusted\./);
		assert.equal(answerSentence(makeRunSummary([])), 'No app was tested.');
	});

	test('the App shows the answer table, the sentence and the files at the end', async () => {
		const events: EngineEvent[] = [
			runStarted(),
			...midRamp('small-w2', ramp(3)),
			{type: 'runFinished', summary: finalSummary(), runDir: 'runs/ramp-test', files: ['runs/ramp-test/summary.json', 'runs/ramp-test/report.html']},
		];
		for (const size of [
			{columns: 80, rows: 24},
			{columns: 200, rows: 50},
		]) {
			const {frame} = mount({size, events});
			await sleep(40);
			const f = frame();
			assert.match(f, /│ app\s+│/);
			assert.match(f, /│ max QPS │/);
			const lines = f.split('\n');
			const idx = (label: string) => lines.findIndex((l) => l.includes(`│ ${label}`));
			assert.ok(idx('large-w8') >= 0 && idx('large-w8') < idx('small-w2') && idx('small-w2') < idx('broken'), f);
			assert.match(f, /large-w8 serves 271 QPS at 240 users; it saturated at 240 users\./);
			assert.match(f, /summary\.json · report\.html/);
			for (const l of lines) assert.ok(displayWidth(l) <= size.columns, l);
			assert.ok(lines.length < size.rows, 'fewer lines than the terminal');
			cleanup();
		}
	});

	test('startTui: draws, exits by itself after runFinished and leaves the answer', async () => {
		const written: string[] = [];
		const stdout = Object.assign(new EventEmitter(), {
			columns: 100,
			rows: 30,
			isTTY: false,
			write: (chunk: string) => (written.push(chunk), true),
		}) as unknown as NodeJS.WriteStream;
		const stdin = Object.assign(new EventEmitter(), {isTTY: false, setEncoding() {}, resume() {}, pause() {}, ref() {}, unref() {}}) as unknown as NodeJS.ReadStream;
		const bus = new Bus();
		const tui = startTui({events: bus, control: new Control(), stdout, stdin, noColor: true, flushMs: 20});
		for (const e of [runStarted(), ...midRamp('small-w2', ramp(2))]) bus.emit(e);
		await sleep(60);
		bus.emit({type: 'runFinished', summary: finalSummary(), runDir: 'runs/ramp-test', files: ['runs/ramp-test/summary.json']});
		const exited = await Promise.race([tui.waitUntilExit().then(() => true), sleep(2000).then(() => false)]);
		assert.ok(exited, 'exits by itself');
		const out = written.join('');
		assert.match(out, /large-w8 serves 271 QPS/);
		assert.equal(bus.listeners.size, 0, 'unsubscribed');
	});

	test('demo-feed end to end in a child process: production React, NO_COLOR, exits 0 with the answer on screen', async () => {
		const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'};
		delete env.NODE_ENV;
		// ink draws only the last frame when it believes it runs in CI (is-in-ci), and CI runs with CI=true.
		delete env.CI;
		delete env.CONTINUOUS_INTEGRATION;
		const args = ['--import', 'tsx', 'source/ui/tui/demo-feed.tsx', '--apps', '2', '--steps', '3', '--step-seconds', '2', '--tick-ms', '80'];
		const child = spawn(process.execPath, args, {cwd: new URL('..', import.meta.url), env, stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		let err = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		child.stderr.on('data', (d: Buffer) => (err += d.toString()));
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		assert.equal(code, 0, err);
		assert.match(out, /step \d\/3 /, 'live frames were drawn');
		assert.match(out, /serves [\d.]+ QPS at \d+ users/);
		assert.match(out, /Results in runs\/ramp-2025-01-01T10-00: summary\.json/);
		assert.doesNotMatch(out, /\x1b\[[0-9;]*m/, 'NO_COLOR: no SGR');
	});
});
