// One streamed invocation -> one complete record (see InvocationRecord in ../types.ts).
// undici's dispatch() with one handler object per request (no response stream: every body chunk comes straight
// to onResponseData); a chunk that is exactly one `data: ...` event is read at once, anything else goes through
// eventsource-parser and a streaming TextDecoder (undici 7's setEncoding does not decode). See bench/RESULTS.md.
// All times come from the monotonic clock (performance.now()).
import {performance} from 'node:perf_hooks';
import {Agent, type Dispatcher} from 'undici';
import {createParser, type EventSourceMessage, type EventSourceParser} from 'eventsource-parser';
import type {InvocationRecord, Outcome} from '../types.ts';
import {classifyEvent} from './events.ts';
import {describeNetworkError} from './net-errors.ts';
import {watchdog, type Watched} from './watchdog.ts';

export interface InvokeOptions {
	/** The full URL to POST to (usually `<app>/invocations`). */
	url: string;
	/** The serialized JSON body. */
	body: string;
	/** Extra headers (already validated). */
	headers?: Record<string, string>;
	/** Bearer token, or undefined for none. */
	token?: string;
	dispatcher?: Dispatcher;
	/** Whole-request limit, ms (0 = none). */
	timeoutMs: number;
	/** Longest silence allowed between bytes of the response, ms (0 = none). */
	idleTimeoutMs: number;
	/** Stops the request at once; it is then reported as 'aborted', not as a failure. */
	signal?: AbortSignal;
	/** Called with each gap between consecutive text deltas (inter-chunk latency), ms, and the performance.now() of the later delta. */
	onGap?: (ms: number, at: number) => void;
	/** Largest single SSE event accepted, bytes (default 4 MiB). */
	maxEventBytes?: number;
}

export interface InvokeResult extends InvocationRecord {
	/** The mock agent stamps its send time of the first delta (absolute ms); used to check TTFT accuracy. */
	serverFirstDeltaMs: number | null;
}

/** Cap on the error-body bytes read from a non-200 answer. */
const ERROR_BODY_BYTES = 4096;

export function createDispatcher(): Agent {
	return new Agent({
		connections: null, // one connection per concurrent stream, as many as the users
		pipelining: 1,
		keepAliveTimeout: 30_000,
		keepAliveMaxTimeout: 120_000,
		headersTimeout: 0, // our own watchdog times requests
		bodyTimeout: 0,
		connectTimeout: 10_000,
	});
}

let defaultDispatcher: Agent | undefined;
function sharedDispatcher(): Agent {
	defaultDispatcher ??= createDispatcher();
	return defaultDispatcher;
}

/** One line, no control characters, at most n characters: server text is untrusted. */
export function oneLine(text: string, n = 200): string {
	// eslint-disable-next-line no-control-regex
	const flat = text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|[\x00-\x1f\x7f-\x9f]+/g, ' ').replace(/\s+/g, ' ').trim();
	return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

const connectionMessage = describeNetworkError;

/** `{stream: true}` for the streaming TextDecoder, allocated once. */
const STREAM = {stream: true} as const;

type StopReason = 'aborted' | 'timeout' | 'idle_timeout' | 'too_large';

/** The last URL split for undici (every request of a run goes to the same one or few). */
let lastUrl = '';
let lastTarget: {origin: string; path: string} = {origin: '', path: ''};
function targetOf(text: string): {origin: string; path: string} {
	if (text !== lastUrl) {
		const url = new URL(text);
		lastTarget = {origin: url.origin, path: url.pathname + url.search};
		lastUrl = text;
	}
	return lastTarget;
}

/** The request headers; the object is reused while the extra headers and the token stay the same. */
let lastExtra: Record<string, string> | undefined;
let lastToken: string | undefined;
let lastHeaders: Record<string, string> | undefined;
function headersOf(extra: Record<string, string> | undefined, token: string | undefined): Record<string, string> {
	if (lastHeaders === undefined || extra !== lastExtra || token !== lastToken) {
		const headers: Record<string, string> = {'content-type': 'application/json', accept: 'text/event-stream', ...extra};
		if (token) headers.authorization = `Bearer ${token}`;
		lastExtra = extra;
		lastToken = token;
		lastHeaders = headers;
	}
	return lastHeaders;
}

/**
 * The invocations in flight per caller signal, with one 'abort' listener per signal instead of one per request
 * (adding and removing an EventTarget listener costs more than the rest of a short request's bookkeeping).
 */
const bySignal = new WeakMap<AbortSignal, Set<Call>>();

function watchSignal(signal: AbortSignal, call: Call): void {
	let calls = bySignal.get(signal);
	if (calls === undefined) {
		const set = new Set<Call>();
		calls = set;
		bySignal.set(signal, set);
		signal.addEventListener(
			'abort',
			() => {
				for (const c of set) c.abortedByCaller();
				set.clear();
			},
			{once: true},
		);
	}
	calls.add(call);
}

function unwatchSignal(signal: AbortSignal, call: Call): void {
	bySignal.get(signal)?.delete(call);
}

/**
 * One invocation: the undici dispatch handler (no response stream, no promise per step) and the watchdog's
 * entry at once. Every event of a stream goes straight from undici's parser to `onResponseData`.
 */
class Call implements Dispatcher.DispatchHandler, Watched {
	// Watched
	deadline: number;
	idleMs: number;
	lastActivity: number;

	private readonly t0: number;
	private readonly startMs: number;
	private ttfbMs: number | null = null;
	private firstEventMs: number | null = null;
	private ttftMs: number | null = null;
	private lastDeltaAt = 0;
	private chunks = 0;
	private events = 0;
	private bytes = 0;
	private status: number | null = null;
	private done = false;
	private errorMessage: string | null = null;
	private badJson = false;
	private serverFirstDeltaMs: number | null = null;
	private eventBytes = 0;
	private readonly maxEventBytes: number;
	/** performance.now() of the chunk being parsed (every event in one read arrived at once). */
	private now = 0;
	private stopReason: StopReason | null = null;
	private controller: Dispatcher.DispatchController | null = null;
	/** What the body is read for, decided by the status and content type. */
	private mode: 'headers' | 'sse' | 'error_body' | 'not_sse' = 'headers';
	/** A bounded piece of a body that is not an event stream (for the message). */
	private text = '';
	private contentType = '';
	private parser: EventSourceParser | null = null;
	/** The parser and the decoder hold nothing back (the last chunk ended with an empty line). */
	private clean = true;
	/** Some chunk was read by the one-event shortcut. */
	private shortcut = false;
	private decoder: InstanceType<typeof TextDecoder> | null = null;
	private settled = false;
	private readonly onGap: ((ms: number, at: number) => void) | undefined;
	private readonly external: AbortSignal | undefined;

	constructor(
		private readonly options: InvokeOptions,
		private readonly resolve: (r: InvokeResult) => void,
	) {
		this.t0 = performance.now();
		this.startMs = performance.timeOrigin + this.t0;
		this.maxEventBytes = options.maxEventBytes ?? 4 * 1024 * 1024;
		this.onGap = options.onGap;
		this.deadline = options.timeoutMs > 0 ? this.t0 + options.timeoutMs : Infinity;
		this.idleMs = options.idleTimeoutMs > 0 ? options.idleTimeoutMs : Infinity;
		this.lastActivity = this.t0;
		this.external = options.signal;
	}

	start(): void {
		const external = this.external;
		if (external) {
			if (external.aborted) this.stopReason = 'aborted';
			else watchSignal(external, this);
		}
		watchdog.add(this);
		if (this.stopReason) return this.stopped();
		const o = this.options;
		let target: {origin: string; path: string};
		try {
			target = targetOf(o.url);
		} catch (error) {
			return this.finish('connection_error', connectionMessage(error));
		}
		(o.dispatcher ?? sharedDispatcher()).dispatch(
			{origin: target.origin, path: target.path, method: 'POST', headers: headersOf(o.headers, o.token), body: o.body},
			this,
		);
	}

	/** The caller's signal was aborted. */
	abortedByCaller(): void {
		this.stop('aborted');
	}

	expire(why: 'timeout' | 'idle_timeout'): void {
		this.stop(why);
	}

	private stop(reason: StopReason): void {
		if (this.stopReason || this.settled) return;
		this.stopReason = reason;
		// Before the request is on a socket there is nothing to abort yet: onRequestStart does it.
		this.controller?.abort(new Error(reason));
	}

	// --- undici ---

	onRequestStart(controller: Dispatcher.DispatchController): void {
		this.controller = controller;
		if (this.stopReason || this.settled) controller.abort(new Error(this.stopReason ?? 'aborted'));
	}

	onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
		if (statusCode < 200 || this.settled) return; // 1xx: informational
		const now = performance.now();
		this.ttfbMs = now - this.t0;
		this.lastActivity = now;
		this.status = statusCode;
		if (statusCode !== 200) {
			this.mode = 'error_body';
			return;
		}
		const contentType = String(headers['content-type'] ?? '');
		if (!contentType.includes('event-stream')) {
			this.mode = 'not_sse';
			this.contentType = contentType;
			return;
		}
		this.mode = 'sse';
	}

	onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
		if (this.settled) return;
		const n = chunk.length;
		this.bytes += n;
		switch (this.mode) {
			case 'sse': {
				const now = performance.now();
				this.now = now;
				this.lastActivity = now;
				this.eventBytes += n;
				if (!this.clean || !this.oneEvent(chunk, n)) this.feed(chunk, n);
				if (this.eventBytes > this.maxEventBytes) this.stop('too_large');
				// Nothing after [DONE] matters: the result is complete (the rest of the response is read and dropped).
				if (this.done) this.complete();
				return;
			}
			case 'error_body': {
				// A bounded piece of the body for the message.
				if (this.text.length < ERROR_BODY_BYTES) {
					this.text += chunk.toString('utf8', 0, Math.min(n, ERROR_BODY_BYTES));
				} else {
					controller.abort(new Error('error body read'));
					this.errorBodyDone();
				}
				return;
			}
			case 'not_sse': {
				if (this.text.length < 200) this.text += chunk.toString('utf8', 0, Math.min(n, 400));
				if (this.bytes > ERROR_BODY_BYTES) {
					controller.abort(new Error('body read'));
					this.notSseDone();
				}
				return;
			}
			default:
		}
	}

	onResponseEnd(): void {
		if (this.settled) return;
		this.ended(null);
	}

	onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
		if (this.settled) return;
		this.ended(error);
	}

	// --- outcomes ---

	/** The response ended (error = null) or failed. */
	private ended(error: Error | null): void {
		switch (this.mode) {
			case 'headers':
				if (this.stopReason) return this.stopped();
				return this.finish('connection_error', connectionMessage(error));
			case 'error_body':
				return this.errorBodyDone();
			case 'not_sse':
				return this.notSseDone();
			case 'sse':
				if (this.stopReason) return this.stopped();
				if (error && !this.done) {
					if (this.errorMessage) return this.finish('error_event', `error event: ${this.errorMessage}`);
					return this.finish('no_done', `stream cut before [DONE] (${connectionMessage(error)})`);
				}
				return this.complete();
		}
	}

	private errorBodyDone(): void {
		if (this.stopReason === 'aborted') return this.stopped();
		const status = this.status!;
		// A server that echoes the Authorization header must not put our token into a message.
		const token = this.options.token;
		const detail = oneLine(token ? this.text.split(token).join('***') : this.text, 200);
		const outcome: Outcome = status === 401 || status === 403 ? 'auth_error' : 'http_error';
		this.finish(outcome, detail ? `HTTP ${status}: ${detail}` : `HTTP ${status}`);
	}

	private notSseDone(): void {
		if (this.stopReason) return this.stopped();
		const contentType = this.contentType;
		const kind = contentType ? contentType.split(';')[0]!.trim() : 'no content-type';
		this.finish('not_sse', `200 but not an event stream (${oneLine(kind, 60)})`);
	}

	/** The stream is over: [DONE] came, or the server ended it. */
	private complete(): void {
		if (this.errorMessage) return this.finish('error_event', `error event: ${this.errorMessage}`);
		if (this.badJson) return this.finish('not_sse', 'invalid JSON in an SSE event');
		if (!this.done) return this.finish('no_done', this.events === 0 ? 'stream ended without any event' : 'stream ended without [DONE]');
		if (this.chunks === 0) return this.finish('no_text_delta', 'no text delta before [DONE]');
		this.finish('ok', '');
	}

	private stopped(): void {
		const o = this.options;
		switch (this.stopReason) {
			case 'timeout':
				return this.finish('timeout', `request timeout after ${Math.round(o.timeoutMs / 1000)} s`);
			case 'idle_timeout':
				return this.finish('idle_timeout', `no data for ${Math.round(o.idleTimeoutMs / 1000)} s (stalled stream)`);
			case 'too_large':
				return this.finish('not_sse', `an SSE event larger than ${Math.round(this.maxEventBytes / 1024)} KiB`);
			default:
				return this.finish('aborted', 'aborted');
		}
	}

	private finish(outcome: Outcome, message: string): void {
		if (this.settled) return;
		this.settled = true;
		watchdog.delete(this);
		if (this.external) unwatchSignal(this.external, this);
		const end = performance.now();
		this.resolve({
			outcome,
			ok: outcome === 'ok',
			message,
			status: this.status,
			startMs: this.startMs,
			endMs: performance.timeOrigin + end,
			ttfbMs: this.ttfbMs,
			firstEventMs: this.firstEventMs,
			ttftMs: this.ttftMs,
			latencyMs: end - this.t0,
			chunks: this.chunks,
			events: this.events,
			bytes: this.bytes,
			serverFirstDeltaMs: this.serverFirstDeltaMs,
		});
	}

	// --- SSE ---

	/**
	 * The usual chunk: exactly one whole event, `data: <one line>\n\n`, read without the parser (no decoder
	 * state, no event object). Only while the parser holds nothing back (`clean`); false for anything else.
	 */
	private oneEvent(chunk: Buffer, n: number): boolean {
		// "data:" ... "\n\n"
		if (n < 7 || chunk[0] !== 0x64 || chunk[1] !== 0x61 || chunk[2] !== 0x74 || chunk[3] !== 0x61 || chunk[4] !== 0x3a || chunk[n - 1] !== 0x0a || chunk[n - 2] !== 0x0a) return false;
		const data = chunk.toString('utf8', chunk[5] === 0x20 ? 6 : 5, n - 2);
		if (data.indexOf('\n') !== -1 || data.indexOf('\r') !== -1) return false;
		this.shortcut = true;
		this.onEventData(data);
		return true;
	}

	/** Any other chunk: the streaming decoder and eventsource-parser, made on first use. */
	private feed(chunk: Buffer, n: number): void {
		if (this.parser === null) {
			this.parser = createParser({onEvent: this.onEvent});
			// Chunks already read without them: the stream has started (no byte-order mark to strip any more).
			if (this.shortcut) this.parser.feed('');
			this.decoder = new TextDecoder('utf-8', {ignoreBOM: this.shortcut});
		}
		this.parser.feed(this.decoder!.decode(chunk, STREAM));
		// A chunk that ends with an empty line leaves nothing in the decoder or the parser.
		this.clean = n >= 2 && chunk[n - 1] === 0x0a && chunk[n - 2] === 0x0a;
	}

	private readonly onEvent = (event: EventSourceMessage): void => this.onEventData(event.data);

	/** One SSE event's data. */
	private onEventData(data: string): void {
		const now = this.now;
		this.eventBytes = 0;
		this.events++;
		if (this.firstEventMs === null) this.firstEventMs = now - this.t0;
		if (data === '[DONE]') {
			this.done = true;
			return;
		}
		const kind = classifyEvent(data, this.ttftMs === null);
		if (kind.type === 'delta') {
			if (this.ttftMs === null) {
				this.ttftMs = now - this.t0;
				if (kind.sentMs !== undefined) this.serverFirstDeltaMs = kind.sentMs;
			} else if (this.onGap) {
				this.onGap(now - this.lastDeltaAt, now);
			}
			this.lastDeltaAt = now;
			this.chunks++;
		} else if (kind.type === 'error') {
			this.errorMessage ??= oneLine(kind.message, 200);
		} else if (kind.type === 'invalid') {
			this.badJson = true;
		}
	}
}

/**
 * Performs one streamed invocation and returns its record. Never throws: every failure is an outcome.
 */
export function invoke(options: InvokeOptions): Promise<InvokeResult> {
	return new Promise((resolve) => new Call(options, resolve).start());
}
