// One streamed invocation -> one complete record (see InvocationRecord in ../types.ts).
// undici for HTTP, eventsource-parser for SSE, a streaming TextDecoder (undici 7's setEncoding does not decode).
// All times come from the monotonic clock (performance.now()).
import {performance} from 'node:perf_hooks';
import {Agent, type Dispatcher} from 'undici';
import {createParser, type EventSourceMessage} from 'eventsource-parser';
import type {InvocationRecord, Outcome} from '../types.ts';
import {classifyEvent} from './events.ts';
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
	/** Called with each gap between consecutive text deltas (inter-chunk latency), ms. */
	onGap?: (ms: number) => void;
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

function connectionMessage(error: unknown): string {
	const e = error as {code?: string; message?: string; cause?: {code?: string}};
	const code = e?.code ?? e?.cause?.code ?? '';
	switch (code) {
		case 'ECONNREFUSED':
			return 'connection refused';
		case 'ECONNRESET':
			return 'connection reset';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `DNS lookup failed (${code})`;
		case 'ETIMEDOUT':
		case 'UND_ERR_CONNECT_TIMEOUT':
			return 'connect timeout';
		case 'EPIPE':
			return 'broken pipe';
		case 'UND_ERR_SOCKET':
			return 'socket closed by the server';
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return `network unreachable (${code})`;
		default:
			return oneLine(code ? `${code}: ${e?.message ?? ''}` : (e?.message ?? String(error)), 120);
	}
}

/**
 * Performs one streamed invocation and returns its record. Never throws: every failure is an outcome.
 */
export async function invoke(options: InvokeOptions): Promise<InvokeResult> {
	const t0 = performance.now();
	const startMs = performance.timeOrigin + t0;
	let ttfbMs: number | null = null;
	let firstEventMs: number | null = null;
	let ttftMs: number | null = null;
	let lastDeltaAt = 0;
	let chunks = 0;
	let events = 0;
	let bytes = 0;
	let status: number | null = null;
	let done = false;
	let errorMessage: string | null = null;
	let badJson = false;
	let serverFirstDeltaMs: number | null = null;
	let eventBytes = 0;
	const maxEventBytes = options.maxEventBytes ?? 4 * 1024 * 1024;

	const controller = new AbortController();
	let stopReason: 'aborted' | 'timeout' | 'idle_timeout' | 'too_large' | null = null;
	const stop = (reason: NonNullable<typeof stopReason>) => {
		if (stopReason) return;
		stopReason = reason;
		controller.abort(reason);
	};
	const external = options.signal;
	const onExternalAbort = () => stop('aborted');
	if (external) {
		if (external.aborted) stopReason = 'aborted';
		else external.addEventListener('abort', onExternalAbort, {once: true});
	}
	const watched: Watched = {
		deadline: options.timeoutMs > 0 ? t0 + options.timeoutMs : Infinity,
		idleMs: options.idleTimeoutMs > 0 ? options.idleTimeoutMs : Infinity,
		lastActivity: t0,
		expire: (why) => stop(why),
	};
	watchdog.add(watched);

	const finish = (outcome: Outcome, message: string): InvokeResult => {
		watchdog.delete(watched);
		external?.removeEventListener('abort', onExternalAbort);
		const end = performance.now();
		return {
			outcome,
			ok: outcome === 'ok',
			message,
			status,
			startMs,
			endMs: performance.timeOrigin + end,
			ttfbMs,
			firstEventMs,
			ttftMs,
			latencyMs: end - t0,
			chunks,
			events,
			bytes,
			serverFirstDeltaMs,
		};
	};
	const stoppedOutcome = (): InvokeResult => {
		switch (stopReason) {
			case 'timeout':
				return finish('timeout', `request timeout after ${Math.round(options.timeoutMs / 1000)} s`);
			case 'idle_timeout':
				return finish('idle_timeout', `no data for ${Math.round(options.idleTimeoutMs / 1000)} s (stalled stream)`);
			case 'too_large':
				return finish('not_sse', `an SSE event larger than ${Math.round(maxEventBytes / 1024)} KiB`);
			default:
				return finish('aborted', 'aborted');
		}
	};
	if (stopReason) return stoppedOutcome();

	const headers: Record<string, string> = {
		'content-type': 'application/json',
		accept: 'text/event-stream',
		...options.headers,
	};
	if (options.token) headers.authorization = `Bearer ${options.token}`;

	let response: Dispatcher.ResponseData;
	try {
		const url = new URL(options.url);
		response = await (options.dispatcher ?? sharedDispatcher()).request({
			origin: url.origin,
			path: url.pathname + url.search,
			method: 'POST',
			headers,
			body: options.body,
			signal: controller.signal,
		});
	} catch (error) {
		if (stopReason) return stoppedOutcome();
		return finish('connection_error', connectionMessage(error));
	}
	ttfbMs = performance.now() - t0;
	watched.lastActivity = ttfbMs + t0;
	status = response.statusCode;
	const body = response.body;

	// Non-200: read a bounded piece of the body for the message.
	if (status !== 200) {
		let text = '';
		try {
			for await (const chunk of body) {
				bytes += (chunk as Buffer).length;
				if (text.length < ERROR_BODY_BYTES) text += (chunk as Buffer).toString('utf8', 0, Math.min((chunk as Buffer).length, ERROR_BODY_BYTES));
				else break;
			}
		} catch {
			// the message is what we have
		}
		if (!body.destroyed) body.destroy();
		if (stopReason === 'aborted') return stoppedOutcome();
		const detail = oneLine(text, 200);
		const outcome: Outcome = status === 401 || status === 403 ? 'auth_error' : 'http_error';
		return finish(outcome, detail ? `HTTP ${status}: ${detail}` : `HTTP ${status}`);
	}

	const contentType = String(response.headers['content-type'] ?? '');
	if (!contentType.includes('event-stream')) {
		let text = '';
		try {
			for await (const chunk of body) {
				bytes += (chunk as Buffer).length;
				if (text.length < 200) text += (chunk as Buffer).toString('utf8', 0, Math.min((chunk as Buffer).length, 400));
				if (bytes > ERROR_BODY_BYTES) break;
			}
		} catch {
			// the message is what we have
		}
		if (!body.destroyed) body.destroy();
		if (stopReason) return stoppedOutcome();
		const kind = contentType ? contentType.split(';')[0]!.trim() : 'no content-type';
		return finish('not_sse', `200 but not an event stream (${oneLine(kind, 60)})`);
	}

	const onEvent = (event: EventSourceMessage) => {
		const now = performance.now();
		eventBytes = 0;
		events++;
		if (firstEventMs === null) firstEventMs = now - t0;
		const data = event.data;
		if (data === '[DONE]') {
			done = true;
			return;
		}
		const kind = classifyEvent(data, ttftMs === null);
		if (kind.type === 'delta') {
			if (ttftMs === null) {
				ttftMs = now - t0;
				if (kind.sentMs !== undefined) serverFirstDeltaMs = kind.sentMs;
			} else if (options.onGap) {
				options.onGap(now - lastDeltaAt);
			}
			lastDeltaAt = now;
			chunks++;
		} else if (kind.type === 'error') {
			errorMessage ??= oneLine(kind.message, 200);
		} else if (kind.type === 'invalid') {
			badJson = true;
		}
	};
	const parser = createParser({onEvent});
	const decoder = new TextDecoder();

	try {
		await new Promise<void>((resolve, reject) => {
			body.on('data', (chunk: Buffer) => {
				const n = chunk.length;
				bytes += n;
				eventBytes += n;
				watched.lastActivity = performance.now();
				parser.feed(decoder.decode(chunk, {stream: true}));
				if (eventBytes > maxEventBytes) stop('too_large');
				if (done) {
					// Nothing after [DONE] matters; end the response here.
					resolve();
				}
			});
			body.once('end', () => resolve());
			body.once('error', reject);
			body.once('close', () => resolve());
		});
	} catch (error) {
		if (stopReason) return stoppedOutcome();
		if (!done) {
			if (errorMessage) return finish('error_event', `error event: ${errorMessage}`);
			return finish('no_done', `stream cut before [DONE] (${connectionMessage(error)})`);
		}
	}
	body.removeAllListeners('data');
	if (!done && stopReason) return stoppedOutcome();
	if (done && !body.destroyed && !body.readableEnded) {
		// The server should close the response after [DONE]; drain what is left quietly.
		body.resume();
		body.on('error', () => {});
	}
	if (errorMessage) return finish('error_event', `error event: ${errorMessage}`);
	if (badJson) return finish('not_sse', 'invalid JSON in an SSE event');
	if (!done) return finish('no_done', events === 0 ? 'stream ended without any event' : 'stream ended without [DONE]');
	if (chunks === 0) return finish('no_text_delta', 'no text delta before [DONE]');
	return finish('ok', '');
}
