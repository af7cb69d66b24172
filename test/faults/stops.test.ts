// Stops at every phase: q/Ctrl-C (SIGINT), SIGTERM, a second Ctrl-C, kill -9. After each: the files exist,
// finished steps are complete, the partial step is marked, summary.json is valid JSON.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {startMock, type MockHandle} from '../../source/mock/server.ts';
import type {RunSummary} from '../../source/types.ts';
import {runCli, tmpDir} from '../helpers.ts';

let mock: MockHandle;
before(async () => {
	mock = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 20});
});
after(async () => {
	await mock.close();
});

const args = (results: string, urls: string[], over: Record<string, string> = {}) => [
	'run', ...urls.flatMap((u) => ['--app-url', u]), '--no-tui',
	...Object.entries({'--max-users': '4', '--step-size': '2', '--step-duration': '3', '--results-dir': results, '--run-name': 'stop', '--workers': '0', ...over}).flat(),
];
const readSummary = (results: string) => JSON.parse(fs.readFileSync(path.join(results, 'stop', 'summary.json'), 'utf8')) as RunSummary;

/** Runs the CLI and sends `signal` once `pattern` shows on stdout (after `delayMs`). */
function stopWhen(cliArgs: string[], pattern: RegExp, signal: NodeJS.Signals, delayMs = 0, times = 1) {
	let sent = false;
	return runCli(cliArgs, {
		timeoutMs: 60_000,
		onStdout: (all, child) => {
			if (sent || !pattern.test(all)) return;
			sent = true;
			// Signals of one kind do not queue: space them so the second is a second one.
			for (let i = 0; i < times; i++) setTimeout(() => child.kill(signal), delayMs + i * 20);
		},
	});
}

test('SIGINT during the healthcheck: exit 130 at once, the app recorded as stopped, files valid', async () => {
	const results = tmpDir();
	const started = Date.now();
	const r = await stopWhen(args(results, ['http://127.0.0.1:9'], {'--healthcheck-timeout': '30'}), /attempt 1 failed/, 'SIGINT');
	assert.equal(r.code, 130, r.stderr);
	assert.ok(Date.now() - started < 15_000, 'did not wait out the healthcheck');
	const s = readSummary(results);
	assert.equal(s.status, 'stopped');
	assert.equal(s.apps[0]!.status, 'stopped');
	assert.ok(fs.existsSync(path.join(results, 'stop', 'test_config.json')), 'fs.existsSync(path.join(results, \'stop\', \'test_config.json\'))');
});

test('SIGTERM during the warmup: exit 130, no step, summary valid', async () => {
	const results = tmpDir();
	const r = await stopWhen(args(results, [mock.url], {'--warmup': '200'}), /warmup:/, 'SIGTERM', 300);
	assert.equal(r.code, 130, r.stderr);
	const s = readSummary(results);
	assert.equal(s.status, 'stopped');
	assert.equal(s.apps[0]!.steps.length, 0);
	assert.match(s.apps[0]!.reason!, /stopped before the ramp/);
});

test('SIGINT between apps: the first app complete, the second stopped', async () => {
	const results = tmpDir();
	const r = await stopWhen(args(results, [mock.url, mock.url], {'--warmup': '0'}), /== app 2\/2/, 'SIGINT');
	assert.equal(r.code, 130, r.stderr);
	const s = readSummary(results);
	assert.equal(s.apps[0]!.status, 'completed');
	assert.equal(s.apps[0]!.steps.length, 2);
	assert.equal(s.apps[1]!.status, 'stopped');
	assert.match(r.stdout, /serves [\d.]+ QPS/, 'the answer is printed for what was measured');
});

test('a second Ctrl-C quits at once (here while the dashboard is being written); what was written each second is there', async () => {
	const results = tmpDir();
	const r = await stopWhen(args(results, [mock.url], {'--warmup': '0', '--step-duration': '6', '--dashboard': 'true'}), /step +1 +2 users/, 'SIGINT', 1500, 2);
	assert.equal(r.code, 130);
	assert.match(r.stderr, /second SIGINT: quitting now/);
	const dir = path.join(results, 'stop');
	const label = fs.readdirSync(dir).find((f) => fs.statSync(path.join(dir, f)).isDirectory())!;
	const history = fs.readFileSync(path.join(dir, label, 'results_stats_history.csv'), 'utf8').trim().split('\r\n');
	assert.ok(history.length - 1 >= 3 * 6, `history rows ${history.length - 1}`);
	const s = readSummary(results);
	assert.ok(s.apps[0]!.steps.length >= 1, 'the finished step is in summary.json');
	assert.equal(s.apps[0]!.steps[0]!.partial, false);
});

test('kill -9 mid-run: the history is written up to the last second, summary.json valid with every finished step', async () => {
	const results = tmpDir();
	const r = await stopWhen(args(results, [mock.url], {'--warmup': '0', '--step-duration': '4'}), /step +1 +2 users/, 'SIGKILL', 2200);
	assert.equal(r.signal, 'SIGKILL');
	const s = readSummary(results);
	assert.equal(s.status, 'running');
	assert.equal(s.apps[0]!.steps.length, 1);
	assert.equal(s.apps[0]!.steps[0]!.partial, false);
	const dir = path.join(results, 'stop', s.apps[0]!.label);
	const history = fs.readFileSync(path.join(dir, 'results_stats_history.csv'), 'utf8');
	assert.ok(history.endsWith('\r\n'), 'no half row');
	const seconds = (history.trim().split('\r\n').length - 1) / 3;
	assert.ok(seconds >= 5, `history seconds ${seconds}`);
	assert.equal(fs.readFileSync(path.join(dir, 'steps.csv'), 'utf8').trim().split(/\r?\n/).length, 2);
});
