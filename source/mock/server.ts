// The mock agent server: a local stand-in for a Databricks agent app (MLflow AgentServer, "ResponsesAgent").
// `POST /invocations` streams a tool call, text deltas, the whole message and `[DONE]`, with a known
// capacity (concurrent streams per worker), an overload policy (queue or shed) and seeded fault injection.
// One process serves by default; with workers > 1 the calling process becomes a node:cluster primary and
// the workers run source/mock/cluster-entry.ts (through the plain-JS shim cluster-worker.js).
import cluster, {type Worker} from 'node:cluster';
import http from 'node:http';
import net from 'node:net';
import process from 'node:process';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';

export type OverloadMode = 'queue' | 'shed';

export interface MockOptions {
	/** 0 = any free port. */
	port: number;
	host: string;
	/** node:cluster worker processes; 1 = serve in the calling process. */
	workers: number;
	/** Delay between text deltas (and from the tool call to the first delta), ms. */
	chunkDelayMs: number;
	/** Text deltas per stream. */
	chunkCount: number;
	/** Delay before the first event (the tool call), ms. */
	ttftMs: number;
	/** Concurrent streams per worker; null = unlimited. */
	capacity: number | null;
	/** What happens past capacity: wait FIFO for a slot, or 503 at once. */
	overload: OverloadMode;
	/** Fault probabilities per request, exclusive (one uniform draw per request): their sum is at most 1. */
	failRate: number;
	cutRate: number;
	errorEventRate: number;
	stallRate: number;
	/** PRNG seed for the fault draws (worker i uses seed + i). Random when not given. */
	seed: number;
}

export interface MockStats {
	/** Every `POST /invocations` received (including bad requests and shed ones). */
	requests: number;
	/** Invocations that got a slot and began being served (stream or JSON), failures (500) excluded. */
	streamsStarted: number;
	/** Streams that reached `[DONE]` normally (JSON answers sent in full); not error-event ones. */
	completed: number;
	/** 503 answers past capacity (--overload shed). */
	shed: number;
	/** Injected HTTP 500s. */
	failed: number;
	/** Streams whose socket was destroyed mid-stream. */
	cut: number;
	/** Streams that ended with an error event (JSON: a 500 with the error). */
	errorEvents: number;
	/** Streams that stopped sending mid-stream (each holds its slot until the client leaves). */
	stalled: number;
	/** The client went away before the end (while queued or streaming; stalled streams are not counted here). */
	aborted: number;
	/** 400 answers: body not JSON or no `input` array. */
	badRequests: number;
	/** Gauge: invocations holding a slot now (stalled ones included). */
	inFlight: number;
	/** Gauge: invocations waiting for a slot now. */
	queued: number;
	/** Workers that answered. */
	workers: number;
}

export interface MockHandle {
	/** http://127.0.0.1:PORT (no trailing slash). */
	url: string;
	port: number;
	/** The options in force, with the actual port and seed. */
	options: MockOptions;
	capacityQps: number | null;
	/** Pids of the cluster worker processes (empty when serving in-process). */
	workerPids: number[];
	stats(): Promise<MockStats>;
	resetStats(): Promise<void>;
	/** Stops serving, cuts open streams, and (cluster) resolves only once every worker process has exited. */
	close(): Promise<void>;
}

export const DEFAULT_MOCK_OPTIONS: Readonly<Omit<MockOptions, 'seed'>> = {
	port: 8000,
	host: '127.0.0.1',
	workers: 1,
	chunkDelayMs: 10,
	chunkCount: 80,
	ttftMs: 0,
	capacity: null,
	overload: 'queue',
	failRate: 0,
	cutRate: 0,
	errorEventRate: 0,
	stallRate: 0,
};

const STAT_COUNTERS = [
	'requests',
	'streamsStarted',
	'completed',
	'shed',
	'failed',
	'cut',
	'errorEvents',
	'stalled',
	'aborted',
	'badRequests',
] as const;
type Counter = (typeof STAT_COUNTERS)[number];

export function emptyStats(workers = 0): MockStats {
	return {
		requests: 0,
		streamsStarted: 0,
		completed: 0,
		shed: 0,
		failed: 0,
		cut: 0,
		errorEvents: 0,
		stalled: 0,
		aborted: 0,
		badRequests: 0,
		inFlight: 0,
		queued: 0,
		workers,
	};
}

/** One stream's duration with no queueing: ttftMs + chunkCount × chunkDelayMs (the last delta, [DONE] follows at once). */
export function perStreamMs(opts: Pick<MockOptions, 'ttftMs' | 'chunkCount' | 'chunkDelayMs'>): number {
	return opts.ttftMs + opts.chunkCount * opts.chunkDelayMs;
}

/**
 * Capacity in completions per second: workers × capacity / (perStreamMs / 1000).
 * Null when capacity is unlimited or a stream takes no time.
 */
export function capacityQps(
	opts: Pick<MockOptions, 'workers' | 'capacity' | 'ttftMs' | 'chunkCount' | 'chunkDelayMs'>,
): number | null {
	const ms = perStreamMs(opts);
	if (opts.capacity === null || !(ms > 0)) return null;
	return (opts.workers * opts.capacity * 1000) / ms;
}

/** Fills defaults and checks ranges; throws RangeError naming the option. */
export function resolveMockOptions(partial: Partial<MockOptions> = {}): MockOptions {
	const opts: MockOptions = {
		...DEFAULT_MOCK_OPTIONS,
		...stripUndefined(partial),
		seed: partial.seed ?? Math.floor(Math.random() * 0x1_0000_0000),
	};
	const int = (name: keyof MockOptions, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
		if (!Number.isInteger(value) || value < min || value > max) {
			throw new RangeError(`mock option ${name} = ${value}: expected an integer in [${min}, ${max}]`);
		}
	};
	const nonNegative = (name: keyof MockOptions, value: number): void => {
		if (!Number.isFinite(value) || value < 0) throw new RangeError(`mock option ${name} = ${value}: expected a number >= 0`);
	};
	int('port', opts.port, 0, 65_535);
	int('workers', opts.workers, 1, 1024);
	int('chunkCount', opts.chunkCount, 0);
	nonNegative('chunkDelayMs', opts.chunkDelayMs);
	nonNegative('ttftMs', opts.ttftMs);
	if (opts.capacity !== null) int('capacity', opts.capacity, 1);
	if (opts.overload !== 'queue' && opts.overload !== 'shed') {
		throw new RangeError(`mock option overload = ${String(opts.overload)}: expected "queue" or "shed"`);
	}
	for (const name of ['failRate', 'cutRate', 'errorEventRate', 'stallRate'] as const) {
		const value = opts[name];
		if (!(value >= 0 && value <= 1)) throw new RangeError(`mock option ${name} = ${value}: expected a probability in [0, 1]`);
	}
	const faultSum = opts.failRate + opts.cutRate + opts.errorEventRate + opts.stallRate;
	if (faultSum > 1 + 1e-9) {
		throw new RangeError(`mock fault rates add up to ${faultSum}: they are exclusive per request, keep their sum at most 1`);
	}
	if (!Number.isInteger(opts.seed)) throw new RangeError(`mock option seed = ${opts.seed}: expected an integer`);
	if (typeof opts.host !== 'string' || opts.host === '') throw new RangeError('mock option host is empty');
	return opts;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
	const out: Partial<T> = {};
	for (const [key, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[key] = v;
	return out;
}

/** The host part of a URL that reaches a server bound to `host`. */
export function urlHost(host: string): string {
	if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
	return host.includes(':') ? `[${host}]` : host;
}

/** The start-up line, e.g. "mock agent listening on http://127.0.0.1:8000 (2 workers, capacity 10 streams/worker, ~25.0 QPS ...)". */
export function describeMock(handle: Pick<MockHandle, 'url' | 'options' | 'capacityQps'>): string {
	const o = handle.options;
	const parts = [`${o.workers} worker${o.workers === 1 ? '' : 's'}`];
	const streamS = (perStreamMs(o) / 1000).toFixed(3);
	if (o.capacity === null) {
		parts.push(`capacity unlimited, ${streamS} s per stream`);
	} else {
		parts.push(`capacity ${o.capacity} streams/worker`);
		parts.push(
			handle.capacityQps === null
				? 'QPS unbounded (streams take no time)'
				: `~${handle.capacityQps.toFixed(1)} QPS = ${o.workers} × ${o.capacity} / ${streamS} s per stream`,
		);
		parts.push(`overload ${o.overload}`);
	}
	const faults = (
		[
			['fail', o.failRate],
			['cut', o.cutRate],
			['error-event', o.errorEventRate],
			['stall', o.stallRate],
		] as const
	).filter(([, rate]) => rate > 0);
	if (faults.length > 0) parts.push(`faults ${faults.map(([name, rate]) => `${name} ${rate}`).join(' ')}`);
	return `mock agent listening on ${handle.url} (${parts.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------------------
// Timers: one shared scheduler (a binary min-heap on due time) behind a single Node timer. A stream is its
// own heap entry (no allocation per chunk); cancelled streams are dropped lazily when they come due.

interface Job {
	due: number;
	dead: boolean;
	run(now: number): void;
}

class Scheduler {
	#heap: Job[] = [];
	#timer: NodeJS.Timeout | undefined;
	#armedFor = Number.POSITIVE_INFINITY;
	#firing = false;

	add(job: Job): void {
		const heap = this.#heap;
		let i = heap.push(job) - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (heap[parent]!.due <= job.due) break;
			heap[i] = heap[parent]!;
			i = parent;
		}
		heap[i] = job;
		if (!this.#firing && job.due < this.#armedFor) this.#arm(job.due);
	}

	#pop(): Job {
		const heap = this.#heap;
		const top = heap[0]!;
		const last = heap.pop()!;
		const n = heap.length;
		if (n > 0) {
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				if (l >= n) break;
				const r = l + 1;
				const c = r < n && heap[r]!.due < heap[l]!.due ? r : l;
				if (heap[c]!.due >= last.due) break;
				heap[i] = heap[c]!;
				i = c;
			}
			heap[i] = last;
		}
		return top;
	}

	#arm(due: number): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#armedFor = due;
		this.#timer = setTimeout(this.#fire, Math.max(0, Math.ceil(due - performance.now())));
		this.#timer.unref();
	}

	#fire = (): void => {
		this.#timer = undefined;
		this.#armedFor = Number.POSITIVE_INFINITY;
		this.#firing = true;
		try {
			const now = performance.now();
			const heap = this.#heap;
			while (heap.length > 0 && heap[0]!.due <= now + 0.5) {
				const job = this.#pop();
				if (!job.dead) {
					try {
						job.run(now);
					} catch (error) {
						process.stderr.write(`qpscope mock: ${String(error)}\n`);
					}
				}
			}
		} finally {
			this.#firing = false;
		}
		if (this.#heap.length > 0) this.#arm(this.#heap[0]!.due);
	};
}

const scheduler = new Scheduler();

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d_2b_79_f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

// ---------------------------------------------------------------------------------------------------------
// One worker's server.

type Fault = 'none' | 'fail' | 'cut' | 'error' | 'stall';
type InvocationState = 'queued' | 'active' | 'stalled' | 'done';

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DONE_EVENT = 'data: [DONE]\n\n';
const ERROR_EVENT = `data: ${JSON.stringify({error: {message: 'mock: agent raised'}})}\n\n`;
const SSE_HEADERS = {'content-type': 'text/event-stream', 'cache-control': 'no-cache'};
const JSON_HEADERS = {'content-type': 'application/json'};

class Invocation implements Job {
	due = 0;
	dead = false;
	state: InvocationState = 'queued';
	/** Index of the next event: 0 = tool call, 1..chunkCount = deltas. */
	#k = 0;
	#base = 0;
	#stopAt = -1;
	#fault: Fault = 'none';
	/** The delta event, built once per stream. */
	#delta: string | undefined;
	readonly #core: MockCore;
	readonly #res: http.ServerResponse;
	readonly #stream: boolean;
	readonly #id: string;

	constructor(core: MockCore, res: http.ServerResponse, stream: boolean, id: string) {
		this.#core = core;
		this.#res = res;
		this.#stream = stream;
		this.#id = id;
		res.on('close', this.#onClose);
	}

	/** Got a slot: draw the fault and start the clock. */
	start(fault: Fault): void {
		const core = this.#core;
		const o = core.opts;
		this.state = 'active';
		this.#fault = fault;
		if (fault === 'fail') {
			core.count('failed');
			this.#finish();
			sendJson(this.#res, 500, {error: 'mock: injected failure'});
			return;
		}
		core.count('streamsStarted');
		const n = o.chunkCount;
		this.#stopAt = fault === 'cut' || fault === 'stall' ? n >> 1 : fault === 'error' ? Math.min(3, n) : -1;
		this.#base = performance.now() + o.ttftMs;
		if (this.#stream) {
			this.#res.writeHead(200, SSE_HEADERS);
			this.#res.flushHeaders();
			this.due = this.#base;
		} else {
			this.due = this.#base + (this.#stopAt >= 0 ? this.#stopAt : n) * o.chunkDelayMs;
		}
		scheduler.add(this);
	}

	run(now: number): void {
		const res = this.#res;
		if (res.destroyed) return; // 'close' is on its way
		if (!this.#stream) {
			this.#runJson();
			return;
		}
		const o = this.#core.opts;
		const n = o.chunkCount;
		const id = this.#id;
		for (;;) {
			const k = this.#k++;
			if (k === 0) {
				res.write(
					`data: {"type":"response.output_item.done","item":{"type":"function_call","id":"fc_${id}","call_id":"call_${id}","name":"lookup","arguments":"{}"}}\n\n`,
				);
			} else if (k === 1) {
				res.write(
					`data: {"type":"response.output_text.delta","item_id":"msg_${id}","delta":"word ","qpscope_sent_ms":${performance.timeOrigin + performance.now()}}\n\n`,
				);
			} else {
				this.#delta ??= `data: {"type":"response.output_text.delta","item_id":"msg_${id}","delta":"word "}\n\n`;
				res.write(this.#delta);
			}
			if (k === this.#stopAt) {
				this.#stop();
				return;
			}
			if (k === n) {
				this.#core.count('completed');
				this.#finish();
				res.write(
					`data: {"type":"response.output_item.done","item":{"type":"message","id":"msg_${id}","role":"assistant","content":[{"type":"output_text","text":${this.#core.fullTextJson}}]}}\n\n`,
				);
				res.end(DONE_EVENT);
				return;
			}
			this.due = this.#base + (k + 1) * o.chunkDelayMs;
			if (this.due > now + 0.5) {
				scheduler.add(this);
				return;
			}
		}
	}

	#runJson(): void {
		const core = this.#core;
		const res = this.#res;
		if (this.#fault === 'none') {
			core.count('completed');
			this.#finish();
			const id = this.#id;
			res.writeHead(200, JSON_HEADERS);
			res.end(
				`{"output":[{"type":"function_call","id":"fc_${id}","call_id":"call_${id}","name":"lookup","arguments":"{}"},{"type":"message","id":"msg_${id}","role":"assistant","content":[{"type":"output_text","text":${core.fullTextJson}}]}]}`,
			);
			return;
		}
		if (this.#fault === 'error') {
			core.count('errorEvents');
			this.#finish();
			sendJson(res, 500, {error: {message: 'mock: agent raised'}});
			return;
		}
		this.#stop();
	}

	/** The fault point of a cut, error-event or stalled invocation. */
	#stop(): void {
		const core = this.#core;
		const res = this.#res;
		switch (this.#fault) {
			case 'cut': {
				core.count('cut');
				this.#finish();
				// Let the bytes written so far reach the client, then drop the connection (no chunked terminator).
				const socket = res.socket;
				if (socket && !socket.destroyed) socket.end(() => socket.destroy());
				else res.destroy();
				break;
			}
			case 'error': {
				core.count('errorEvents');
				this.#finish();
				res.write(ERROR_EVENT);
				res.end(DONE_EVENT);
				break;
			}
			case 'stall': {
				core.count('stalled');
				this.state = 'stalled'; // keeps its slot until the client leaves or the server closes
				break;
			}
			default:
		}
	}

	/** Ended by us: frees the slot. */
	#finish(): void {
		const wasActive = this.state === 'active' || this.state === 'stalled';
		this.state = 'done';
		this.dead = true;
		if (wasActive) this.#core.release(this);
	}

	/** Server shutdown: drop the connection without counting it. */
	kill(): void {
		this.#finish();
		this.#res.destroy();
	}

	#onClose = (): void => {
		const core = this.#core;
		switch (this.state) {
			case 'done':
				return;
			case 'queued': {
				this.state = 'done';
				this.dead = true;
				core.unqueue();
				if (!core.closing) core.count('aborted');
				return;
			}
			case 'active': {
				if (!core.closing) core.count('aborted');
				this.#finish();
				return;
			}
			case 'stalled': {
				this.#finish();
				return;
			}
			default:
		}
	};
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
	if (res.destroyed || res.headersSent) return;
	const text = JSON.stringify(body);
	res.writeHead(status, {...JSON_HEADERS, 'content-length': Buffer.byteLength(text), ...headers});
	res.end(text);
}

export interface Aggregator {
	stats(): Promise<MockStats>;
	reset(): Promise<void>;
}

/** One worker's HTTP server and counters. Used in-process (workers = 1) and by each cluster worker. */
export class MockCore {
	readonly opts: MockOptions;
	readonly server: http.Server;
	readonly fullTextJson: string;
	closing = false;
	/** Set in cluster workers: /stats and /stats/reset go to the primary, which sums over all workers. */
	aggregator: Aggregator | undefined;
	#counters = emptyStats(1);
	#active = 0;
	#queue: Array<Invocation | undefined> = [];
	#queueHead = 0;
	#queued = 0;
	#live = new Set<Invocation>();
	#random: () => number;
	#prefix: string;
	#seq = 0;

	constructor(opts: MockOptions, workerIndex = 0) {
		this.opts = opts;
		this.fullTextJson = JSON.stringify('word '.repeat(opts.chunkCount));
		this.#random = prng(opts.seed + workerIndex);
		this.#prefix = `${workerIndex.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}_`;
		this.server = http.createServer({keepAlive: true}, this.#onRequest);
		this.server.keepAliveTimeout = 65_000;
		this.server.headersTimeout = 66_000;
		this.server.requestTimeout = 120_000;
		this.server.maxHeadersCount = 200;
	}

	listen(port: number, host: string): Promise<number> {
		return new Promise((resolve, reject) => {
			const onError = (error: Error): void => reject(error);
			this.server.once('error', onError);
			this.server.listen({port, host, backlog: 4096}, () => {
				this.server.off('error', onError);
				resolve((this.server.address() as net.AddressInfo).port);
			});
		});
	}

	count(name: Counter): void {
		this.#counters[name]++;
	}

	localStats(): MockStats {
		return {...this.#counters, inFlight: this.#active, queued: this.#queued, workers: 1};
	}

	resetLocal(): void {
		for (const name of STAT_COUNTERS) this.#counters[name] = 0;
	}

	release(inv: Invocation): void {
		this.#active--;
		this.#live.delete(inv);
		this.#drain();
	}

	unqueue(): void {
		this.#queued--;
	}

	/** Stops listening, cuts every open stream and connection; resolves when the server has closed. */
	close(): Promise<void> {
		if (this.closing) return new Promise((resolve) => (this.server.listening ? this.server.once('close', resolve) : resolve()));
		this.closing = true;
		return new Promise((resolve) => {
			this.server.close(() => resolve());
			for (const inv of this.#live) inv.kill();
			for (let i = this.#queueHead; i < this.#queue.length; i++) this.#queue[i]?.kill();
			this.#queue = [];
			this.#queueHead = 0;
			this.server.closeAllConnections();
		});
	}

	#onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
		const url = req.url ?? '/';
		const q = url.indexOf('?');
		const path = q === -1 ? url : url.slice(0, q);
		const method = req.method ?? 'GET';
		switch (path) {
			case '/invocations': {
				if (method !== 'POST') return methodNotAllowed(res, 'POST');
				this.#counters.requests++;
				this.#readBody(req, res);
				return;
			}
			case '/health': {
				if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET');
				sendJson(res, 200, {status: 'healthy'});
				return;
			}
			case '/stats': {
				if (method !== 'GET') return methodNotAllowed(res, 'GET');
				(this.aggregator ? this.aggregator.stats() : Promise.resolve(this.localStats())).then(
					(stats) => sendJson(res, 200, stats),
					(error: unknown) => sendJson(res, 500, {error: `mock: stats failed: ${String(error)}`}),
				);
				return;
			}
			case '/stats/reset': {
				if (method !== 'POST') return methodNotAllowed(res, 'POST');
				(this.aggregator ? this.aggregator.reset() : Promise.resolve(this.resetLocal())).then(
					() => sendJson(res, 200, {reset: true}),
					(error: unknown) => sendJson(res, 500, {error: `mock: reset failed: ${String(error)}`}),
				);
				return;
			}
			default: {
				sendJson(res, 404, {error: `not found: ${method} ${path}`});
			}
		}
	};

	#readBody(req: http.IncomingMessage, res: http.ServerResponse): void {
		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = false;
		req.on('data', (chunk: Buffer) => {
			if (tooLarge) return;
			size += chunk.length;
			if (size > MAX_BODY_BYTES) {
				tooLarge = true;
				this.#counters.badRequests++;
				res.setHeader('connection', 'close');
				sendJson(res, 413, {error: `body larger than ${MAX_BODY_BYTES} bytes`});
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => {
			if (!tooLarge) this.#invoke(res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
		});
	}

	#invoke(res: http.ServerResponse, body: Buffer): void {
		if (res.destroyed) {
			if (!this.closing) this.#counters.aborted++;
			return;
		}
		let parsed: unknown;
		try {
			parsed = JSON.parse(body.toString('utf8'));
		} catch (error) {
			this.#counters.badRequests++;
			sendJson(res, 400, {error: `body is not JSON: ${(error as Error).message}`});
			return;
		}
		if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as {input?: unknown}).input)) {
			this.#counters.badRequests++;
			sendJson(res, 400, {error: 'body needs an "input" array, e.g. {"input": [{"role": "user", "content": "hi"}], "stream": true}'});
			return;
		}
		if (this.closing) {
			sendJson(res, 503, {error: 'mock: shutting down'});
			return;
		}
		const stream = (parsed as {stream?: unknown}).stream === true;
		const inv = new Invocation(this, res, stream, `${this.#prefix}${(++this.#seq).toString(36)}`);
		const {capacity} = this.opts;
		if (capacity === null || this.#active < capacity) {
			this.#begin(inv);
		} else if (this.opts.overload === 'shed') {
			this.#counters.shed++;
			inv.state = 'done';
			inv.dead = true;
			sendJson(res, 503, {error: `mock: over capacity (${capacity} concurrent streams per worker)`}, {'retry-after': '1'});
		} else {
			this.#queue.push(inv);
			this.#queued++;
		}
	}

	#begin(inv: Invocation): void {
		this.#active++;
		this.#live.add(inv);
		inv.start(this.#drawFault());
	}

	#drawFault(): Fault {
		const o = this.opts;
		const u = this.#random();
		let edge = o.failRate;
		if (u < edge) return 'fail';
		edge += o.cutRate;
		if (u < edge) return 'cut';
		edge += o.errorEventRate;
		if (u < edge) return 'error';
		edge += o.stallRate;
		if (u < edge) return 'stall';
		return 'none';
	}

	#drain(): void {
		const capacity = this.opts.capacity;
		if (this.closing || capacity === null) return;
		const queue = this.#queue;
		while (this.#active < capacity && this.#queueHead < queue.length) {
			const inv = queue[this.#queueHead];
			queue[this.#queueHead++] = undefined;
			if (inv === undefined || inv.state !== 'queued') continue;
			this.#queued--;
			this.#begin(inv);
		}
		if (this.#queueHead === queue.length) {
			this.#queue = [];
			this.#queueHead = 0;
		} else if (this.#queueHead > 1024 && this.#queueHead * 2 > queue.length) {
			this.#queue = queue.slice(this.#queueHead);
			this.#queueHead = 0;
		}
	}
}

function methodNotAllowed(res: http.ServerResponse, allow: string): void {
	sendJson(res, 405, {error: `method not allowed: use ${allow}`}, {allow});
}

export function sumStats(list: MockStats[]): MockStats {
	const total = emptyStats(0);
	for (const stats of list) {
		for (const name of STAT_COUNTERS) total[name] += stats[name];
		total.inFlight += stats.inFlight;
		total.queued += stats.queued;
		total.workers += stats.workers;
	}
	return total;
}

// ---------------------------------------------------------------------------------------------------------
// IPC between the cluster primary (the process that called startMock) and its workers.

export type ToWorker =
	| {qpscopeMock: 'stats'; id: number}
	| {qpscopeMock: 'reset'; id: number}
	| {qpscopeMock: 'close'}
	| {qpscopeMock: 'aggregateReply'; id: number; stats?: MockStats; error?: string};

export type ToPrimary =
	| {qpscopeMock: 'listening'; port: number}
	| {qpscopeMock: 'startError'; message: string; code?: string}
	| {qpscopeMock: 'statsReply'; id: number; stats: MockStats}
	| {qpscopeMock: 'resetReply'; id: number}
	| {qpscopeMock: 'aggregate'; id: number; op: 'stats' | 'reset'};

export function isMockMessage(message: unknown): message is {qpscopeMock: string} {
	return typeof message === 'object' && message !== null && typeof (message as {qpscopeMock?: unknown}).qpscopeMock === 'string';
}

const WORKER_ENTRY = fileURLToPath(new URL('cluster-worker.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const IPC_TIMEOUT_MS = 3000;
const CLOSE_GRACE_MS = 3000;

/** Starts the mock: in this process when workers = 1, else as a node:cluster primary with that many workers. */
export async function startMock(partial: Partial<MockOptions> = {}): Promise<MockHandle> {
	const opts = resolveMockOptions(partial);
	return opts.workers === 1 ? startSingle(opts) : startCluster(opts);
}

async function startSingle(opts: MockOptions): Promise<MockHandle> {
	const core = new MockCore(opts, 0);
	const port = await core.listen(opts.port, opts.host);
	const options = {...opts, port};
	return {
		url: `http://${urlHost(opts.host)}:${port}`,
		port,
		options,
		capacityQps: capacityQps(options),
		workerPids: [],
		stats: async () => core.localStats(),
		resetStats: async () => core.resetLocal(),
		close: () => core.close(),
	};
}

/** A free port right now (for cluster mode: workers that all listen(0) would share one handle across mocks). */
function freePort(host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.unref();
		probe.once('error', reject);
		probe.listen({port: 0, host, exclusive: true}, () => {
			const {port} = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

async function startCluster(opts: MockOptions): Promise<MockHandle> {
	if (!cluster.isPrimary) throw new Error('qpscope mock: cannot start a cluster mock from inside a cluster worker');
	const port = opts.port === 0 ? await freePort(opts.host) : opts.port;
	const options: MockOptions = {...opts, port};

	cluster.setupPrimary({exec: WORKER_ENTRY, args: [JSON.stringify(options)], execArgv: [], silent: false});
	const workers: Worker[] = [];
	for (let i = 0; i < opts.workers; i++) workers.push(cluster.fork({QPSCOPE_MOCK_WORKER_INDEX: String(i)}));
	const alive = new Set(workers);
	const exited = new Map<Worker, Promise<void>>();
	for (const worker of workers) {
		exited.set(
			worker,
			new Promise((resolve) => {
				worker.once('exit', () => {
					alive.delete(worker);
					resolve();
				});
			}),
		);
	}
	let closing = false;
	// No orphans: if this process exits without close(), take the workers with it (they also exit on IPC disconnect).
	const killOnExit = (): void => {
		for (const worker of alive) worker.process.kill('SIGKILL');
	};
	process.once('exit', killOnExit);

	let nextId = 1;
	const waiting = new Map<number, {resolve(value: unknown): void; timer: NodeJS.Timeout}>();
	const ask = <T>(worker: Worker, message: ToWorker & {id: number}): Promise<T | undefined> =>
		new Promise((resolve) => {
			if (!alive.has(worker) || !worker.isConnected()) {
				resolve(undefined);
				return;
			}
			const timer = setTimeout(() => {
				waiting.delete(message.id);
				resolve(undefined);
			}, IPC_TIMEOUT_MS);
			waiting.set(message.id, {resolve: resolve as (value: unknown) => void, timer});
			worker.send(message, (error: Error | null) => {
				if (error) {
					clearTimeout(timer);
					waiting.delete(message.id);
					resolve(undefined);
				}
			});
		});
	const stats = async (): Promise<MockStats> => {
		const replies = await Promise.all([...alive].map((worker) => ask<MockStats>(worker, {qpscopeMock: 'stats', id: nextId++})));
		return sumStats(replies.filter((reply): reply is MockStats => reply !== undefined));
	};
	const resetStats = async (): Promise<void> => {
		await Promise.all([...alive].map((worker) => ask(worker, {qpscopeMock: 'reset', id: nextId++})));
	};

	const ready = new Promise<void>((resolve, reject) => {
		let listening = 0;
		const timer = setTimeout(
			() => reject(new Error(`qpscope mock: workers did not start within ${START_TIMEOUT_MS / 1000} s`)),
			START_TIMEOUT_MS,
		);
		const fail = (error: Error): void => {
			clearTimeout(timer);
			reject(error);
		};
		for (const worker of workers) {
			worker.on('error', () => {}); // IPC write errors after a worker died: its 'exit' says enough
			worker.on('message', (message: unknown) => {
				if (!isMockMessage(message)) return;
				const m = message as ToPrimary;
				switch (m.qpscopeMock) {
					case 'listening': {
						if (++listening === workers.length) {
							clearTimeout(timer);
							resolve();
						}
						break;
					}
					case 'startError': {
						const error: NodeJS.ErrnoException = new Error(`qpscope mock: worker could not listen on ${opts.host}:${port}: ${m.message}`);
						if (m.code !== undefined) error.code = m.code;
						fail(error);
						break;
					}
					case 'statsReply':
					case 'resetReply': {
						const entry = waiting.get(m.id);
						if (entry) {
							waiting.delete(m.id);
							clearTimeout(entry.timer);
							entry.resolve(m.qpscopeMock === 'statsReply' ? m.stats : true);
						}
						break;
					}
					case 'aggregate': {
						(m.op === 'stats' ? stats() : resetStats().then(() => undefined)).then(
							(result) => {
								if (worker.isConnected()) worker.send({qpscopeMock: 'aggregateReply', id: m.id, stats: result} satisfies ToWorker);
							},
							(error: unknown) => {
								if (worker.isConnected()) worker.send({qpscopeMock: 'aggregateReply', id: m.id, error: String(error)} satisfies ToWorker);
							},
						);
						break;
					}
					default:
				}
			});
			worker.once('exit', (code, signal) => {
				if (!closing) {
					const how = signal ? `signal ${signal}` : `code ${code}`;
					if (listening < workers.length) fail(new Error(`qpscope mock: a worker exited during start-up (${how})`));
					else process.stderr.write(`qpscope mock: worker ${worker.process.pid} exited unexpectedly (${how})\n`);
				}
			});
		}
	});

	let closed: Promise<void> | undefined;
	const close = (): Promise<void> => {
		closed ??= (async () => {
			closing = true;
			for (const worker of alive) {
				if (worker.isConnected()) worker.send({qpscopeMock: 'close'} satisfies ToWorker, () => {});
				else worker.process.kill('SIGTERM');
			}
			const grace = setTimeout(() => {
				for (const worker of alive) worker.process.kill('SIGKILL');
			}, CLOSE_GRACE_MS);
			await Promise.all(exited.values());
			clearTimeout(grace);
			for (const entry of waiting.values()) {
				clearTimeout(entry.timer);
				entry.resolve(undefined);
			}
			waiting.clear();
			process.off('exit', killOnExit);
		})();
		return closed;
	};

	try {
		await ready;
	} catch (error) {
		await close();
		throw error;
	}
	return {
		url: `http://${urlHost(opts.host)}:${port}`,
		port,
		options,
		capacityQps: capacityQps(options),
		workerPids: workers.map((worker) => worker.process.pid).filter((pid): pid is number => typeof pid === 'number'),
		stats,
		resetStats,
		close,
	};
}
