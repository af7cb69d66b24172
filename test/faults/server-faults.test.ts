// What a night brings from the server side: an app that is down, an app killed mid-step and back, and every
// way a stream can go wrong. Each case asserts what the user sees and what is counted; nothing crashes.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {startMock} from '../../source/mock/server.ts';
import type {Outcome} from '../../source/types.ts';
import {runEngine} from '../helpers.ts';

test('app down before the run: healthcheck fails with the reason, app skipped, the next app runs', async () => {
	const mock = await startMock({port: 0, chunkCount: 5, chunkDelayMs: 5});
	try {
		const {summary, events} = await runEngine({appUrl: ['http://127.0.0.1:9', mock.url], maxUsers: '2', stepSize: '2', stepDuration: '2', healthcheckTimeout: '1'});
		assert.equal(summary.apps[0]!.status, 'skipped');
		assert.match(summary.apps[0]!.reason!, /healthcheck failed after 1 attempt: connection refused/);
		assert.equal(summary.apps[1]!.status, 'completed');
		assert.ok(summary.apps[1]!.maxQps! > 0, 'the second app was measured');
		const warning = events.find((e) => e.type === 'warning' && e.label === summary.apps[0]!.label);
		assert.ok(warning, 'the user is told');
	} finally {
		await mock.close();
	}
});

test('app killed in the middle of a step, then back: connection errors counted per second, the run recovers', async () => {
	const first = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 10, seed: 1});
	const port = first.port;
	let current: {close(): Promise<void>} | null = first;
	let killed = false;
	let restarted: Promise<void> | null = null;
	const failuresBySecond: Array<[number, number]> = [];
	const {summary} = await runEngine({appUrl: [first.url], maxUsers: '6', stepSize: '2', stepDuration: '4', settle: '1'}, (e) => {
		if (e.type !== 'tick') return;
		failuresBySecond.push([e.snapshot.second.t, e.snapshot.second.failures]);
		if (e.snapshot.elapsedS === 5 && !killed) {
			killed = true;
			const dying = current!;
			current = null;
			restarted = dying.close().then(async () => {
				await new Promise((r) => setTimeout(r, 1500));
				current = await startMock({port, chunkCount: 10, chunkDelayMs: 10, seed: 2});
			});
		}
	});
	await restarted;
	await current?.close();
	const app = summary.apps[0]!;
	assert.equal(app.status, 'completed', 'the run goes on');
	const outage = app.steps[1]!;
	assert.ok(outage.failures > 0, 'the step with the outage shows it');
	assert.ok(outage.failuresByMessage.some((f) => f.outcome === 'connection_error' || f.outcome === 'no_done'), JSON.stringify(outage.failuresByMessage));
	assert.equal(outage.passed, false);
	assert.equal(app.steps[2]!.failures, 0, 'recovered: the next step is clean');
	assert.ok(app.steps[2]!.successQps > 0, 'app.steps[2]!.successQps > 0');
	assert.ok(failuresBySecond.filter(([, f]) => f > 0).length >= 1, 'failures are seen per second');
	assert.equal(app.maxQpsUsers, 6);
});

/** A server that misbehaves in every way, one way per request, in turn. */
async function brokenServer(): Promise<{url: string; close(): Promise<void>}> {
	const delta = `data: ${JSON.stringify({type: 'response.output_text.delta', delta: 'x'})}\n\n`;
	let n = 0;
	const timers = new Set<NodeJS.Timeout>();
	const server = http.createServer((req, res) => {
		req.resume();
		const kind = n++ % 11;
		switch (kind) {
			case 0: // a good stream, so the healthcheck passes some of the time and successes exist
			case 10:
				res.writeHead(200, {'content-type': 'text/event-stream'});
				res.end(`${delta}${delta}data: [DONE]\n\n`);
				return;
			case 1:
				res.writeHead(500, {'content-type': 'application/json'}).end('{"error":"internal"}');
				return;
			case 2:
				res.writeHead(503).end('Service Unavailable');
				return;
			case 3:
				res.writeHead(429, {'retry-after': '1'}).end('=HYPERLINK("http://evil")');
				return;
			case 4: // cut mid-body
				res.writeHead(200, {'content-type': 'text/event-stream'});
				res.write(delta);
				setTimeout(() => res.socket?.destroy(), 20);
				return;
			case 5: // error event inside a 200 stream
				res.writeHead(200, {'content-type': 'text/event-stream'});
				res.end(`${delta}data: {"error": {"message": "agent raised \\u001b[31mred"}}\n\ndata: [DONE]\n\n`);
				return;
			case 6: // stalled
				res.writeHead(200, {'content-type': 'text/event-stream'});
				res.write(delta);
				return;
			case 7: // not SSE
				res.writeHead(200, {'content-type': 'text/html'}).end('<html>login</html>');
				return;
			case 8: // invalid JSON, then a huge event
				res.writeHead(200, {'content-type': 'text/event-stream'});
				res.write(`data: {oops\n\n${delta}`);
				res.end(`data: ${'y'.repeat(6 * 1024 * 1024)}\n\n`);
				return;
			case 9: { // endless, never [DONE]
				res.writeHead(200, {'content-type': 'text/event-stream'});
				const t = setInterval(() => res.write(delta), 5);
				timers.add(t);
				res.on('close', () => {
					clearInterval(t);
					timers.delete(t);
				});
				return;
			}
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () =>
			new Promise((resolve) => {
				for (const t of timers) clearInterval(t);
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

test('every broken stream is its own failure class; memory stays bounded; nothing crashes', async () => {
	const server = await brokenServer();
	const rssBefore = process.memoryUsage.rss();
	let peak = rssBefore;
	try {
		const {summary} = await runEngine(
			{appUrl: [server.url], maxUsers: '11', stepSize: '11', stepDuration: '4', settle: '1', idleTimeout: '1', requestTimeout: '2', skipHealthcheck: true},
			() => {
				peak = Math.max(peak, process.memoryUsage.rss());
			},
		);
		const app = summary.apps[0]!;
		assert.equal(app.status, 'completed');
		const classes = new Set(app.failures.map((f) => f.outcome));
		const want: Outcome[] = ['http_error', 'no_done', 'error_event', 'idle_timeout', 'not_sse', 'timeout'];
		for (const c of want) assert.ok(classes.has(c), `${c} counted (got ${[...classes].join(', ')})`);
		const messages = app.failures.map((f) => f.message).join('\n');
		assert.match(messages, /HTTP 429: =HYPERLINK/);
		assert.match(messages, /HTTP 503: Service Unavailable/);
		assert.match(messages, /not an event stream \(text\/html\)/);
		assert.match(messages, /agent raised/);
		assert.doesNotMatch(messages, /\x1b/, 'control sequences stripped');
		assert.ok(app.totalRequests > app.failedRequests, 'the good streams succeeded');
		assert.ok(peak - rssBefore < 200 * 1024 * 1024, `memory bounded: +${Math.round((peak - rssBefore) / 1048576)} MiB`);
	} finally {
		await server.close();
	}
});
