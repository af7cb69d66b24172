// `npm run bench`: how much the load generator costs, so that it is never the bottleneck (issue 7).
// The mock agent runs as a separate child process (`qpscope mock`), so process.cpuUsage() here, which
// includes the load threads, is the generator's CPU alone; the mock's CPU is read from /proc.
// Every figure is a median over repeated runs (side by side runs alternate); the results go into
// bench/RESULTS.md between the `bench:start` and `bench:end` markers (see that file for how to read them).
//
//   npm run bench                      the full run (about 6 minutes)
//   npm run bench -- --quick           about 1½ minutes, one repetition, smaller loads
//   npm run bench -- --only cpu,ttft   some sections: cpu max ttft autocannon rss tui target
//   npm run bench -- --src /tmp/old    the generator (and CLI) of another checkout, against the same mock
//   npm run bench -- --no-write        print only
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {performance} from 'node:perf_hooks';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import autocannon from 'autocannon';
import type {TokenProvider} from '../source/types.ts';

type UsersModule = typeof import('../source/engine/users.ts');
type WorkerPoolModule = typeof import('../source/engine/worker-pool.ts');
type InvokeModule = typeof import('../source/client/invoke.ts');
type SelfwatchModule = typeof import('../source/engine/selfwatch.ts');
type WindowModule = typeof import('../source/stats/window.ts');
type LoadPool = import('../source/engine/users.ts').LoadPool;
type Window = import('../source/stats/window.ts').Window;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECTIONS = ['cpu', 'max', 'ttft', 'autocannon', 'rss', 'tui', 'target'] as const;
type Section = (typeof SECTIONS)[number];

const {values: flags} = parseArgs({
	options: {
		quick: {type: 'boolean', default: false},
		only: {type: 'string'},
		reps: {type: 'string'},
		src: {type: 'string'},
		'no-write': {type: 'boolean', default: false},
		results: {type: 'string'},
		help: {type: 'boolean', default: false},
		'rss-child': {type: 'string'},
	},
});
if (flags.help) {
	process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 11).map((l) => l.slice(3)).join('\n') + '\n');
	process.exit(0);
}
const QUICK = flags.quick;
const REPS = flags.reps ? Math.max(1, Number(flags.reps)) : QUICK ? 1 : 3;
const SRC = path.resolve(flags.src ?? ROOT);
const ONLY = new Set<Section>(
	flags.only
		? flags.only.split(',').map((s) => {
				const name = s.trim() as Section;
				if (!SECTIONS.includes(name)) throw new Error(`--only ${s}: sections are ${SECTIONS.join(', ')}`);
				return name;
			})
		: SECTIONS,
);
const RESULTS = path.resolve(flags.results ?? path.join(ROOT, 'bench', 'RESULTS.md'));
const BIN = path.join(SRC, 'bin', 'qpscope.js');
const MOCK_BIN = path.join(ROOT, 'bin', 'qpscope.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'qpscope-bench-'));

const load = <T>(rel: string): Promise<T> => import(pathToFileURL(path.join(SRC, rel)).href) as Promise<T>;
const {UserPool} = await load<UsersModule>('source/engine/users.ts');
const {WorkerPool} = await load<WorkerPoolModule>('source/engine/worker-pool.ts');
const {invoke, createDispatcher} = await load<InvokeModule>('source/client/invoke.ts');
const {LoopWatch} = await load<SelfwatchModule>('source/engine/selfwatch.ts');
const {Window: WindowClass} = await load<WindowModule>('source/stats/window.ts');

// ------------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const nowAbs = () => performance.timeOrigin + performance.now();
const cpuMs = () => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};
const median = (xs: number[]): number => {
	if (xs.length === 0) return Number.NaN;
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const quantile = (sorted: number[], q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits}) : '–');
/** "median (min–max)" over repetitions. */
const spread = (xs: number[], digits = 0): string => (xs.length <= 1 ? fmt(xs[0] ?? Number.NaN, digits) : `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`);
const mb = (bytes: number) => bytes / (1024 * 1024);

const log = (line: string) => process.stdout.write(`${line}\n`);

const CLK_TCK = (() => {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;
	} catch {
		return 100;
	}
})();

/** A process and every descendant (cluster workers of the mock). */
function treePids(pid: number): number[] {
	const out: number[] = [];
	const visit = (p: number) => {
		out.push(p);
		let tasks: string[] = [];
		try {
			tasks = fs.readdirSync(`/proc/${p}/task`);
		} catch {
			return;
		}
		for (const t of tasks) {
			try {
				const children = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
				if (children) for (const c of children.split(/\s+/)) visit(Number(c));
			} catch {
				// gone
			}
		}
	};
	visit(pid);
	return out;
}

/** User + system CPU of these processes, ms (from /proc, clock-tick resolution). */
function procCpuMs(pids: number[]): number {
	let ticks = 0;
	for (const p of pids) {
		try {
			const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			ticks += Number(f[11]) + Number(f[12]);
		} catch {
			// exited
		}
	}
	return (ticks * 1000) / CLK_TCK;
}

/** Busy and total CPU time of the whole machine, ms. */
function machineCpu(): {busyMs: number; totalMs: number} {
	const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
	const v = line.trim().split(/\s+/).slice(1).map(Number);
	const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
	const idle = v[3]! + v[4]!;
	return {busyMs: ((total - idle) * 1000) / CLK_TCK, totalMs: (total * 1000) / CLK_TCK};
}

/** CPU use over an interval: the generator (this process), the mock, and everything else on the machine. */
class CpuMeter {
	private readonly gen0 = cpuMs();
	private readonly mock0: number;
	private readonly m0 = machineCpu();
	private readonly t0 = performance.now();
	constructor(private readonly mock: Mock | null) {
		this.mock0 = mock ? mock.cpuMs() : 0;
	}
	/** `childGenMs`: CPU of a generator that ran as a child process (the CLI) in the interval. */
	read(childGenMs = 0): {seconds: number; genMs: number; mockMs: number; genPct: number; mockPct: number; otherPct: number; idlePct: number} {
		const seconds = (performance.now() - this.t0) / 1000;
		const genMs = cpuMs() - this.gen0 + childGenMs;
		const mockMs = this.mock ? this.mock.cpuMs() - this.mock0 : 0;
		const m = machineCpu();
		const busy = m.busyMs - this.m0.busyMs;
		const total = m.totalMs - this.m0.totalMs;
		const pct = (ms: number) => (ms / (seconds * 1000)) * 100;
		return {seconds, genMs, mockMs, genPct: pct(genMs), mockPct: pct(mockMs), otherPct: Math.max(0, pct(busy - genMs - mockMs)), idlePct: total > 0 ? ((total - busy) / total) * 100 * os.availableParallelism() : 0};
	}
}

// ------------------------------------------------------------------------------------------------
// The mock, as a child process

const children = new Set<ChildProcess>();
function killAll(): void {
	for (const c of children) {
		if (c.pid === undefined) continue;
		for (const p of treePids(c.pid).reverse()) {
			try {
				process.kill(p, 'SIGKILL');
			} catch {
				// gone
			}
		}
	}
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		killAll();
		process.exit(130);
	});
}

interface MockArgs {
	workers: number;
	chunkCount: number;
	chunkDelayMs: number;
}

class Mock {
	private constructor(
		private readonly child: ChildProcess,
		readonly url: string,
		readonly args: MockArgs,
	) {}

	static async start(args: MockArgs): Promise<Mock> {
		const child = spawn(process.execPath, [MOCK_BIN, 'mock', '--port', '0', '--workers', String(args.workers), '--chunk-count', String(args.chunkCount), '--chunk-delay-ms', String(args.chunkDelayMs)], {stdio: ['ignore', 'pipe', 'pipe']});
		children.add(child);
		let out = '';
		let err = '';
		child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
		const url = await new Promise<string>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`mock did not start in 30 s: ${err}`)), 30_000);
			child.stdout!.on('data', (d: Buffer) => {
				out += d.toString();
				const m = /listening on (http:\/\/\S+)/.exec(out);
				if (m) {
					clearTimeout(timer);
					resolve(m[1]!);
				}
			});
			child.once('exit', (code) => reject(new Error(`mock exited (${code}) before listening: ${err}`)));
		});
		return new Mock(child, url, args);
	}

	get pid(): number {
		return this.child.pid!;
	}

	cpuMs(): number {
		return procCpuMs(treePids(this.pid));
	}

	/** SIGTERM, then SIGKILL for anything of its tree still there after 5 s; checks that nothing is left. */
	async stop(): Promise<void> {
		const pids = treePids(this.pid);
		const exited = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once('exit', () => resolve())));
		this.child.kill('SIGTERM');
		await Promise.race([exited, sleep(5000)]);
		await sleep(100);
		const alive = (p: number) => {
			try {
				process.kill(p, 0);
				return true;
			} catch {
				return false;
			}
		};
		for (const p of pids.filter(alive)) {
			try {
				process.kill(p, 'SIGKILL');
			} catch {
				// gone
			}
		}
		await sleep(100);
		const left = pids.filter(alive);
		children.delete(this.child);
		if (left.length > 0) throw new Error(`mock processes left behind: ${left.join(' ')}`);
	}
}

async function withMock<T>(args: MockArgs, f: (mock: Mock) => Promise<T>): Promise<T> {
	const mock = await Mock.start(args);
	try {
		return await f(mock);
	} finally {
		await mock.stop();
	}
}

// ------------------------------------------------------------------------------------------------
// Driving the load pools

const BODY_STREAM = JSON.stringify({input: [{role: 'user', content: 'What is the weather like in San Francisco today?'}], stream: true});
const BODY_JSON = JSON.stringify({input: [{role: 'user', content: 'What is the weather like in San Francisco today?'}]});
const NO_AUTH: TokenProvider = {kind: 'none', getToken: async () => undefined, invalidate() {}, describe: () => 'none', close() {}};
/** Events of one mock stream: the tool call, the text deltas, the whole message, [DONE]. */
const eventsPerStream = (chunks: number) => chunks + 3;

interface PoolRun {
	users: number;
	seconds: number;
	completed: number;
	successes: number;
	failures: number;
	streamsPerS: number;
	eventsPerS: number;
	genCpuMsPerStream: number;
	mockCpuMsPerStream: number;
	genPct: number;
	mockPct: number;
	otherPct: number;
	idlePct: number;
	/** Load threads (or this thread): event-loop utilisation and lag p99 (median over the seconds). */
	elu: number;
	lagMs: number;
	/** Per measured second: streams, events. */
	perSecond: Array<{completed: number; events: number; elu: number}>;
	latencyP50Ms: number | null;
	peakRssBytes: number;
}

interface PoolSpec {
	mock: Mock;
	/** 0 = in this thread (UserPool); n = WorkerPool with n load threads. */
	workers: number;
	users: number;
	warmS: number;
	measureS: number;
	body?: string;
}

interface Level {
	users: number;
	/** Seconds after the users are set before measuring (the closed loop settles within one stream time). */
	settleS: number;
	measureS: number;
}

function makePool(spec: {mock: Mock; workers: number; body?: string}, t0: number): {pool: LoadPool; close: () => Promise<void>} {
	const dispatcher = spec.workers === 0 ? createDispatcher() : undefined;
	const options = {
		invocationsUrl: `${spec.mock.url}/invocations`,
		bodies: [spec.body ?? BODY_STREAM],
		headers: {},
		getToken: async () => undefined,
		onAuthRejected: () => {},
		timeoutMs: 300_000,
		idleTimeoutMs: 60_000,
		thinkTimeMs: 0,
		t0,
		dispatcher,
	};
	const pool: LoadPool = spec.workers === 0 ? new UserPool(options) : new WorkerPool(options, spec.workers, NO_AUTH);
	return {
		pool,
		close: async () => {
			await pool.stop();
			await pool.close?.();
			await dispatcher?.destroy();
		},
	};
}

/** Closed-loop users against the mock: one measured run per level, in one pool (levels go up). */
async function runLevels(spec: {mock: Mock; workers: number; body?: string}, levels: Level[]): Promise<PoolRun[]> {
	const t0 = nowAbs();
	const {pool, close} = makePool(spec, t0);
	const watch = spec.workers === 0 ? new LoopWatch() : null;
	let peakRss = process.memoryUsage.rss();
	const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
	const results: PoolRun[] = [];
	let s = 0;
	const second = async () => {
		await sleep(t0 + (s + 1) * 1000 + 50 - nowAbs());
		const w: Window = await pool.collect(s);
		s++;
		return {w, health: watch ? watch.sample() : pool.threadHealth?.() ?? {elu: 0, lagMs: 0}};
	};
	try {
		for (const level of levels) {
			pool.setUsers(level.users);
			for (let i = 0; i < level.settleS; i++) await second();
			const meter = new CpuMeter(spec.mock);
			const total = new WindowClass();
			const perSecond: PoolRun['perSecond'] = [];
			const elus: number[] = [];
			const lags: number[] = [];
			for (let i = 0; i < level.measureS; i++) {
				const {w, health} = await second();
				total.add(w);
				perSecond.push({completed: w.completed, events: w.chunks + 3 * w.successes, elu: health.elu});
				elus.push(health.elu);
				lags.push(health.lagMs);
			}
			const cpu = meter.read();
			// Little's law (in-flight time / mean latency), as the engine counts: users started together finish
			// together, and a count of completions in a few whole seconds aliases.
			const streamsPerS = total.rate(level.measureS);
			const n = Math.max(1, streamsPerS * cpu.seconds);
			const eventsPerStream = total.completed > 0 ? (total.chunks + 3 * total.successes) / total.completed : 0;
			results.push({
				users: level.users,
				seconds: cpu.seconds,
				completed: total.completed,
				successes: total.successes,
				failures: total.failures,
				streamsPerS,
				eventsPerS: streamsPerS * eventsPerStream,
				genCpuMsPerStream: cpu.genMs / n,
				mockCpuMsPerStream: cpu.mockMs / n,
				genPct: cpu.genPct,
				mockPct: cpu.mockPct,
				otherPct: cpu.otherPct,
				idlePct: cpu.idlePct,
				elu: median(elus),
				lagMs: median(lags),
				perSecond,
				latencyP50Ms: total.percentile('latency', 50),
				peakRssBytes: peakRss,
			});
		}
	} finally {
		clearInterval(rssTimer);
		watch?.close();
		await close();
	}
	return results;
}

/** One level after a warm-up. */
async function runPool(spec: PoolSpec): Promise<PoolRun> {
	const [run] = await runLevels(spec, [{users: spec.users, settleS: spec.warmS, measureS: spec.measureS}]);
	return run!;
}

// ------------------------------------------------------------------------------------------------
// Report

const report: string[] = [];
const out = (line = '') => {
	report.push(line);
	log(line);
};

function machineLines(): string[] {
	const model = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
	let head = '';
	try {
		head = execFileSync('git', ['-C', SRC, 'rev-parse', '--short', 'HEAD'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
		const dirty = execFileSync('git', ['-C', SRC, 'status', '--porcelain', '--', 'source/client', 'source/engine'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
		if (dirty) head += ' + uncommitted changes in source/client, source/engine';
	} catch {
		head = SRC === ROOT ? 'unknown' : `a copy at ${SRC}`;
	}
	return [
		`- Date: ${new Date().toISOString()}; mode: ${QUICK ? 'quick' : 'full'}, ${REPS} repetition${REPS > 1 ? 's' : ''} per figure (median, with min–max)`,
		`- Machine: ${os.availableParallelism()} cores (${model}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Linux ${os.release()}, Node ${process.version}`,
		`- Generator: ${SRC === ROOT ? 'this checkout' : SRC} (${head}); load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
	];
}

// ------------------------------------------------------------------------------------------------
// Sections

/** CPU per completed stream: 80 chunks at 0 ms and at 10 ms; in this thread and on 2 load threads, alternating. */
async function sectionCpu(): Promise<void> {
	out('### CPU per completed stream (80 chunks)');
	out();
	out('| chunk delay | pool | users | streams/s | SSE events/s | generator CPU ms/stream | mock CPU ms/stream | generator CPU % | other processes % |');
	out('|---|---|---|---|---|---|---|---|---|');
	const configs = [
		{delay: 0, users: 50},
		{delay: 10, users: 200},
	];
	const ratios: string[] = [];
	for (const c of configs) {
		await withMock({workers: 2, chunkCount: 80, chunkDelayMs: c.delay}, async (mock) => {
			const runs: Record<'inproc' | 'workers', PoolRun[]> = {inproc: [], workers: []};
			for (let r = 0; r < REPS; r++) {
				runs.inproc.push(await runPool({mock, workers: 0, users: c.users, warmS: QUICK ? 1 : 2, measureS: QUICK ? 2 : 3}));
				runs.workers.push(await runPool({mock, workers: 2, users: c.users, warmS: QUICK ? 1 : 2, measureS: QUICK ? 2 : 3}));
			}
			for (const [name, list] of [
				['in-process (--workers 0)', runs.inproc],
				['2 load threads (--workers 2)', runs.workers],
			] as const) {
				out(`| ${c.delay} ms | ${name} | ${c.users} | ${spread(list.map((x) => x.streamsPerS))} | ${spread(list.map((x) => x.eventsPerS))} | ${spread(list.map((x) => x.genCpuMsPerStream), 3)} | ${spread(list.map((x) => x.mockCpuMsPerStream), 3)} | ${spread(list.map((x) => x.genPct))} | ${spread(list.map((x) => x.otherPct))} |`);
			}
			const ratio = median(runs.workers.map((x, i) => x.genCpuMsPerStream / runs.inproc[i]!.genCpuMsPerStream));
			ratios.push(`${c.delay} ms: 2 load threads cost ${fmt(ratio, 2)}× the CPU per stream of in-process`);
		});
	}
	out();
	out(`Side by side: ${ratios.join('; ')}.`);
	out();
}

/** The highest SSE event rate the load threads sustain: step the users up in one pool, 1 and 2 load threads. */
async function sectionMax(): Promise<void> {
	out('### Highest sustained SSE event rate (80 chunks × 10 ms)');
	out();
	out('| load threads | users | streams/s | SSE events/s | load-thread ELU | lag p99 ms | generator CPU ms/stream | generator CPU % | mock CPU % | other % | idle % | latency p50 ms |');
	out('|---|---|---|---|---|---|---|---|---|---|---|---|');
	const levels: Level[] = (QUICK ? [400, 900] : [400, 700, 1000]).map((users) => ({users, settleS: 2, measureS: QUICK ? 2 : 3}));
	const all: Record<number, PoolRun[][]> = {1: [], 2: []};
	await withMock({workers: 2, chunkCount: 80, chunkDelayMs: 10}, async (mock) => {
		for (let r = 0; r < REPS; r++) {
			for (const workers of [1, 2]) all[workers]!.push(await runLevels({mock, workers}, levels));
		}
	});
	/** Per level, the median of each figure over the repetitions. */
	const med = (workers: number, i: number, f: (x: PoolRun) => number) => median(all[workers]!.map((runs) => f(runs[i]!)));
	for (const workers of [1, 2]) {
		for (let i = 0; i < levels.length; i++) {
			const xs = all[workers]!.map((runs) => runs[i]!);
			const m = (f: (x: PoolRun) => number, d = 0) => spread(xs.map(f), d);
			out(`| ${workers} | ${levels[i]!.users} | ${m((x) => x.streamsPerS)} | ${m((x) => x.eventsPerS)} | ${m((x) => x.elu, 2)} | ${m((x) => x.lagMs, 1)} | ${m((x) => x.genCpuMsPerStream, 3)} | ${m((x) => x.genPct)} | ${m((x) => x.mockPct)} | ${m((x) => x.otherPct)} | ${m((x) => x.idlePct)} | ${m((x) => x.latencyP50Ms ?? Number.NaN)} |`);
		}
	}
	out();
	out(`Sustained = the median load-thread event-loop utilisation (ELU) of the level stays under 0.9, the engine's "untrusted" bar, with no failures. A stream takes 0.8 s, so users / 0.8 is the most a level can complete (Little's law).`);
	const sustained: Record<number, number> = {};
	for (const workers of [1, 2]) {
		const name = `${workers} load thread${workers > 1 ? 's' : ''}`;
		const ok = (i: number) => med(workers, i, (x) => x.elu) < 0.9 && med(workers, i, (x) => x.failures) === 0;
		let top = -1;
		for (let i = 0; i < levels.length && ok(i); i++) top = i;
		sustained[workers] = top >= 0 ? med(workers, top, (x) => x.eventsPerS) : 0;
		const next = top + 1 < levels.length ? top + 1 : -1;
		const what =
			top >= 0
				? `${fmt(sustained[workers]!)} SSE events/s sustained (${levels[top]!.users} users, ELU ${fmt(med(workers, top, (x) => x.elu), 2)})`
				: `no level sustained (${levels[0]!.users} users: ELU ${fmt(med(workers, 0, (x) => x.elu), 2)})`;
		let limit: string;
		if (next >= 0) {
			const idle = med(workers, next, (x) => x.idlePct);
			limit = `at ${levels[next]!.users} users (${fmt(med(workers, next, (x) => x.eventsPerS))} events/s) the load thread${workers > 1 ? 's' : ''} reached ELU ${fmt(med(workers, next, (x) => x.elu), 2)}, with ${idle < 15 ? `the machine out of CPU (idle ${fmt(idle)}% of a core; generator ${fmt(med(workers, next, (x) => x.genPct))}%, mock ${fmt(med(workers, next, (x) => x.mockPct))}%, other processes ${fmt(med(workers, next, (x) => x.otherPct))}%)` : `${fmt(idle)}% of a core idle: the thread${workers > 1 ? 's themselves' : ' itself'}`}`;
		} else {
			limit = `none within the levels tried (the machine had ${fmt(med(workers, top, (x) => x.idlePct))}% of a core idle at ${levels[top]!.users} users)`;
		}
		out(`- ${name}: ${what}; limit: ${limit}.`);
	}
	out(`- Side by side: 2 load threads / 1 load thread = ${sustained[1]! > 0 ? `${fmt(sustained[2]! / sustained[1]!, 2)}×` : '–'} the sustained event rate.`);
	out();
}

/** TTFT accuracy: the client's first-delta time minus the mock's own stamp of that delta. */
async function sectionTtft(): Promise<void> {
	out('### TTFT accuracy (client first-delta time − mock send stamp, 80 chunks × 10 ms, in-process)');
	out();
	out('| users | samples | p50 ms | p99 ms | max ms | generator ELU | generator CPU % |');
	out('|---|---|---|---|---|---|---|');
	const levels = [10, 500];
	const res: Record<number, {p50: number[]; p99: number[]; max: number[]; n: number[]; elu: number[]; cpu: number[]}> = {};
	for (const u of levels) res[u] = {p50: [], p99: [], max: [], n: [], elu: [], cpu: []};
	await withMock({workers: 2, chunkCount: 80, chunkDelayMs: 10}, async (mock) => {
		for (let r = 0; r < REPS; r++) {
			for (const users of levels) {
				const dispatcher = createDispatcher();
				const diffs: number[] = [];
				let measuring = false;
				let stop = false;
				const loop = async () => {
					while (!stop) {
						const x = await invoke({url: `${mock.url}/invocations`, body: BODY_STREAM, timeoutMs: 60_000, idleTimeoutMs: 30_000, dispatcher});
						if (measuring && x.ok && x.ttftMs !== null && x.serverFirstDeltaMs !== null) diffs.push(x.startMs + x.ttftMs - x.serverFirstDeltaMs);
					}
				};
				const loops = Array.from({length: users}, loop);
				await sleep(1500);
				const watch = new LoopWatch();
				const meter = new CpuMeter(mock);
				measuring = true;
				await sleep(QUICK ? 2000 : 4000);
				measuring = false;
				const elu = watch.sample().elu;
				watch.close();
				const cpu = meter.read();
				stop = true;
				await Promise.all(loops);
				await dispatcher.destroy();
				diffs.sort((a, b) => a - b);
				const x = res[users]!;
				x.n.push(diffs.length);
				x.p50.push(quantile(diffs, 0.5));
				x.p99.push(quantile(diffs, 0.99));
				x.max.push(diffs[diffs.length - 1] ?? Number.NaN);
				x.elu.push(elu);
				x.cpu.push(cpu.genPct);
			}
		}
	});
	for (const users of levels) {
		const x = res[users]!;
		out(`| ${users} | ${spread(x.n)} | ${spread(x.p50, 2)} | ${spread(x.p99, 2)} | ${spread(x.max, 1)} | ${spread(x.elu, 2)} | ${spread(x.cpu)} |`);
	}
	out();
	out(`Side by side: p99 at ${levels[1]} users / at ${levels[0]} users = ${fmt(median(res[levels[1]!]!.p99) / median(res[levels[0]!]!.p99), 1)}×. Both clocks are performance.timeOrigin + performance.now() (wall clock at process start + monotonic time), so the difference includes the mock's write, the loopback, the kernel, and the time the generator's event loop took to get to the data.`);
	out();
}

/** autocannon against the mock's non-streaming JSON answer, beside our streams on the same mock. */
async function sectionAutocannon(): Promise<void> {
	out('### Raw-HTTP reference: autocannon 8 (JSON, no streaming) beside qpscope (80-chunk streams), same mock, chunk delay 0');
	out();
	const connections = 50;
	const secs = QUICK ? 2 : 3;
	const ac = {rps: [] as number[], cpu: [] as number[], p50: [] as number[], p99: [] as number[], errors: [] as number[]};
	const ours = {sps: [] as number[], eps: [] as number[], cpu: [] as number[], cpuPct: [] as number[], acPct: [] as number[]};
	await withMock({workers: 2, chunkCount: 80, chunkDelayMs: 0}, async (mock) => {
		for (let r = 0; r < REPS; r++) {
			const meter = new CpuMeter(mock);
			const result = await autocannon({url: `${mock.url}/invocations`, connections, duration: secs, method: 'POST', headers: {'content-type': 'application/json'}, body: BODY_JSON});
			const cpu = meter.read();
			const done = result.requests.total;
			ac.rps.push(done / result.duration);
			ac.cpu.push(cpu.genMs / Math.max(1, done));
			ac.p50.push(result.latency.p50);
			ac.p99.push(result.latency.p99);
			ac.errors.push(result.errors + result.non2xx + result.timeouts);
			ours.acPct.push(cpu.genPct);
			const run = await runPool({mock, workers: 0, users: connections, warmS: 1, measureS: secs});
			ours.sps.push(run.streamsPerS);
			ours.eps.push(run.eventsPerS);
			ours.cpu.push(run.genCpuMsPerStream);
			ours.cpuPct.push(run.genPct);
		}
	});
	out('| client | connections/users | completed/s | SSE events/s | client CPU ms per request | client CPU % | latency p50 / p99 ms | errors |');
	out('|---|---|---|---|---|---|---|---|');
	out(`| autocannon, JSON answer | ${connections} | ${spread(ac.rps)} | – | ${spread(ac.cpu, 3)} | ${spread(ours.acPct)} | ${spread(ac.p50, 1)} / ${spread(ac.p99, 1)} | ${spread(ac.errors)} |`);
	out(`| qpscope in-process, 80-chunk stream | ${connections} | ${spread(ours.sps)} | ${spread(ours.eps)} | ${spread(ours.cpu, 3)} | ${spread(ours.cpuPct)} | – | – |`);
	out();
	out(`Side by side: qpscope spends ${fmt(median(ours.cpu) / median(ac.cpu), 1)}× autocannon's CPU per completed request, for a request that carries 83 SSE events instead of one JSON body.`);
	out();
}

interface RssResult {
	beforeBytes: number;
	peakBytes: number;
	inFlight: number;
	cpuPct: number;
}

/** In a fresh process (`--rss-child`): ramp users onto long streams, hold them in flight, track the peak RSS. */
async function measureRss(url: string, workers: number, users: number, holdS: number): Promise<RssResult> {
	const mock = {url} as Mock;
	const before = process.memoryUsage.rss();
	const t0 = nowAbs();
	const {pool, close} = makePool({mock, workers}, t0);
	let peak = before;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
	const cpu0 = cpuMs();
	let inFlight = 0;
	let heldFrom = -1;
	for (let s = 0; s < 60; s++) {
		pool.setUsers(Math.min(users, 2000 * (s + 1)));
		await sleep(t0 + (s + 1) * 1000 + 50 - nowAbs());
		await pool.collect(s);
		inFlight = pool.inFlight();
		if (heldFrom < 0 && inFlight >= users * 0.99) heldFrom = s;
		if (heldFrom >= 0 && s - heldFrom >= holdS) break;
	}
	const cpuPct = ((cpuMs() - cpu0) / (nowAbs() - t0)) * 100;
	clearInterval(timer);
	await close();
	return {beforeBytes: before, peakBytes: peak, inFlight, cpuPct};
}

/** Peak RSS with many users in flight, each configuration in a fresh generator process. */
async function sectionRss(): Promise<void> {
	out('### Peak RSS of the generator with users in flight (80 chunks × 500 ms: 40 s streams)');
	out();
	out('| users | pool | in flight at the end | peak RSS MiB | RSS at rest MiB | (peak − rest) / users KiB | generator CPU % |');
	out('|---|---|---|---|---|---|---|');
	const sizes = QUICK ? [1000] : [1000, 10_000];
	const pools = QUICK ? [2] : [0, 2];
	const peaks = new Map<string, number>();
	await withMock({workers: 2, chunkCount: 80, chunkDelayMs: 500}, async (mock) => {
		for (const users of sizes) {
			for (const workers of pools) {
				const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--src', SRC, '--rss-child', `${mock.url},${workers},${users},${QUICK ? 2 : 3}`], {stdio: ['ignore', 'pipe', 'inherit']});
				children.add(child);
				let text = '';
				child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
				await new Promise<void>((resolve) => child.once('exit', () => resolve()));
				children.delete(child);
				const line = /^RSS (.*)$/m.exec(text)?.[1];
				if (!line) {
					out(`| ${fmt(users)} | ${workers} | failed: ${text.trim().slice(0, 200)} |||||`);
					continue;
				}
				const r = JSON.parse(line) as RssResult;
				peaks.set(`${workers}:${users}`, r.peakBytes);
				out(`| ${fmt(users)} | ${workers === 0 ? 'in-process' : `${workers} load threads`} | ${fmt(r.inFlight)} | ${fmt(mb(r.peakBytes))} | ${fmt(mb(r.beforeBytes))} | ${fmt((r.peakBytes - r.beforeBytes) / 1024 / users, 1)} | ${fmt(r.cpuPct)} |`);
			}
		}
	});
	out();
	out('One run each, each in a fresh process (peak RSS is a maximum, not a rate). "At rest" is the process with the generator loaded, before the pool starts; the load threads (a V8 heap each) count in the difference.');
	if (sizes.length > 1 && pools.every((w) => peaks.has(`${w}:${sizes[0]}`) && peaks.has(`${w}:${sizes[1]}`))) {
		const marginal = pools.map((w) => `${w === 0 ? 'in-process' : `${w} load threads`} ${fmt((peaks.get(`${w}:${sizes[1]}`)! - peaks.get(`${w}:${sizes[0]}`)!) / 1024 / (sizes[1]! - sizes[0]!), 1)} KiB`);
		out(`Per extra user in flight, from ${fmt(sizes[0]!)} to ${fmt(sizes[1]!)} users: ${marginal.join(', ')} (socket, undici and invocation state, and the young generation of each heap growing with the event rate).`);
	}
	out();
}

interface CliRun {
	totalRequests: number;
	qps: number | null;
	untrusted: string[];
	cpuS: number;
	exitCode: number | null;
	usedTui: boolean;
	error: string | null;
	steps: Array<{users: number; successQps: number; untrusted: boolean; reason: string | null; ttftP50: number | null; ttftP95: number | null; latencyP50: number | null; failures: number}>;
}

/** `qpscope run ...` as a child, timed by /usr/bin/time; in a pseudo-terminal (script) for the TUI. */
async function runCli(url: string, o: {users: number; stepSize: number; stepDuration: number; workers?: number; tui: boolean; name: string}): Promise<CliRun> {
	const dir = path.join(TMP, o.name);
	const args = [BIN, 'run', '--app-url', url, '--max-users', String(o.users), '--step-size', String(o.stepSize), '--step-duration', String(o.stepDuration), '--warmup', '0', '--spawn-rate', String(Math.max(o.stepSize, 20) * 2), '--results-dir', dir, '--run-name', 'run'];
	if (o.workers !== undefined) args.push('--workers', String(o.workers));
	if (!o.tui) args.push('--no-tui');
	const timeFile = path.join(TMP, `${o.name}.time`);
	const screenFile = path.join(TMP, `${o.name}.screen`);
	const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
	const command = o.tui
		? ['/usr/bin/time', '-f', '%U %S', '-o', timeFile, 'script', '-qfec', `stty cols 120 rows 40 2>/dev/null; exec ${[process.execPath, ...args].map(quote).join(' ')}`, screenFile]
		: ['/usr/bin/time', '-f', '%U %S', '-o', timeFile, process.execPath, ...args];
	const env: NodeJS.ProcessEnv = {...process.env, TERM: 'xterm-256color'};
	delete env.CI;
	const child = spawn(command[0]!, command.slice(1), {env, stdio: ['pipe', 'pipe', 'pipe']});
	children.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
	const limitMs = (o.stepDuration * Math.ceil(o.users / o.stepSize) + 60) * 1000;
	const exitCode = await new Promise<number | null>((resolve) => {
		const timer = setTimeout(() => {
			for (const p of treePids(child.pid!).reverse()) {
				try {
					process.kill(p, 'SIGKILL');
				} catch {
					// gone
				}
			}
		}, limitMs);
		child.once('exit', (code) => {
			clearTimeout(timer);
			resolve(code);
		});
	});
	child.stdin!.end();
	children.delete(child);
	const [user, sys] = (fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()! : '0 0').split(' ').map(Number);
	const screen = o.tui && fs.existsSync(screenFile) ? fs.readFileSync(screenFile, 'utf8') : '';
	const summaryFile = path.join(dir, 'run', 'summary.json');
	const base: CliRun = {totalRequests: 0, qps: null, untrusted: [], cpuS: (user ?? 0) + (sys ?? 0), exitCode, usedTui: false, error: null, steps: []};
	// The headless printer writes plain lines; the TUI draws with cursor movements (ESC [ ... A / ESC [ 2K ...).
	base.usedTui = o.tui && /\x1b\[\d*[AJK]|\x1b\[\?25l/.test(screen);
	if (!fs.existsSync(summaryFile)) {
		const text = `${stderr}\n${screen}`.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').trim();
		base.error = `no summary.json (exit ${exitCode}): ${text.split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 300)}`;
		return base;
	}
	type Summary = {apps: Array<{totalRequests: number; maxQps: number | null; steps: Array<{users: number; successQps: number; untrusted: boolean; untrustedReason: string | null; ttftMs: {p50: number | null; p95: number | null}; latencyMs: {p50: number | null}; failures: number}>}>};
	const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary;
	const app = summary.apps[0]!;
	base.totalRequests = app.totalRequests;
	base.qps = app.maxQps;
	base.steps = app.steps.map((s) => ({users: s.users, successQps: s.successQps, untrusted: s.untrusted, reason: s.untrustedReason, ttftP50: s.ttftMs.p50, ttftP95: s.ttftMs.p95, latencyP50: s.latencyMs.p50, failures: s.failures}));
	base.untrusted = app.steps.filter((s) => s.untrusted).map((s) => `${s.users} users: ${s.untrustedReason}`);
	if (process.env.BENCH_DEBUG) log(`${o.name}: ${JSON.stringify(app.steps)}`);
	void stdout;
	return base;
}

/** The same load with the TUI (in a pseudo-terminal) and without. */
async function sectionTui(): Promise<void> {
	const users = 200;
	const stepDuration = QUICK ? 4 : 6;
	out(`### TUI on and off (CLI, ${users} users, one ${stepDuration} s step, 80 chunks × 10 ms)`);
	out();
	const on: CliRun[] = [];
	const off: CliRun[] = [];
	let unavailable: string | null = null;
	await withMock({workers: 2, chunkCount: 80, chunkDelayMs: 10}, async (mock) => {
		// One short untimed run first: tsx compiles the TUI's sources on their first import (cached on disk after).
		const warm = await runCli(mock.url, {users: 10, stepSize: 10, stepDuration: 2, tui: true, name: 'tui-warm'});
		if (warm.error !== null || !warm.usedTui) unavailable = warm.error ?? 'the run wrote no terminal UI in a pseudo-terminal';
		for (let r = 0; r < REPS && unavailable === null; r++) {
			const t = await runCli(mock.url, {users, stepSize: users, stepDuration, tui: true, name: `tui-${r}`});
			if (t.error !== null || !t.usedTui) {
				unavailable = t.error ?? 'the run wrote no terminal UI in a pseudo-terminal';
				break;
			}
			on.push(t);
			off.push(await runCli(mock.url, {users, stepSize: users, stepDuration, tui: false, name: `plain-${r}`}));
		}
	});
	if (unavailable !== null) {
		out(`TUI not available: ${unavailable}`);
		out();
		return;
	}
	out('| | completed requests | step QPS | TTFT p50 / p95 ms | CPU s (user + sys, whole CLI) | CPU ms per request |');
	out('|---|---|---|---|---|---|');
	for (const [name, list] of [
		['TUI (pseudo-terminal)', on],
		['--no-tui', off],
	] as const) {
		out(`| ${name} | ${spread(list.map((x) => x.totalRequests))} | ${spread(list.map((x) => x.qps ?? Number.NaN), 1)} | ${spread(list.map((x) => x.steps[0]?.ttftP50 ?? Number.NaN), 1)} / ${spread(list.map((x) => x.steps[0]?.ttftP95 ?? Number.NaN), 1)} | ${spread(list.map((x) => x.cpuS), 2)} | ${spread(list.map((x) => (x.cpuS * 1000) / Math.max(1, x.totalRequests)), 3)} |`);
	}
	out();
	out(`Side by side: TUI / no TUI = ${fmt(median(on.map((x, i) => x.totalRequests / off[i]!.totalRequests)), 3)}× the requests, ${fmt(median(on.map((x, i) => x.cpuS / off[i]!.cpuS)), 2)}× the CPU. Total requests include the ramp's spawn and settle seconds.`);
	out();
}

/** The issue's "done when": 1 000 streams/s of 80 chunks 10 ms apart from this machine, mock included. */
async function sectionTarget(): Promise<void> {
	const stepDuration = QUICK ? 6 : 15;
	out(`### Target: 800 users × 80 chunks × 10 ms (≈ 1 000 streams/s, 83 000 SSE events/s), real CLI, mock --workers 2 unlimited`);
	out();
	out(`\`qpscope run --max-users 800 --step-size 400 --step-duration ${stepDuration} --spawn-rate 800 --warmup 0 --workers 2 --no-tui\``);
	out();
	out('| step users | success QPS | SSE events/s | TTFT p50 / p95 ms | latency p50 ms | failures | untrusted |');
	out('|---|---|---|---|---|---|---|');
	await withMock({workers: 2, chunkCount: 80, chunkDelayMs: 10}, async (mock) => {
		const meter = new CpuMeter(mock);
		const run = await runCli(mock.url, {users: 800, stepSize: 400, stepDuration, workers: 2, tui: false, name: 'target'});
		const cpu = meter.read(run.cpuS * 1000);
		if (run.error) {
			out(`| run failed: ${run.error} |||||||`);
			return;
		}
		for (const s of run.steps) {
			out(`| ${s.users} | ${fmt(s.successQps)} | ${fmt(s.successQps * eventsPerStream(80))} | ${fmt(s.ttftP50 ?? Number.NaN, 1)} / ${fmt(s.ttftP95 ?? Number.NaN, 1)} | ${fmt(s.latencyP50 ?? Number.NaN)} | ${s.failures} | ${s.untrusted ? `yes: ${s.reason}` : 'no'} |`);
		}
		const last = run.steps[run.steps.length - 1];
		const streams = run.totalRequests;
		out();
		out(`Over the whole run (${fmt(cpu.seconds)} s): generator CLI ${fmt((run.cpuS * 1000) / Math.max(1, streams), 3)} CPU ms per stream (${fmt(run.cpuS, 1)} s), mock ${fmt(cpu.mockMs / Math.max(1, streams), 3)} ms per stream (${fmt(cpu.mockMs / 1000, 1)} s), other processes ${fmt(cpu.otherPct)}% of a core, idle ${fmt(cpu.idlePct)}%.`);
		if (last) {
			// Little's law: 800 users can complete at most 800 / stream time per second.
			const ceiling = last.latencyP50 ? last.users / (last.latencyP50 / 1000) : Number.NaN;
			const events = last.successQps * eventsPerStream(80);
			const met = !run.steps.some((x) => x.untrusted) && last.failures === 0 && events >= 0.95 * 80 * 1000 && last.successQps >= 0.97 * ceiling;
			out(
				`Target ${met ? 'met' : 'not met'}: ${fmt(last.successQps)} streams/s and ${fmt(events)} SSE events/s at ${last.users} users, ${run.steps.some((x) => x.untrusted) ? 'a step flagged untrusted' : 'no step flagged untrusted'}; ` +
					`${last.users} users / ${fmt(last.latencyP50 ?? Number.NaN)} ms per stream = ${fmt(ceiling)} streams/s at most (Little's law), so the generator kept ${fmt((100 * last.successQps) / ceiling)}% of that. ` +
					`Exactly 1 000 streams/s from 800 users needs 800 ms streams; the mock's take ${fmt(last.latencyP50 ?? Number.NaN)} ms when the two cores are full (see the 1 000-user level of the event-rate table).`,
			);
		}
	});
	out();
}

// ------------------------------------------------------------------------------------------------

if (flags['rss-child']) {
	const [url, workers, users, holdS] = flags['rss-child'].split(',');
	const r = await measureRss(url!, Number(workers), Number(users), Number(holdS));
	log(`RSS ${JSON.stringify(r)}`);
	fs.rmSync(TMP, {recursive: true, force: true});
	process.exit(0);
}

const started = performance.now();
for (const line of machineLines()) out(line);
out();
const runners: Record<Section, () => Promise<void>> = {cpu: sectionCpu, max: sectionMax, ttft: sectionTtft, autocannon: sectionAutocannon, rss: sectionRss, tui: sectionTui, target: sectionTarget};
try {
	for (const name of SECTIONS) {
		if (!ONLY.has(name)) continue;
		const t = performance.now();
		await runners[name]();
		log(`(${name}: ${fmt((performance.now() - t) / 1000)} s)\n`);
	}
} finally {
	killAll();
	fs.rmSync(TMP, {recursive: true, force: true});
}
out(`Bench time: ${fmt((performance.now() - started) / 1000)} s.`);

if (!flags['no-write']) {
	const START = '<!-- bench:start -->';
	const END = '<!-- bench:end -->';
	const block = `${START}\n## Latest figures (written by \`npm run bench${QUICK ? ' -- --quick' : ''}\`)\n\n${report.join('\n')}\n${END}`;
	let text = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Load generator benchmark\n\n';
	const a = text.indexOf(START);
	const b = text.indexOf(END);
	text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text.trimEnd()}\n\n${block}\n`;
	fs.writeFileSync(RESULTS, text);
	log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
}
process.exit(0);
