// The streaming client against the real mock agent and small node:http stand-ins on loopback.
import {test, after, before} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {invoke, type InvokeOptions} from '../source/client/invoke.ts';
import {classifyEvent} from '../source/client/events.ts';
import {startMock, type MockHandle} from '../source/mock/server.ts';

const BODY = JSON.stringify({input: [{role: 'user', content: 'hi'}], stream: true});
const base = (url: string, extra: Partial<InvokeOptions> = {}): InvokeOptions => ({url: `${url}/invocations`, body: BODY, timeoutMs: 5000, idleTimeoutMs: 2000, ...extra});

/** A stand-in server whose handler writes whatever a case needs. */
async function standIn(handler: http.RequestListener): Promise<{url: string; close(): Promise<void>}> {
	const server = http.createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () => new Promise((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}

function sse(res: http.ServerResponse, events: string[], end = true) {
	res.writeHead(200, {'content-type': 'text/event-stream'});
	for (const e of events) res.write(`data: ${e}\n\n`);
	if (end) res.end();
}

let mock: MockHandle;
before(async () => {
	mock = await startMock({port: 0, chunkCount: 20, chunkDelayMs: 10, ttftMs: 50, seed: 1});
});
after(async () => {
	await mock.close();
});

test('a normal stream: chunks counted, TTFT to the first text delta, latency to [DONE], gaps reported', async () => {
	const gaps: number[] = [];
	const r = await invoke(base(mock.url, {onGap: (ms) => gaps.push(ms)}));
	assert.equal(r.outcome, 'ok', r.message);
	assert.equal(r.ok, true);
	assert.equal(r.status, 200);
	assert.equal(r.chunks, 20);
	assert.equal(r.events, 20 + 3); // tool call, deltas, message done, [DONE]
	assert.equal(gaps.length, 19);
	// TTFT = ttft (50 ms, first event: the tool call) + one chunk delay (10 ms); never the first event.
	assert.ok(r.firstEventMs! >= 45 && r.firstEventMs! < r.ttftMs!, `first event ${r.firstEventMs} before ttft ${r.ttftMs}`);
	assert.ok(r.ttftMs! >= 55 && r.ttftMs! < 160, `ttft ${r.ttftMs}`);
	assert.ok(r.latencyMs >= 245 && r.latencyMs < 600, `latency ${r.latencyMs}`);
	assert.ok(r.ttfbMs! <= r.firstEventMs!, 'r.ttfbMs! <= r.firstEventMs!');
	assert.ok(r.bytes > 1000, 'r.bytes > 1000');
	assert.ok(r.serverFirstDeltaMs !== null && Math.abs(r.startMs + r.ttftMs! - r.serverFirstDeltaMs) < 50, 'the mock stamps its first delta');
	const median = gaps.sort((a, b) => a - b)[9]!;
	assert.ok(median > 5 && median < 40, `median gap ${median}`);
});

test('every fault of the mock is its own outcome class', async (t) => {
	const cases: Array<[string, Record<string, number>, string, RegExp, Partial<InvokeOptions>?]> = [
		['HTTP 500', {failRate: 1}, 'http_error', /^HTTP 500: .*injected failure/],
		['cut mid-stream', {cutRate: 1}, 'no_done', /cut before \[DONE\]/],
		['error event in a 200 stream', {errorEventRate: 1}, 'error_event', /agent raised/],
		['stalled stream', {stallRate: 1}, 'idle_timeout', /no data for/, {idleTimeoutMs: 300}],
	];
	for (const [name, faults, outcome, message, extra] of cases) {
		await t.test(name, async () => {
			const m = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 5, seed: 2, ...faults});
			try {
				const r = await invoke(base(m.url, extra));
				assert.equal(r.outcome, outcome, r.message);
				assert.equal(r.ok, false);
				assert.match(r.message, message);
			} finally {
				await m.close();
			}
		});
	}
});

test('shed past capacity: the second concurrent stream gets a 503', async () => {
	const m = await startMock({port: 0, capacity: 1, overload: 'shed', chunkCount: 10, chunkDelayMs: 20});
	try {
		const [a, b] = await Promise.all([invoke(base(m.url)), new Promise((r) => setTimeout(r, 30)).then(() => invoke(base(m.url)))]);
		assert.equal(a.outcome, 'ok');
		assert.equal(b.outcome, 'http_error');
		assert.match(b.message, /^HTTP 503/);
		const stats = await m.stats();
		assert.equal(stats.shed, 1);
		assert.equal(stats.completed, 1);
	} finally {
		await m.close();
	}
});

test('whole-request timeout, connection refused, and abort (not a failure)', async () => {
	const slow = await invoke(base(mock.url, {timeoutMs: 120}));
	assert.equal(slow.outcome, 'timeout');
	const closed = await standIn(() => {});
	const url = closed.url;
	await closed.close();
	const refused = await invoke(base(url));
	assert.equal(refused.outcome, 'connection_error');
	assert.equal(refused.message, 'connection refused');
	const ac = new AbortController();
	setTimeout(() => ac.abort(), 100);
	const aborted = await invoke(base(mock.url, {signal: ac.signal}));
	assert.equal(aborted.outcome, 'aborted');
	assert.equal(aborted.ok, false);
});

test('what a broken server sends: each case its class, none a success', async () => {
	const delta = JSON.stringify({type: 'response.output_text.delta', delta: 'x'});
	const server = await standIn((req, res) => {
		switch (req.url) {
			case '/a/invocations':
				res.writeHead(401, {'content-type': 'application/json'}).end('{"error":"token expired"}');
				return;
			case '/b/invocations':
				res.writeHead(200, {'content-type': 'application/json'}).end('{"output":[]}');
				return;
			case '/c/invocations':
				sse(res, [JSON.stringify({type: 'response.output_item.done', item: {}}), '[DONE]']);
				return;
			case '/d/invocations':
				sse(res, [delta, '{not json', '[DONE]']);
				return;
			case '/e/invocations':
				sse(res, [delta, JSON.stringify({type: 'response.failed', response: {error: {message: 'model overloaded'}}}), '[DONE]']);
				return;
			case '/f/invocations':
				res.writeHead(200, {'content-type': 'text/event-stream'});
				res.write(`data: ${'x'.repeat(200_000)}`);
				return;
			case '/g/invocations': {
				res.writeHead(200, {'content-type': 'text/event-stream'});
				const t = setInterval(() => res.write(`data: ${delta}\n\n`), 10);
				res.on('close', () => clearInterval(t));
				return;
			}
			case '/h/invocations':
				sse(res, [delta, delta]);
				return;
			case '/i/invocations':
				res.writeHead(503, {'content-type': 'text/html'}).end(`<html>\x1b[31mbusy\x1b[0m ${'y'.repeat(500)}</html>`);
				return;
			case '/j/invocations':
				sse(res, [delta, JSON.stringify({type: 'error', message: 'rate limited'}), '[DONE]']);
				return;
		}
	});
	try {
		const at = (p: string, extra: Partial<InvokeOptions> = {}) => invoke({...base(`${server.url}/${p}`), maxEventBytes: 64 * 1024, ...extra});
		const expect: Array<[string, string, RegExp, Partial<InvokeOptions>?]> = [
			['a', 'auth_error', /^HTTP 401: .*token expired/],
			['b', 'not_sse', /not an event stream \(application\/json\)/],
			['c', 'no_text_delta', /no text delta/],
			['d', 'not_sse', /invalid JSON/],
			['e', 'error_event', /model overloaded/],
			['f', 'not_sse', /larger than 64 KiB/],
			['g', 'timeout', /request timeout/, {timeoutMs: 300}],
			['h', 'no_done', /ended without \[DONE\]/],
			['i', 'http_error', /^HTTP 503: <html> ?busy/],
			['j', 'error_event', /rate limited/],
		];
		for (const [p, outcome, message, extra] of expect) {
			const r = await at(p, extra);
			assert.equal(r.outcome, outcome, `${p}: ${r.message}`);
			assert.match(r.message, message, p);
			assert.ok(r.message.length <= 220, `${p}: message bounded`);
			assert.doesNotMatch(r.message, /\x1b/, `${p}: no control characters`);
		}
	} finally {
		await server.close();
	}
});

test('classifyEvent: deltas without parsing, errors found however they are spelt', () => {
	assert.deepEqual(classifyEvent('{"type":"response.output_text.delta","delta":"hi"}'), {type: 'delta'});
	assert.deepEqual(classifyEvent('{"type": "response.output_text.delta", "delta": "error"}'), {type: 'delta'});
	assert.deepEqual(classifyEvent('{"type":"response.output_text.delta","delta":"x","qpscope_sent_ms":12.5}', true), {type: 'delta', sentMs: 12.5});
	assert.deepEqual(classifyEvent('{"error": "boom"}'), {type: 'error', message: 'boom'});
	assert.deepEqual(classifyEvent('{"error": {"message": "agent raised", "code": 500}}'), {type: 'error', message: 'agent raised'});
	assert.deepEqual(classifyEvent('{"type":"error","message":"nope"}'), {type: 'error', message: 'nope'});
	assert.equal(classifyEvent('{"type":"response.output_item.done","item":{"type":"function_call"}}').type, 'other');
	assert.equal(classifyEvent('{"choices":[{"delta":{"content":"hello"}}]}').type, 'delta');
	assert.equal(classifyEvent('{"choices":[{"delta":{"role":"assistant"}}]}').type, 'other');
	assert.equal(classifyEvent('nope').type, 'invalid');
});
