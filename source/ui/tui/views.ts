// The TUI's sections as pure functions: state in, lines of text out (each at most `width` columns).
import type {AppStatus, Snapshot} from '../../types.ts';
import {fmtCount, fmtDuration, fmtMs, fmtPct, fmtQps} from '../answer.ts';
import {stripControl} from '../sanitize.ts';
import {runEtaS, type AppView, type TuiState, type WarningView} from './state.ts';
import {line, s, safe, wrapWords, type Seg} from './text.ts';

export interface ViewContext {
	width: number;
	color: boolean;
	/** Wall clock, ms. */
	now: number;
	compact: boolean;
}

const SEP: Seg = {text: ' · ', style: {dim: true}};

function join(parts: Seg[][]): Seg[] {
	const out: Seg[] = [];
	for (const p of parts) {
		if (p.length === 0) continue;
		if (out.length > 0) out.push(SEP);
		out.push(...p);
	}
	return out;
}

export function generatorHot(snap: Snapshot | null): boolean {
	return !!snap && (snap.generator.elu > 0.9 || snap.generator.lagMs > 100);
}

export function headerLines(state: TuiState, app: AppView | null, ctx: ViewContext): string[] {
	const {width, color, now} = ctx;
	const elapsed = state.startedAtMs === null ? null : Math.max(0, (now - state.startedAtMs) / 1000);
	const eta = runEtaS(state);
	const first = join([
		[s('qpscope', {bold: true, fg: 'cyan'}), ' ', s(state.runName || 'starting…', {bold: true})],
		elapsed === null ? [] : [`run ${fmtDuration(elapsed)}`, eta === null || state.final ? '' : ` ETA ~${fmtDuration(eta)}`],
		state.auth ? [s(`auth ${state.auth}`, {dim: true})] : [],
	]);
	const lines = [line(first, width, color)];
	if (!app) {
		lines.push(line([s(state.started ? 'waiting for the first app…' : 'waiting for the engine…', {dim: true})], width, color));
		return lines;
	}
	const pos = app.order + 1;
	const total = Math.max(state.appTotal, state.apps.length);
	const snap = app.snapshot;
	const phase = app.phase && app.phase !== 'ramp' ? app.phase : '';
	const second = join([
		[`app ${pos}/${total} `, s(stripControl(app.plan.label), {bold: true}), ` (${stripControl(app.plan.computeSize)})`],
		snap && app.status === 'running' ? [`${fmtDuration(snap.elapsedS)} ETA ${fmtDuration(snap.etaAppS)}`] : [app.status],
		phase ? [s(phase, {fg: 'yellow'})] : [],
		app.plan.url ? [s(stripControl(app.plan.url), {dim: true})] : [],
	]);
	lines.push(line(second, width, color));
	return lines;
}

const STATUS_MARK: Record<AppStatus, string> = {
	pending: '',
	running: '▸ ',
	completed: '✓ ',
	skipped: '',
	stopped: '',
	failed: '✗ ',
};

/** One line: every app with its status; finished ones with their max QPS, running ones with QPS now. */
export function queueLine(state: TuiState, ctx: ViewContext): string {
	const parts: Seg[][] = state.apps.map((app) => {
		const label = stripControl(app.plan.label);
		const style = app.status === 'running' ? {bold: true} : app.status === 'pending' ? {dim: true} : {};
		const seg: Seg[] = [s(`${STATUS_MARK[app.status]}${label} ${app.status}`, style)];
		if (app.summary && app.summary.maxQps !== null) seg.push(` ${fmtQps(app.summary.maxQps)} QPS max`);
		else if (app.status === 'running' && app.snapshot) seg.push(` ${fmtQps(app.snapshot.step.successQps)} QPS`);
		return seg;
	});
	const out: Seg[] = [s('apps', {dim: true})];
	parts.forEach((p, i) => out.push(s(i === 0 ? ' ' : ' │ ', {dim: true}), ...p));
	return line(out, ctx.width, ctx.color);
}

function bar(fraction: number, width: number): string {
	const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
	const full = Math.round(f * width);
	return '█'.repeat(full) + '░'.repeat(width - full);
}

function mb(bytes: number): string {
	return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** The current step: 3 lines when compact (the generator on the third), else 4. */
export function stepPanelLines(state: TuiState, app: AppView | null, ctx: ViewContext): string[] {
	const {width, color, compact} = ctx;
	const snap = app?.snapshot ?? null;
	if (!app || !snap || app.status !== 'running') {
		const msg = !app
			? ''
			: app.status === 'running'
				? `${app.phase ?? 'starting'}${app.phaseMessage ? `: ${app.phaseMessage}` : ''}`
				: `${stripControl(app.plan.label)} ${app.status}${app.summary?.reason ? `: ${safe(app.summary.reason)}` : ''}`;
		return [line([s(msg, {fg: 'yellow'})], width, color), '', ...(compact ? [] : [''])];
	}
	const stepCount = snap.stepCount || state.stepCount;
	const fails = snap.step.failures;
	const rate = snap.step.requests > 0 ? fails / snap.step.requests : 0;
	const failStyle = fails > 0 ? {fg: 'red' as const, bold: true} : {};
	const l1 = join([
		[
			s(`step ${snap.stepIndex}/${stepCount}`, {bold: true}),
			' ',
			s(bar(snap.stepDurationS > 0 ? snap.stepElapsedS / snap.stepDurationS : 0, compact ? 12 : 24), {fg: 'cyan'}),
			` ${Math.round(snap.stepElapsedS)}/${Math.round(snap.stepDurationS)}s`,
		],
		['users ', s(`${snap.users}`, {bold: true}), `/${snap.stepUsers}`],
		[`in flight ${snap.inFlight}`],
	]);
	const l2 = join([
		['QPS now ', s(fmtQps(snap.second.qps), {bold: true}), ` (ok ${fmtQps(snap.second.successQps)})`],
		snap.step.steady === false ? ['step ', s('settling…', {dim: true})] : ['step ', s(fmtQps(snap.step.qps), {bold: true}), ` (ok ${fmtQps(snap.step.successQps)})`],
		['failures ', s(`${fails} (${fmtPct(rate)})`, failStyle)],
	]);
	const latency: Seg[][] = [
		['TTFT p50 ', s(fmtMs(snap.step.ttftMs.p50), {bold: true}), ' p95 ', s(fmtMs(snap.step.ttftMs.p95), {bold: true})],
		['latency p50 ', s(fmtMs(snap.step.latencyMs.p50), {bold: true}), ' p95 ', s(fmtMs(snap.step.latencyMs.p95), {bold: true})],
	];
	const g = snap.generator;
	const hot = generatorHot(snap);
	const hotStyle = hot ? {fg: 'red' as const, bold: true, inverse: true} : {dim: true};
	const cpu = `${Math.round(g.cpuPct)}%`;
	const lag = `${Math.round(g.lagMs)}ms`;
	if (compact) {
		const gen = [s(hot ? `! gen CPU ${cpu} lag ${lag}` : `gen CPU ${cpu} lag ${lag}`, hotStyle)];
		return [line(l1, width, color), line(l2, width, color), line(join([...latency, gen]), width, color)];
	}
	const l4 = join([
		[s(`generator CPU ${cpu} · event loop ${Math.round(g.elu * 100)}% busy · lag ${lag}`, hotStyle)],
		hot ? [s('! the generator is overloaded: figures may be too low', {fg: 'red', bold: true})] : [s(`rss ${mb(g.rssBytes)}`, {dim: true})],
	]);
	return [line(l1, width, color), line(l2, width, color), line(join(latency), width, color), line(l4, width, color)];
}

/** Top failure messages with counts: up to `max` lines, none when there are no failures. */
export function failureLines(app: AppView | null, max: number, ctx: ViewContext): string[] {
	const snap = app?.status === 'running' ? app.snapshot : null;
	const top = snap?.topFailures ?? [];
	if (top.length === 0 || max <= 0) return [];
	return top.slice(0, max).map((f, i) =>
		line(
			[
				s(i === 0 ? 'failures ' : '         ', {dim: true}),
				s(`${fmtCount(f.count)}×`.padStart(6), {fg: 'red', bold: true}),
				' ',
				s(f.outcome, {fg: 'red'}),
				' ',
				safe(f.message),
			],
			ctx.width,
			ctx.color,
		),
	);
}

export function warningLines(warnings: readonly WarningView[], ctx: ViewContext): string[] {
	return warnings.map((w) =>
		line(
			[
				s(`! ${w.kind}`, {fg: 'yellow', bold: true}),
				w.label ? ` [${w.label}]` : '',
				': ',
				s(w.message, {fg: 'yellow'}),
				w.count > 1 ? ` (×${w.count})` : '',
			],
			ctx.width,
			ctx.color,
		),
	);
}

export interface StatusOptions {
	stopping: boolean;
	keys: boolean;
	help: boolean;
	multiApp: boolean;
	cycleCharts: boolean;
}

/** The bottom line (and the key help when toggled). */
export function statusLines(state: TuiState, opts: StatusOptions, ctx: ViewContext): string[] {
	const {width, color} = ctx;
	const left: Seg = opts.stopping
		? s('stopping… writing results', {fg: 'yellow', bold: true})
		: state.final
			? s('done', {fg: 'green', bold: true})
			: s(state.started ? 'running' : 'starting', {fg: 'green'});
	const keyHint = opts.stopping ? 'Ctrl-C again: quit at once' : opts.help ? '? hide help' : 'q stop · ? keys';
	const hint: Seg[] = opts.keys ? [SEP, s(keyHint, {dim: true})] : [];
	const lines = [line([left, ...hint], width, color)];
	if (opts.keys && opts.help) {
		const keys = [
			'q stop and write results',
			opts.multiApp ? 'n next app' : 'n end the ramp now',
			opts.cycleCharts ? 'c next chart' : '',
			'Ctrl-C twice: quit at once',
		].filter(Boolean);
		const legend = '★ best step · ! untrusted or failed · ~ partial · | step start (users)';
		for (const l of [...wrapWords(keys.join(' · '), width), ...wrapWords(legend, width)]) lines.push(line([s(l, {dim: true})], width, color));
	}
	return lines;
}
