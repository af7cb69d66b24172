// `qpscope run` as a user runs it: a child process against the mock; the files it writes; stops; bad input.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {buildRunConfig, type RunFlags} from '../source/config/run-config.ts';
import {UsageError} from '../source/config/errors.ts';
import {assignLabels, deriveLabel} from '../source/config/labels.ts';
import {startMock, type MockHandle} from '../source/mock/server.ts';
import type {RunSummary} from '../source/types.ts';
import {ROOT, runCli, tmpDir} from './helpers.ts';

const LEGACY = path.join(ROOT, 'test', 'fixtures', 'legacy-locust-run', 'medium_agent-ref-w2');
const firstLine = (file: string) => fs.readFileSync(file, 'utf8').split('\r\n')[0];

let mock: MockHandle;
before(async () => {
	mock = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 10, capacity: 4, seed: 7});
});
after(async () => {
	await mock.close();
});

/** A short headless run; `over` replaces or adds options. */
const quick = (results: string, over: Record<string, string> = {}) =>
	['run', '--app-url', mock.url, '--no-tui'].concat(
		...Object.entries({'--max-users': '4', '--step-size': '2', '--step-duration': '3', '--warmup': '2', '--results-dir': results, '--run-name': 'r1', '--workers': '0', ...over}).map(([k, v]) => [k, v]),
	);

test('a headless run writes every file, Locust-compatible, with QPS never doubled', async () => {
	const results = tmpDir();
	const r = await runCli(quick(results, {'--label': 'mock-a', '--dashboard': 'true'}), {timeoutMs: 60_000});
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /step +1 +2 users/);
	assert.match(r.stdout, /mock-a serves [\d.]+ QPS at \d users/);
	const dir = path.join(results, 'r1');
	const app = path.join(dir, 'mock-a');
	for (const f of ['test_config.json', 'summary.json', 'run.log']) assert.ok(fs.existsSync(path.join(dir, f)), f);
	for (const f of ['results_stats.csv', 'results_stats_history.csv', 'results_failures.csv', 'results_exceptions.csv', 'steps.csv']) assert.ok(fs.existsSync(path.join(app, f)), f);
	// Locust's exact headers (the legacy fixture was written by Locust 2.12).
	for (const f of ['results_stats.csv', 'results_stats_history.csv', 'results_failures.csv', 'results_exceptions.csv']) {
		assert.equal(firstLine(path.join(app, f)), firstLine(path.join(LEGACY, f)), f);
	}
	const rows = fs.readFileSync(path.join(app, 'results_stats.csv'), 'utf8').trim().split('\r\n').map((l) => l.split(','));
	assert.deepEqual(rows.slice(1).map((c) => `${c[0]},${c[1]}`), ['POST,/invocations (stream)', 'CUSTOM,TTFT', ',Aggregated']);
	const [post, ttft, agg] = rows.slice(1);
	assert.equal(agg![2], post![2], 'Aggregated counts requests once');
	assert.equal(agg![9], post![9], 'Aggregated Requests/s is the request rate');
	assert.equal(ttft![2], post![2], 'one TTFT per successful stream');
	const history = fs.readFileSync(path.join(app, 'results_stats_history.csv'), 'utf8').trim().split('\r\n');
	assert.equal((history.length - 1) % 3, 0, 'three rows a second');
	assert.ok(history.length - 1 >= 3 * 5, `history rows ${history.length - 1}`);
	const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
	assert.equal(summary.schemaVersion, 1);
	assert.equal(summary.status, 'completed');
	assert.equal(summary.apps[0]!.label, 'mock-a');
	assert.equal(summary.apps[0]!.steps.length, 2);
	assert.equal(summary.best!.label, 'mock-a');
	assert.equal(summary.apps[0]!.totalRequests, Number(post![2]));
	const steps = fs.readFileSync(path.join(app, 'steps.csv'), 'utf8').trim().split(/\r?\n/);
	assert.equal(steps.length, 3);
	const config = JSON.parse(fs.readFileSync(path.join(dir, 'test_config.json'), 'utf8'));
	assert.deepEqual(config.appUrls, [mock.url]);
	assert.equal(config.stepDuration, 3);
	// --dashboard: the page embeds exactly summary.json.
	const html = fs.readFileSync(path.join(dir, 'dashboard.html'), 'utf8');
	const embedded = JSON.parse(html.match(/<script type="application\/json" id="qpscope-data">([\s\S]*?)<\/script>/)![1]!);
	assert.deepEqual(embedded.runs[0].summary, summary);
	// The same run name again: a new folder, said out loud, nothing overwritten.
	const again = await runCli(quick(results, {'--max-users': '2'}), {timeoutMs: 60_000});
	assert.equal(again.code, 0, again.stderr);
	assert.match(again.stdout, /r1 exists: writing to .*r1-2/);
	assert.ok(fs.existsSync(path.join(results, 'r1-2', 'summary.json')), 'fs.existsSync(path.join(results, \'r1-2\', \'summary.json\'))');
	assert.equal((JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary).apps[0]!.steps.length, 2);
});

test('SIGINT mid-step: exit 130, finished steps kept, the partial step marked, every file valid', async () => {
	const results = tmpDir();
	let sent = false;
	const r = await runCli(quick(results, {'--max-users': '6', '--step-duration': '4'}), {
		timeoutMs: 60_000,
		onStdout: (all, child) => {
			if (!sent && /step +1 +2 users/.test(all)) {
				sent = true;
				setTimeout(() => child.kill('SIGINT'), 1500);
			}
		},
	});
	assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`);
	const dir = path.join(results, 'r1');
	const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
	assert.equal(summary.status, 'stopped');
	const app = summary.apps[0]!;
	assert.equal(app.status, 'stopped');
	assert.equal(app.steps.length, 2);
	assert.equal(app.steps[0]!.partial, false);
	assert.equal(app.steps[1]!.partial, true);
	assert.equal(app.failedRequests, 0, 'aborted requests are not failures');
	const steps = fs.readFileSync(path.join(dir, app.label, 'steps.csv'), 'utf8').trim().split(/\r?\n/);
	assert.equal(steps.length, 3);
	assert.match(steps[2]!, /,true,true,/, 'the partial step is marked in steps.csv');
	assert.ok(fs.readFileSync(path.join(dir, app.label, 'results_stats_history.csv'), 'utf8').split('\r\n').length > 10, 'fs.readFileSync(path.join(dir, app.label, \'results_stats_history.csv\'), \'u...');
});

test('an SLO that fails at every step: exit 1', async () => {
	const results = tmpDir();
	const r = await runCli(quick(results, {'--max-users': '2', '--slo-ttft-p95-ms': '1'}), {timeoutMs: 60_000});
	assert.equal(r.code, 1, r.stderr);
	assert.match(r.stdout, /no sustainable QPS|no step met/i);
});

test('bad input: one line naming the flag, the value and the fix; exit 2; nothing started', async () => {
	const bodyDir = tmpDir();
	const badJson = path.join(bodyDir, 'bad.json');
	fs.writeFileSync(badJson, '{"input": [}');
	const noInput = path.join(bodyDir, 'noinput.json');
	fs.writeFileSync(noInput, '{"messages": []}');
	const jsonl = path.join(bodyDir, 'mix.jsonl');
	fs.writeFileSync(jsonl, '{"input": [{"role": "user", "content": "a"}]}\n{"input": [{"role": "user", "content": "b"}], "stream": true}\n');
	const url = 'https://a-1234567890.aws.databricksapps.com';
	const cases: Array<[string, RunFlags, RegExp]> = [
		['no url', {}, /no --app-url given/],
		['non-numeric', {appUrl: [url], maxUsers: 'lots'}, /--max-users "lots" is not a number/],
		['negative', {appUrl: [url], stepSize: '-5'}, /--step-size -5 is too small/],
		['fractional users', {appUrl: [url], maxUsers: '2.5'}, /--max-users 2.5 is not a whole number/],
		['step > max', {appUrl: [url], maxUsers: '30', stepSize: '50'}, /--step-size 50 is larger than --max-users 30: use a step size of at most 30/],
		['labels mismatch', {appUrl: [url], label: ['a', 'b']}, /2 --label values for 1 --app-url/],
		['sizes mismatch', {appUrl: [url, url, url], computeSize: ['medium', 'large']}, /2 --compute-size values for 3 --app-url/],
		['unknown size', {appUrl: [url], computeSize: ['huge']}, /--compute-size "huge" is not a known size: use one of medium, large/],
		['no scheme', {appUrl: ['a-1.aws.databricksapps.com']}, /has no scheme: write https:\/\/a-1/],
		['with a path', {appUrl: [`${url}/invocations`]}, /has a path \(\/invocations\): give the app's base URL/],
		['ftp', {appUrl: ['ftp://x.example']}, /uses ftp:/],
		['body unreadable', {appUrl: [url], bodyFile: path.join(bodyDir, 'missing.json')}, /--body-file .* cannot be read \(ENOENT\)/],
		['body invalid', {appUrl: [url], bodyFile: badJson}, /--body-file .* is not valid JSON/],
		['body no input', {appUrl: [url], bodyFile: noInput}, /has no "input" list/],
		['duration 0', {appUrl: [url], stepDuration: '0'}, /--step-duration 0 is too small: give whole seconds/],
		['failure rate', {appUrl: [url], maxFailureRate: '150'}, /--max-failure-rate "150" is not a percentage/],
		['header', {appUrl: [url], header: ['nocolon']}, /--header "nocolon" is not "Name: value"/],
		['auth header', {appUrl: [url], header: ['Authorization: Bearer x']}, /--header Authorization is not accepted/],
		['auth type', {appUrl: [url], authType: 'magic'}, /--auth-type "magic" is not known/],
		['run name', {appUrl: [url], runName: '../x'}, /--run-name .* cannot be a folder name/],
	];
	for (const [name, flags, message] of cases) {
		assert.throws(() => buildRunConfig(flags, {}), (e: unknown) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'), name);
	}
	// JSON Lines bodies are cycled; stream is set when missing.
	const c = buildRunConfig({appUrl: [url], bodyFile: jsonl}, {});
	assert.equal(c.bodies.length, 2);
	assert.ok(c.bodies.every((b) => JSON.parse(b).stream === true), 'c.bodies.every((b) => JSON.parse(b).stream === true)');
	// Through the CLI: exit 2, one line on stderr, no stack trace, no folder made.
	const results = tmpDir();
	for (const args of [['run', '--app-url', url, '--step-size', '9', '--max-users', '3'], ['--app-url', 'nope'], ['frobnicate'], ['run', '--max-userz', '3', '--app-url', url], ['run', '--app-url', url, '--max-users', '3', '--max-users', '4']]) {
		const r = await runCli([...args, '--results-dir', results], {timeoutMs: 20_000});
		assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
		assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
		assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
	}
	assert.deepEqual(fs.readdirSync(results), []);
});

test('labels: derived from the URL without the workspace id, loopback as localhost-PORT, duplicates suffixed, folder-safe', () => {
	assert.equal(deriveLabel('https://my-agent-medium-w2-5763476629593792.aws.databricksapps.com'), 'my-agent-medium-w2');
	assert.equal(deriveLabel('http://127.0.0.1:8000'), 'localhost-8000');
	assert.equal(deriveLabel('http://localhost:9000'), 'localhost-9000');
	assert.deepEqual(assignLabels(['http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:2'], []), ['localhost-1', 'localhost-1-2', 'localhost-2']);
	assert.deepEqual(assignLabels(['http://127.0.0.1:1', 'http://127.0.0.1:2'], ['../../etc', 'a b/c']), ['etc', 'a-b-c']);
});

test('CSV cells from servers: quoted, and never read as a spreadsheet formula', async () => {
	const {cell, row} = await import('../source/output/locust-csv.ts');
	assert.equal(cell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
	assert.equal(cell('+1'), "'+1");
	assert.equal(cell('-cmd'), "'-cmd");
	assert.equal(cell('@SUM(A1)'), "'@SUM(A1)");
	assert.equal(cell('a,b'), '"a,b"');
	assert.equal(cell('line\nbreak'), '"line\nbreak"');
	assert.equal(cell(-1.5), '-1.5', 'numbers are numbers');
	assert.equal(row(['POST', 3]), 'POST,3\r\n');
});
