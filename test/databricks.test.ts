// App names from URLs, the apps API (against a node:http stand-in on 127.0.0.1), discovery, the deploy matrix.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {UsageError} from '../source/config/errors.ts';
import {appNameFromUrl, discoverApps, lookupApp} from '../source/databricks/apps.ts';
import {main as matrixMain} from '../source/databricks/matrix.ts';
import type {TokenProvider} from '../source/types.ts';

const TOKEN = 'eyJapps-api-token.payload.sig';

function staticProvider(token: string | undefined): TokenProvider & {invalidated: number} {
	return {
		kind: 'static',
		invalidated: 0,
		async getToken() {
			return token;
		},
		invalidate() {
			this.invalidated++;
		},
		describe: () => 'test token',
		close() {},
	};
}

const APPS: Record<string, unknown> = {
	'agent-load-test-medium-w2': {
		name: 'agent-load-test-medium-w2',
		compute_size: 'MEDIUM',
		app_status: {state: 'RUNNING', message: 'App has status: App is running'},
		compute_status: {state: 'ACTIVE', message: 'App compute is active.'},
		url: 'https://agent-load-test-medium-w2-5763476629593792.aws.databricksapps.com',
	},
	'big-app': {name: 'big-app', compute_size: 'LARGE', app_status: {state: 'RUNNING'}, compute_status: {state: 'ACTIVE'}},
	'liquid-app': {name: 'liquid-app', compute_size: 'LIQUID', app_status: {state: 'RUNNING'}, compute_status: {state: 'ACTIVE'}},
	'crashed-app': {name: 'crashed-app', compute_size: 'MEDIUM', app_status: {state: 'CRASHED'}, compute_status: {state: 'ACTIVE'}},
	'stopped-app': {name: 'stopped-app', compute_size: 'LARGE', app_status: {state: 'UNAVAILABLE'}, compute_status: {state: 'STOPPED'}},
	'bare-app': {name: 'bare-app'},
};

let server: http.Server;
let host = '';
const requests: Array<{method?: string; url?: string; authorization?: string}> = [];

before(async () => {
	server = http.createServer((req, res) => {
		requests.push({method: req.method, url: req.url, authorization: req.headers.authorization});
		const send = (status: number, body: unknown) => {
			res.writeHead(status, {'content-type': 'application/json'});
			res.end(JSON.stringify(body));
		};
		if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, {error_code: 'UNAUTHENTICATED', message: 'bad token'});
		const match = /^\/api\/2\.0\/apps\/([^/?]+)$/.exec(req.url ?? '');
		if (req.method !== 'GET' || !match) return send(400, {error_code: 'BAD_REQUEST'});
		const name = decodeURIComponent(match[1]!);
		if (name === 'secret-app') return send(403, {error_code: 'PERMISSION_DENIED', message: 'no access'});
		const app = APPS[name];
		if (!app) return send(404, {error_code: 'RESOURCE_DOES_NOT_EXIST', message: `App ${name} does not exist.`});
		return send(200, app);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

const appUrl = (name: string, cloud = 'aws') => `https://${name}-5763476629593792.${cloud}.databricksapps.com`;

describe('appNameFromUrl', () => {
	test('the three clouds and plain databricksapps.com', () => {
		assert.equal(appNameFromUrl('https://agent-load-test-medium-w2-5763476629593792.aws.databricksapps.com'), 'agent-load-test-medium-w2');
		assert.equal(appNameFromUrl('https://agent-load-test-medium-w2-5763476629593792.aws.databricksapps.com/invocations'), 'agent-load-test-medium-w2');
		assert.equal(appNameFromUrl('https://my-app-1234567890123456.azure.databricksapps.com'), 'my-app');
		assert.equal(appNameFromUrl('https://my-app-1234567890123456.16.azure.databricksapps.com'), 'my-app');
		assert.equal(appNameFromUrl('https://gcp-agent-v2-1234567890123456.gcp.databricksapps.com/'), 'gcp-agent-v2');
		assert.equal(appNameFromUrl('https://plain-987654321.databricksapps.com'), 'plain');
		assert.equal(appNameFromUrl('HTTPS://Upper-Case-42.AWS.DatabricksApps.com'), 'upper-case');
	});

	test('null for other hosts and invalid URLs', () => {
		assert.equal(appNameFromUrl('http://127.0.0.1:8000'), null);
		assert.equal(appNameFromUrl('https://example.com'), null);
		assert.equal(appNameFromUrl('https://my-app-1.databricksapps.com.evil.com'), null);
		assert.equal(appNameFromUrl('https://dbc-1234.cloud.databricks.com'), null);
		assert.equal(appNameFromUrl('not a url'), null);
	});
});

describe('lookupApp', () => {
	test('a running app: compute size in lower case, states, url, bearer token sent', async () => {
		const result = await lookupApp({host, name: 'agent-load-test-medium-w2', provider: staticProvider(TOKEN), timeoutMs: 2_000});
		assert.deepEqual(result, {
			ok: true,
			name: 'agent-load-test-medium-w2',
			computeSize: 'medium',
			appState: 'RUNNING',
			computeState: 'ACTIVE',
			url: 'https://agent-load-test-medium-w2-5763476629593792.aws.databricksapps.com',
			running: true,
		});
		const last = requests.at(-1)!;
		assert.equal(last.method, 'GET');
		assert.equal(last.url, '/api/2.0/apps/agent-load-test-medium-w2');
		const large = await lookupApp({host, name: 'big-app', provider: staticProvider(TOKEN)});
		assert.equal(large.ok && large.computeSize, 'large');
		const liquid = await lookupApp({host, name: 'liquid-app', provider: staticProvider(TOKEN)});
		assert.equal(liquid.ok && liquid.computeSize, 'liquid');
	});

	test('missing fields do not block; not RUNNING/ACTIVE is not running', async () => {
		const bare = await lookupApp({host, name: 'bare-app', provider: staticProvider(TOKEN)});
		assert.deepEqual(bare, {ok: true, name: 'bare-app', computeSize: 'unknown', appState: null, computeState: null, url: null, running: true});
		const crashed = await lookupApp({host, name: 'crashed-app', provider: staticProvider(TOKEN)});
		assert.equal(crashed.ok && crashed.running, false);
		const stopped = await lookupApp({host, name: 'stopped-app', provider: staticProvider(TOKEN)});
		assert.equal(stopped.ok && stopped.computeState, 'STOPPED');
		assert.equal(stopped.ok && stopped.running, false);
	});

	test('403, 404, 401, no host, no token, unreachable', async () => {
		assert.deepEqual(await lookupApp({host, name: 'secret-app', provider: staticProvider(TOKEN)}), {ok: false, reason: 'apps API answered 403'});
		assert.deepEqual(await lookupApp({host, name: 'nope', provider: staticProvider(TOKEN)}), {ok: false, reason: 'app not found'});
		const wrong = staticProvider('eyJwrong.token.x');
		assert.deepEqual(await lookupApp({host, name: 'big-app', provider: wrong}), {ok: false, reason: 'apps API answered 401'});
		assert.equal(wrong.invalidated, 1, 'a 401 invalidates the token');
		assert.deepEqual(await lookupApp({host: undefined, name: 'big-app', provider: staticProvider(TOKEN)}), {ok: false, reason: 'no workspace host'});
		assert.deepEqual(await lookupApp({host, name: 'big-app', provider: staticProvider(undefined)}), {ok: false, reason: 'no Databricks credentials'});
		const failing: TokenProvider = {...staticProvider(TOKEN), getToken: () => Promise.reject(new Error('M2M OAuth: no valid token within 1 s'))};
		const noToken = await lookupApp({host, name: 'big-app', provider: failing});
		assert.ok(!noToken.ok && /no token for the apps API/.test(noToken.reason), 'token failure reported');
		const down = await lookupApp({host: 'http://127.0.0.1:1', name: 'big-app', provider: staticProvider(TOKEN), timeoutMs: 2_000});
		assert.ok(!down.ok && /apps API unreachable/.test(down.reason), 'unreachable reported');
		const plain = await lookupApp({host: 'http://example.com', name: 'big-app', provider: staticProvider(TOKEN)});
		assert.ok(!plain.ok && /not https/.test(plain.reason), 'no token over plain http');
	});
});

describe('discoverApps', () => {
	test('fills sizes, keeps the user size, skips apps that are not running, warns when it cannot look up', async () => {
		const urls = [
			appUrl('agent-load-test-medium-w2'),
			appUrl('big-app', 'azure'),
			appUrl('crashed-app', 'gcp'),
			appUrl('secret-app'),
			appUrl('gone-app'),
			'https://example.com/agent',
			'http://127.0.0.1:8000',
			appUrl('stopped-app'),
		];
		const result = await discoverApps({
			appUrls: urls,
			computeSizes: [undefined, 'MEDIUM', undefined, undefined, undefined, undefined, 'Large', ''],
			host,
			provider: staticProvider(TOKEN),
		});
		assert.equal(result.length, urls.length);
		const [ok, mismatch, crashed, forbidden, gone, foreign, local, stopped] = result;
		assert.equal(ok!.computeSize, 'medium');
		assert.equal(ok!.skipReason, null);
		assert.equal(ok!.warning, null);
		assert.equal(mismatch!.computeSize, 'medium', 'the size the user gave is kept');
		assert.match(mismatch!.warning ?? '', /LARGE compute, not medium/);
		assert.equal(crashed!.computeSize, 'medium');
		assert.match(crashed!.skipReason ?? '', /crashed-app is not running \(app CRASHED, compute ACTIVE\)/);
		assert.equal(forbidden!.computeSize, 'unknown');
		assert.match(forbidden!.warning ?? '', /secret-app: apps API answered 403/);
		assert.equal(forbidden!.skipReason, null, 'a failed lookup does not skip the app');
		assert.equal(gone!.computeSize, 'unknown');
		assert.match(gone!.warning ?? '', /gone-app: app not found/);
		assert.equal(foreign!.computeSize, 'unknown');
		assert.match(foreign!.warning ?? '', /not a Databricks Apps URL/);
		assert.deepEqual(
			{computeSize: local!.computeSize, skipReason: local!.skipReason, warning: local!.warning},
			{computeSize: 'large', skipReason: null, warning: null},
		);
		assert.equal(stopped!.computeSize, 'large');
		assert.match(stopped!.skipReason ?? '', /compute STOPPED/);
		assert.ok(!requests.some((r) => r.url?.includes('127.0.0.1')), 'no lookup for loopback URLs');
	});

	test('no workspace host: one warning for all apps, sizes unknown rather than guessed', async () => {
		const result = await discoverApps({
			appUrls: [appUrl('big-app'), appUrl('crashed-app'), appUrl('other-app')],
			computeSizes: [undefined, undefined, 'medium'],
			host: null,
			provider: staticProvider(TOKEN),
		});
		assert.deepEqual(result.map((r) => r.computeSize), ['unknown', 'unknown', 'medium']);
		const warnings = result.map((r) => r.warning).filter((w): w is string => w !== null);
		assert.equal(warnings.length, 1);
		assert.match(warnings[0]!, /big-app, crashed-app: no workspace host \(set DATABRICKS_HOST or --host\)/);
		assert.ok(result.every((r) => r.skipReason === null), 'nothing skipped without a lookup');
	});
});

describe('qpscope matrix', () => {
	async function run(argv: string[]): Promise<{code: number; out: string}> {
		const chunks: string[] = [];
		const write = process.stdout.write;
		process.stdout.write = ((chunk: string | Uint8Array) => {
			chunks.push(String(chunk));
			return true;
		}) as typeof process.stdout.write;
		try {
			const code = await matrixMain(argv);
			return {code, out: chunks.join('')};
		} finally {
			process.stdout.write = write;
		}
	}

	test('one target per configuration with workers and compute sizes, deploy commands and the run line', async () => {
		const {code, out} = await run([
			'--app',
			'agent-load-test',
			'--sizes',
			'medium:2,4,6,8',
			'--sizes',
			'large:6,8,10,12',
			'--host',
			'dbc-1234.cloud.databricks.com/',
			'--chunk-delay-ms',
			'15',
			'--chunk-count',
			'40',
		]);
		assert.equal(code, 0);
		const targets = [
			['medium', 2],
			['medium', 4],
			['medium', 6],
			['medium', 8],
			['large', 6],
			['large', 8],
			['large', 10],
			['large', 12],
		] as const;
		for (const [size, workers] of targets) {
			const target = `${size}-w${workers}`;
			const block = new RegExp(
				`\\n  ${target}:\\n    variables:\\n      app_name: agent-load-test-${target}\\n      workers: "${workers}"\\n    resources:\\n      apps:\\n        agent:\\n          compute_size: ${size.toUpperCase()}\\n`,
			);
			assert.match(out, block);
			assert.ok(out.includes(`databricks bundle deploy -t ${target}\n`), `deploy ${target}`);
			assert.ok(out.includes(`databricks bundle run -t ${target} agent\n`), `run ${target}`);
			assert.ok(out.includes(`--app-url https://agent-load-test-${target}-<workspace-id>.aws.databricksapps.com`), `url ${target}`);
		}
		assert.match(out, /command: \["uv", "run", "start-server", "--workers", "\$\{var\.workers\}"\]/);
		assert.match(out, /- name: MOCK_CHUNK_DELAY_MS\n\s+value: "15"/);
		assert.match(out, /- name: MOCK_CHUNK_COUNT\n\s+value: "40"/);
		assert.match(out, /workspace:\n  host: https:\/\/dbc-1234\.cloud\.databricks\.com\n/);
		assert.match(out, /qpscope run \\\n  --host https:\/\/dbc-1234\.cloud\.databricks\.com/);
		assert.match(out, /replace <workspace-id>/);
		assert.equal(out.match(/--app-url /g)?.length, 8);
	});

	test('--output writes the yml; without --host no run line', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qpscope-matrix-'));
		try {
			const file = path.join(dir, 'databricks.yml');
			const {code, out} = await run(['--app', 'demo', '--sizes', 'medium:2', '--output', file]);
			assert.equal(code, 0);
			const yml = fs.readFileSync(file, 'utf8');
			assert.match(yml, /^ {2}medium-w2:$/m);
			assert.match(yml, /compute_size: MEDIUM/);
			assert.ok(!out.includes('targets:'), 'the yml went to the file');
			assert.match(out, /Wrote .*databricks\.yml: 1 targets \(medium-w2\)/);
			assert.match(out, /databricks bundle deploy -t medium-w2/);
			assert.ok(!out.includes('--app-url'), 'no run line without --host');
			assert.match(out, /Give --host/);
		} finally {
			fs.rmSync(dir, {recursive: true, force: true});
		}
	});

	test('bad flags are one-line UsageErrors', async () => {
		const bad: string[][] = [
			[],
			['--app', 'x'],
			['--app', 'x', '--sizes', 'medium'],
			['--app', 'x', '--sizes', 'huge:2'],
			['--app', 'x', '--sizes', 'medium:0'],
			['--app', 'x', '--sizes', 'medium:2', '--bogus'],
			['--app', 'x', '--sizes', 'medium:2', '--chunk-count', 'abc'],
			['--app', 'Bad_Name', '--sizes', 'medium:2'],
			['--app', 'x', '--app', 'y', '--sizes', 'medium:2'],
			['--app', 'a-very-long-application-name', '--sizes', 'medium:2'],
			['--app', 'x', '--sizes', 'medium:2', 'extra'],
		];
		for (const argv of bad) {
			await assert.rejects(run(argv), (error: unknown) => {
				assert.ok(error instanceof UsageError, `${argv.join(' ')}: ${String(error)}`);
				assert.ok(!error.message.includes('\n'), `${argv.join(' ')}: one line`);
				return true;
			});
		}
	});
});
