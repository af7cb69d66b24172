// The mock agent server, driven over real sockets (node:http) on 127.0.0.1 with port 0.
import assert from 'node:assert/strict';
import http from 'node:http';
import process from 'node:process';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {UsageError} from '../source/config/errors.ts';
import {parseMockArgs} from '../source/mock/main.ts';
import {capacityQps, describeMock, startMock, type MockHandle, type MockStats} from '../source/mock/server.ts';

interface Result {
	status: number | null;
	headers: http.IncomingHttpHeaders;
	/** SSE `data:` payloads with their arrival time (ms from the request). */
	events: Array<{at: number; data: string}>;
	body: string;
	/** The response ended normally (not cut). */
	complete: boolean;
	error: string | null;
	ms: number;
	/** Absolute send time (performance.timeOrigin + performance.now()). */
	startMs: number;
}

interface Call {
	req: http.ClientRequest;
	result: Promise<Result>;
	/** Resolves at the first response byte or on failure. */
	headers: Promise<void>;
	/** Time of the last byte received, ms from the request. */
	lastByteAt(): number;
}

/** One request on its own connection; parses `data:` events as they arrive. */
function call(base: string, path: string, options: {method?: string; body?: unknown; raw?: string} = {}): Call {
	const t0 = performance.now();
	const events: Result['events'] = [];
	let body = '';
	let buffer = '';
	let lastByte = 0;
	let onHeaders!: () => void;
	const headers = new Promise<void>((resolve) => (onHeaders = resolve));
	const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
	const req = http.request(`${base}${path}`, {method: options.method ?? (payload === undefined ? 'GET' : 'POST'), agent: false});
	const result = new Promise<Result>((resolve) => {
		let settled = false;
		const finish = (status: number | null, hdrs: http.IncomingHttpHeaders, complete: boolean, error: string | null): void => {
			if (settled) return;
			settled = true;
			onHeaders();
			resolve({status, headers: hdrs, events, body, complete, error, ms: performance.now() - t0, startMs: performance.timeOrigin + t0});
		};
		req.on('error', (error) => finish(null, {}, false, error.message));
		req.on('response', (res) => {
			onHeaders();
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => {
				const at = performance.now() - t0;
				lastByte = at;
				body += chunk;
				buffer += chunk;
				let cut: number;
				while ((cut = buffer.indexOf('\n\n')) !== -1) {
					const block = buffer.slice(0, cut);
					buffer = buffer.slice(cut + 2);
					for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push({at, data: line.slice(6)});
				}
			});
			res.on('error', () => {});
			res.on('close', () => finish(res.statusCode ?? null, res.headers, res.complete, null));
		});
	});
	if (payload !== undefined) req.setHeader('content-type', 'application/json');
	req.end(payload);
	return {req, result, headers, lastByteAt: () => lastByte};
}

const STREAM = {input: [{role: 'user', content: 'hi'}], stream: true};
const PLAIN = {input: [{role: 'user', content: 'hi'}]};

async function getStats(base: string): Promise<MockStats> {
	const r = await call(base, '/stats').result;
	assert.equal(r.status, 200);
	return JSON.parse(r.body) as MockStats;
}

/** Polls until the predicate holds (bounded: at most `ms`). */
async function waitFor(what: string, predicate: () => Promise<boolean> | boolean, ms = 2000): Promise<void> {
	const end = performance.now() + ms;
	while (performance.now() < end) {
		if (await predicate()) return;
		await sleep(10);
	}
	assert.fail(`timed out waiting for ${what}`);
}

function deltas(r: Result): Array<{at: number; data: string}> {
	return r.events.filter((e) => e.data.includes('"response.output_text.delta"'));
}

async function withMock(options: Parameters<typeof startMock>[0], fn: (mock: MockHandle) => Promise<void>): Promise<void> {
	const mock = await startMock({port: 0, ...options});
	try {
		await fn(mock);
	} finally {
		await mock.close();
	}
}

test('capacityQps and the start line', () => {
	const opts = {workers: 2, capacity: 10, ttftMs: 0, chunkCount: 80, chunkDelayMs: 10};
	assert.equal(capacityQps(opts), 25);
	assert.equal(capacityQps({...opts, ttftMs: 200}), 20);
	assert.equal(capacityQps({...opts, capacity: null}), null);
	const line = describeMock({url: 'http://127.0.0.1:1234', capacityQps: 25, options: {...opts, port: 1234, host: '127.0.0.1', overload: 'queue', failRate: 0, cutRate: 0, errorEventRate: 0, stallRate: 0, seed: 1}});
	assert.match(line, /^mock agent listening on http:\/\/127\.0\.0\.1:1234 \(2 workers, capacity 10 streams\/worker, ~25\.0 QPS/);
});

test('flags: parsed, environment defaults, one-line usage errors', () => {
	assert.deepEqual(parseMockArgs(['--port', '0', '--capacity', '10', '--overload', 'shed', '--fail-rate', '0.1', '--seed', '7']), {
		port: 0,
		capacity: 10,
		overload: 'shed',
		failRate: 0.1,
		seed: 7,
	});
	process.env['MOCK_CHUNK_COUNT'] = '12';
	process.env['MOCK_CHUNK_DELAY_MS'] = '3';
	try {
		assert.deepEqual(parseMockArgs([]), {chunkCount: 12, chunkDelayMs: 3});
		assert.deepEqual(parseMockArgs(['--chunk-count', '5']), {chunkCount: 5, chunkDelayMs: 3});
		process.env['MOCK_CHUNK_COUNT'] = 'many';
		assert.throws(() => parseMockArgs([]), (error: Error) => error instanceof UsageError && error.message.includes('MOCK_CHUNK_COUNT'));
	} finally {
		delete process.env['MOCK_CHUNK_COUNT'];
		delete process.env['MOCK_CHUNK_DELAY_MS'];
	}
	for (const [argv, flag] of [
		[['--port', 'abc'], '--port'],
		[['--workers', '0'], '--workers'],
		[['--capacity', '2.5'], '--capacity'],
		[['--overload', 'drop'], '--overload'],
		[['--cut-rate', '1.5'], '--cut-rate'],
		[['--fail-rate', '0.6', '--stall-rate', '0.6'], '--stall-rate'],
		[['--bogus', '1'], '--bogus'],
	] as const) {
		assert.throws(
			() => parseMockArgs([...argv]),
			(error: Error) => error instanceof UsageError && error.message.includes(flag) && !error.message.includes('\n'),
			argv.join(' '),
		);
	}
});

test('stream shape and timing', async () => {
	await withMock({chunkCount: 20, chunkDelayMs: 10, ttftMs: 50}, async (mock) => {
		await call(mock.url, '/health').result; // warm up both ends before timing
		assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.equal(mock.port, Number(mock.url.split(':')[2]));
		const r = await call(mock.url, '/invocations', {body: STREAM}).result;
		assert.equal(r.status, 200);
		assert.equal(r.headers['content-type'], 'text/event-stream');
		assert.equal(r.headers['cache-control'], 'no-cache');
		assert.ok(r.complete, 'r.complete');
		assert.equal(r.events.length, 1 + 20 + 1 + 1);
		const first = JSON.parse(r.events[0]!.data) as {type: string; item: {type: string; name: string; call_id: string}};
		assert.equal(first.type, 'response.output_item.done');
		assert.equal(first.item.type, 'function_call');
		assert.equal(first.item.name, 'lookup');
		assert.ok(first.item.call_id, 'first.item.call_id');
		const ds = r.events.slice(1, 21).map((e) => JSON.parse(e.data) as {type: string; delta: string; item_id: string; qpscope_sent_ms?: number});
		for (const d of ds) {
			assert.equal(d.type, 'response.output_text.delta');
			assert.equal(d.delta, 'word ');
		}
		assert.equal(typeof ds[0]!.qpscope_sent_ms, 'number');
		assert.equal(ds[1]!.qpscope_sent_ms, undefined);
		const message = JSON.parse(r.events[21]!.data) as {item: {type: string; id: string; content: Array<{text: string}>}};
		assert.equal(message.item.type, 'message');
		assert.equal(message.item.id, ds[0]!.item_id);
		assert.equal(message.item.content[0]!.text, 'word '.repeat(20));
		assert.equal(r.events.at(-1)!.data, '[DONE]');
		assert.ok(r.body.endsWith('data: [DONE]\n\n'), 'r.body.endsWith(\'data: [DONE]\\n\\n\')');
		// The first delta: ttft + one chunk delay; the sent stamp is on the same clock as ours.
		const firstDelta = deltas(r)[0]!;
		assert.ok(firstDelta.at >= 55 && firstDelta.at < 1000, `first delta at ${firstDelta.at} ms`);
		assert.ok(r.events[0]!.at >= 45 && r.events[0]!.at < firstDelta.at, `tool call at ${r.events[0]!.at} ms`);
		assert.ok(r.ms >= 245 && r.ms < 2000, `stream took ${r.ms} ms`);
		const stats = await getStats(mock.url);
		assert.deepEqual(
			{requests: stats.requests, streamsStarted: stats.streamsStarted, completed: stats.completed, inFlight: stats.inFlight, workers: stats.workers},
			{requests: 1, streamsStarted: 1, completed: 1, inFlight: 0, workers: 1},
		);
	});
});

test('first-delta stamp is written at send time', async () => {
	await withMock({chunkCount: 3, chunkDelayMs: 20, ttftMs: 30}, async (mock) => {
		await call(mock.url, '/health').result;
		const r = await call(mock.url, '/invocations', {body: STREAM}).result;
		const first = deltas(r)[0]!;
		const sent = (JSON.parse(first.data) as {qpscope_sent_ms: number}).qpscope_sent_ms;
		const received = r.startMs + first.at;
		assert.ok(sent <= received + 0.5 && received - sent < 250, `sent ${sent} received ${received}`);
		assert.ok(sent - r.startMs >= 49, `sent ${sent - r.startMs} ms after the request`);
	});
});

test('JSON answer, 400s, /health, 404, stats and reset', async () => {
	await withMock({chunkCount: 5, chunkDelayMs: 10}, async (mock) => {
		const plain = await call(mock.url, '/invocations', {body: PLAIN}).result;
		assert.equal(plain.status, 200);
		assert.match(String(plain.headers['content-type']), /application\/json/);
		assert.ok(plain.ms >= 45, `JSON answer after ${plain.ms} ms`);
		const output = (JSON.parse(plain.body) as {output: Array<{type: string; content?: Array<{text: string}>}>}).output;
		assert.deepEqual(output.map((item) => item.type), ['function_call', 'message']);
		assert.equal(output[1]!.content![0]!.text, 'word '.repeat(5));

		const notJson = await call(mock.url, '/invocations', {raw: '{nope'}).result;
		assert.equal(notJson.status, 400);
		assert.equal(typeof (JSON.parse(notJson.body) as {error: unknown}).error, 'string');
		const noInput = await call(mock.url, '/invocations', {body: {messages: []}}).result;
		assert.equal(noInput.status, 400);
		assert.match((JSON.parse(noInput.body) as {error: string}).error, /input/);

		const health = await call(mock.url, '/health').result;
		assert.equal(health.status, 200);
		assert.deepEqual(JSON.parse(health.body), {status: 'healthy'});
		assert.equal((await call(mock.url, '/nope').result).status, 404);
		assert.equal((await call(mock.url, '/invocations', {method: 'GET'}).result).status, 405);

		let stats = await getStats(mock.url);
		assert.equal(stats.requests, 3);
		assert.equal(stats.badRequests, 2);
		assert.equal(stats.streamsStarted, 1);
		assert.equal(stats.completed, 1);
		assert.deepEqual(await mock.stats(), stats);

		const reset = await call(mock.url, '/stats/reset', {method: 'POST'}).result;
		assert.equal(reset.status, 200);
		stats = await getStats(mock.url);
		assert.equal(stats.requests, 0);
		assert.equal(stats.completed, 0);
		await call(mock.url, '/invocations', {body: STREAM}).result;
		assert.equal((await mock.stats()).completed, 1);
		await mock.resetStats();
		assert.equal((await mock.stats()).completed, 0);
	});
});

test('shed: the (K+1)th concurrent request gets 503 at once', async () => {
	await withMock({chunkCount: 20, chunkDelayMs: 20, capacity: 2, overload: 'shed'}, async (mock) => {
		const a = call(mock.url, '/invocations', {body: STREAM});
		const b = call(mock.url, '/invocations', {body: STREAM});
		await Promise.all([a.headers, b.headers]);
		assert.equal((await mock.stats()).inFlight, 2);
		const c = await call(mock.url, '/invocations', {body: STREAM}).result;
		assert.equal(c.status, 503);
		assert.ok(c.ms < 300, `shed after ${c.ms} ms`);
		assert.match((JSON.parse(c.body) as {error: string}).error, /capacity/);
		const [ra, rb] = await Promise.all([a.result, b.result]);
		assert.equal(ra.events.at(-1)?.data, '[DONE]');
		assert.equal(rb.events.at(-1)?.data, '[DONE]');
		const stats = await getStats(mock.url);
		assert.equal(stats.requests, 3);
		assert.equal(stats.shed, 1);
		assert.equal(stats.completed, 2);
		assert.equal(stats.inFlight, 0);
		// A slot is free again.
		assert.equal((await call(mock.url, '/invocations', {body: STREAM}).result).status, 200);
	});
});

test('queue: the (K+1)th concurrent request waits for a slot', async () => {
	await withMock({chunkCount: 20, chunkDelayMs: 20, capacity: 1, overload: 'queue'}, async (mock) => {
		// Sent in the same tick: whichever gets the slot second starts after the first has finished.
		const a = call(mock.url, '/invocations', {body: STREAM});
		const b = call(mock.url, '/invocations', {body: STREAM});
		await waitFor('one request to queue', async () => (await mock.stats()).queued === 1, 3000);
		const [first, second] = (await Promise.all([a.result, b.result])).sort((x, y) => x.ms - y.ms);
		assert.equal(first!.events.at(-1)?.data, '[DONE]');
		assert.equal(second!.events.at(-1)?.data, '[DONE]');
		assert.ok(first!.ms >= 395 && first!.ms < 2000, `first took ${first!.ms} ms`);
		assert.ok(second!.ms >= 795 && second!.ms < 3000, `queued one took ${second!.ms} ms (two stream times)`);
		assert.ok(second!.startMs + deltas(second!)[0]!.at >= first!.startMs + first!.ms - 5, 'the queued one starts after the first ends');
		const stats = await mock.stats();
		assert.equal(stats.completed, 2);
		assert.equal(stats.shed, 0);
		assert.equal(stats.queued, 0);
	});
});

test('client disconnect frees the slot and counts as aborted', async () => {
	await withMock({chunkCount: 50, chunkDelayMs: 20, capacity: 1, overload: 'queue'}, async (mock) => {
		const a = call(mock.url, '/invocations', {body: STREAM});
		await a.headers;
		const queued = call(mock.url, '/invocations', {body: STREAM});
		await waitFor('a queued request', async () => (await mock.stats()).queued === 1);
		queued.req.destroy();
		await waitFor('the queued request to leave', async () => (await mock.stats()).queued === 0);
		await sleep(50);
		a.req.destroy();
		await waitFor('the slot to free', async () => (await mock.stats()).inFlight === 0);
		const stats = await mock.stats();
		assert.equal(stats.aborted, 2);
		assert.equal(stats.completed, 0);
		const next = await call(mock.url, '/invocations', {body: {...STREAM}}).result;
		assert.ok(next.ms < 1500 && next.events.at(-1)?.data === '[DONE]', 'next.ms < 1500 && next.events.at(-1)?.data === \'[DONE]\'');
	});
});

test('fault: --fail-rate 1 answers 500', async () => {
	await withMock({chunkCount: 5, chunkDelayMs: 5, failRate: 1, seed: 1}, async (mock) => {
		const r = await call(mock.url, '/invocations', {body: STREAM}).result;
		assert.equal(r.status, 500);
		assert.deepEqual(JSON.parse(r.body), {error: 'mock: injected failure'});
		const stats = await mock.stats();
		assert.equal(stats.failed, 1);
		assert.equal(stats.streamsStarted, 0);
		assert.equal(stats.inFlight, 0);
	});
});

test('fault: --cut-rate 1 closes the socket mid-stream', async () => {
	await withMock({chunkCount: 10, chunkDelayMs: 10, cutRate: 1, seed: 1}, async (mock) => {
		const r = await call(mock.url, '/invocations', {body: STREAM}).result;
		assert.equal(r.status, 200);
		assert.equal(r.complete, false);
		assert.ok(!r.events.some((e) => e.data === '[DONE]'), '!r.events.some((e) => e.data === \'[DONE]\')');
		const n = deltas(r).length;
		assert.ok(n >= 3 && n <= 7, `${n} deltas before the cut`);
		const stats = await mock.stats();
		assert.equal(stats.cut, 1);
		assert.equal(stats.completed, 0);
		assert.equal(stats.aborted, 0);
		assert.equal(stats.inFlight, 0);
	});
});

test('fault: --error-event-rate 1 sends an error event then [DONE]', async () => {
	await withMock({chunkCount: 10, chunkDelayMs: 5, errorEventRate: 1, seed: 1}, async (mock) => {
		const r = await call(mock.url, '/invocations', {body: STREAM}).result;
		assert.equal(r.status, 200);
		assert.ok(r.complete, 'r.complete');
		const n = deltas(r).length;
		assert.ok(n > 0 && n < 10, `${n} deltas before the error`);
		assert.deepEqual(JSON.parse(r.events.at(-2)!.data), {error: {message: 'mock: agent raised'}});
		assert.equal(r.events.at(-1)!.data, '[DONE]');
		const stats = await mock.stats();
		assert.equal(stats.errorEvents, 1);
		assert.equal(stats.completed, 0);
	});
});

test('fault: --stall-rate 1 stops sending, holds its slot, frees it on disconnect, and close() is prompt', async () => {
	const mock = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 10, stallRate: 1, capacity: 1, overload: 'shed', seed: 1});
	let closed = false;
	try {
		const a = call(mock.url, '/invocations', {body: STREAM});
		await waitFor('the stall', async () => (await mock.stats()).stalled === 1);
		await sleep(50); // the last delta may still be on its way
		const before = a.lastByteAt();
		await sleep(250);
		assert.equal(a.lastByteAt(), before, 'no bytes after the stall');
		assert.equal((await call(mock.url, '/invocations', {body: STREAM}).result).status, 503, 'the stalled stream holds its slot');
		assert.equal((await mock.stats()).inFlight, 1);
		a.req.destroy();
		const ra = await a.result;
		assert.equal(deltas(ra).length, 5);
		await waitFor('the slot to free', async () => (await mock.stats()).inFlight === 0);
		assert.equal((await mock.stats()).aborted, 0);

		// A stall the client never leaves: close() cuts it at once.
		const b = call(mock.url, '/invocations', {body: STREAM});
		await waitFor('the second stall', async () => (await mock.stats()).stalled === 2);
		const t0 = performance.now();
		await mock.close();
		closed = true;
		const rb = await b.result;
		assert.ok(performance.now() - t0 < 1000, `close took ${performance.now() - t0} ms`);
		assert.equal(rb.complete, false);
	} finally {
		if (!closed) await mock.close();
	}
});

test('seeded faults are deterministic', async () => {
	const run = async (): Promise<string> => {
		let statuses = '';
		await withMock({chunkCount: 1, chunkDelayMs: 0, failRate: 0.5, seed: 42}, async (mock) => {
			for (let i = 0; i < 12; i++) statuses += (await call(mock.url, '/invocations', {body: PLAIN}).result).status === 500 ? 'F' : '.';
		});
		return statuses;
	};
	const first = await run();
	assert.equal(await run(), first);
	assert.match(first, /F/);
	assert.match(first, /\./);
});

test('cluster: 2 workers share the port, stats sum over workers, close leaves no process', async () => {
	const mock = await startMock({port: 0, workers: 2, capacity: 10, chunkCount: 10, chunkDelayMs: 10});
	let closed = false;
	try {
		assert.equal(mock.workerPids.length, 2);
		assert.equal(mock.capacityQps, 200);
		const results = await Promise.all(Array.from({length: 12}, () => call(mock.url, '/invocations', {body: STREAM}).result));
		for (const r of results) assert.equal(r.events.at(-1)?.data, '[DONE]');
		const itemIds = new Set(results.map((r) => (JSON.parse(deltas(r)[0]!.data) as {item_id: string}).item_id));
		assert.equal(itemIds.size, 12);
		let stats = await getStats(mock.url); // over HTTP: a worker asks the primary, which sums
		assert.equal(stats.workers, 2);
		assert.equal(stats.requests, 12);
		assert.equal(stats.completed, 12);
		assert.deepEqual(await mock.stats(), stats);
		assert.equal((await call(mock.url, '/stats/reset', {method: 'POST'}).result).status, 200);
		stats = await mock.stats();
		assert.equal(stats.requests, 0);
		assert.equal(stats.workers, 2);
		// An open stream at close time does not hold it up.
		const open = call(mock.url, '/invocations', {body: {...STREAM}});
		await open.headers;
		await mock.close();
		closed = true;
		assert.equal((await open.result).complete, false);
		for (const pid of mock.workerPids) {
			assert.throws(() => process.kill(pid, 0), (error: NodeJS.ErrnoException) => error.code === 'ESRCH', `worker ${pid} is gone`);
		}
		assert.equal((await call(mock.url, '/health').result).status, null, 'nothing listens any more');
	} finally {
		if (!closed) await mock.close();
	}
});
