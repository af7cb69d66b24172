// Files that cannot be written, tokens that expire, 401 storms, and secrets that must never leak.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {startMock} from '../../source/mock/server.ts';
import type {RunSummary} from '../../source/types.ts';
import {runCli, tmpDir} from '../helpers.ts';

const base = (url: string, results: string, over: Record<string, string> = {}) => [
	'run', '--app-url', url, '--no-tui',
	...Object.entries({'--max-users': '2', '--step-size': '2', '--step-duration': '3', '--warmup': '0', '--results-dir': results, '--run-name': 'io', '--workers': '0', ...over}).flat(),
];

function tryMount(dir: string, options: string): boolean {
	try {
		execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

test('results folder that cannot be made: one line, exit 2, nothing started', async () => {
	const r = await runCli(base('http://127.0.0.1:9', '/dev/null/runs'), {timeoutMs: 20_000});
	assert.equal(r.code, 2, r.stderr);
	assert.match(r.stderr, /^qpscope: cannot create the run folder in \/dev\/null\/runs \(ENOTDIR\): choose a writable --results-dir\n$/);
});

test('read-only results folder: one line, exit 2', async (t) => {
	const dir = tmpDir();
	if (!tryMount(dir, 'ro,size=64k')) return t.skip('cannot mount a tmpfs here (not root)');
	try {
		const r = await runCli(base('http://127.0.0.1:9', dir), {timeoutMs: 20_000});
		assert.equal(r.code, 2, r.stderr);
		assert.match(r.stderr, /cannot create the run folder .*\(EROFS\)/);
	} finally {
		execFileSync('umount', [dir]);
	}
});

test('disk full during the run: the run goes on, the user is told, exit 3, no temporary files left', async (t) => {
	const dir = tmpDir();
	if (!tryMount(dir, 'size=12k')) return t.skip('cannot mount a tmpfs here (not root)');
	const mock = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 10});
	try {
		const r = await runCli(base(mock.url, dir, {'--max-users': '4'}), {timeoutMs: 30_000});
		assert.equal(r.code, 3, r.stderr);
		assert.match(r.stdout, /cannot write .*ENOSPC/);
		assert.match(r.stdout, /results in .* are incomplete: .*ENOSPC.*Free space or choose another --results-dir/);
		assert.match(r.stdout, /serves [\d.]+ QPS at 4 users/, 'the answer is still printed');
		const leftovers = fs.readdirSync(path.join(dir, 'io'), {recursive: true}).map(String).filter((f) => f.includes('.tmp-'));
		assert.deepEqual(leftovers, []);
	} finally {
		await mock.close();
		execFileSync('umount', [dir]);
	}
});

/**
 * A workspace stand-in: an M2M token endpoint issuing short-lived tokens, and an app that accepts only
 * unexpired tokens it issued, can be told to reject everything for a while (a 401 storm), and echoes the rejected
 * Authorization header in its error body, as careless servers do.
 */
async function workspace(expiresIn: number) {
	const issued: string[] = [];
	const expiry = new Map<string, number>();
	let storm = false;
	let tokenCalls = 0;
	const secret = 'sp-secret-Zq8vW3kPn1';
	const clientId = 'client-6f1d2a9b-0000-4c4c';
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			if (req.url === '/oidc/v1/token') {
				tokenCalls++;
				const expected = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
				if (req.headers.authorization !== expected || !body.includes('grant_type=client_credentials')) {
					res.writeHead(401).end('{"error":"invalid_client"}');
					return;
				}
				const token = `tok-${issued.length}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
				issued.push(token);
				expiry.set(token, Date.now() + expiresIn * 1000);
				res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({access_token: token, token_type: 'Bearer', expires_in: expiresIn}));
				return;
			}
			if (req.url === '/invocations') {
				const auth = req.headers.authorization ?? '';
				const token = auth.replace(/^Bearer /, '');
				if (storm || !(expiry.get(token)! > Date.now())) {
					res.writeHead(401, {'content-type': 'application/json'}).end(JSON.stringify({error: `invalid token in header: ${auth}`, secret_echo: secret}));
					return;
				}
				res.writeHead(200, {'content-type': 'text/event-stream'});
				const delta = `data: ${JSON.stringify({type: 'response.output_text.delta', delta: 'hi'})}\n\n`;
				setTimeout(() => res.end(`${delta}${delta}data: [DONE]\n\n`), 50);
				return;
			}
			res.writeHead(404).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		secret,
		clientId,
		issued,
		get tokenCalls() {
			return tokenCalls;
		},
		setStorm(on: boolean) {
			storm = on;
		},
		close: () => new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}

const m2mEnv = (ws: {url: string; secret: string; clientId: string}) => ({DATABRICKS_HOST: ws.url, DATABRICKS_CLIENT_ID: ws.clientId, DATABRICKS_CLIENT_SECRET: ws.secret});

test('a token expiring every 2 s is refreshed during the run: no failed request, one token call per refresh', async () => {
	const ws = await workspace(2);
	try {
		const results = tmpDir();
		const r = await runCli(base(ws.url, results, {'--auth-type': 'm2m', '--max-users': '20', '--step-size': '10', '--step-duration': '3', '--workers': '2'}), {timeoutMs: 40_000, env: m2mEnv(ws)});
		assert.equal(r.code, 0, r.stderr + r.stdout);
		assert.match(r.stdout, /auth: M2M OAuth/);
		const s = JSON.parse(fs.readFileSync(path.join(results, 'io', 'summary.json'), 'utf8')) as RunSummary;
		assert.equal(s.apps[0]!.failedRequests, 0, JSON.stringify(s.apps[0]!.failures));
		assert.ok(s.apps[0]!.totalRequests > 100, `requests ${s.apps[0]!.totalRequests}`);
		// ~7 s of run with 2 s tokens refreshed ahead of expiry: a handful of calls, never one per user.
		assert.ok(ws.tokenCalls >= 3 && ws.tokenCalls <= 12, `token calls ${ws.tokenCalls}`);
	} finally {
		await ws.close();
	}
});

test('a 401 storm: counted as auth failures, a refresh forced, the run goes on; no secret or token in any output', async () => {
	const ws = await workspace(3600);
	try {
		const results = tmpDir();
		let stormed = false;
		const r = await runCli(base(ws.url, results, {'--auth-type': 'm2m', '--max-users': '8', '--step-size': '4', '--step-duration': '4', '--dashboard': 'true'}), {
			timeoutMs: 40_000,
			env: m2mEnv(ws),
			onStdout: (all) => {
				if (!stormed && /step +1 +4 users/.test(all)) {
					stormed = true;
					ws.setStorm(true);
					setTimeout(() => ws.setStorm(false), 800);
				}
			},
		});
		assert.equal(r.code, 0, r.stderr + r.stdout);
		const s = JSON.parse(fs.readFileSync(path.join(results, 'io', 'summary.json'), 'utf8')) as RunSummary;
		const authFailures = s.apps[0]!.failures.filter((f) => f.outcome === 'auth_error');
		assert.equal(authFailures.length, 1, `one message, the echoed token replaced: ${JSON.stringify(s.apps[0]!.failures)}`);
		assert.ok(authFailures[0]!.count > 0, 'authFailures[0]!.count > 0');
		assert.ok(ws.issued.length >= 2, 'the 401 forced a refresh');
		assert.equal(s.apps[0]!.status, 'completed');
		// Redaction: every output, every file of the run (dashboard included), for every secret used.
		const outputs = [r.stdout, r.stderr];
		for (const f of fs.readdirSync(path.join(results, 'io'), {recursive: true}).map(String)) {
			const file = path.join(results, 'io', f);
			if (fs.statSync(file).isFile()) outputs.push(fs.readFileSync(file, 'utf8'));
		}
		assert.ok(outputs.length >= 9, `files read ${outputs.length}`);
		const all = outputs.join('\n');
		assert.match(all, /invalid token in header/, 'the server text itself is kept');
		for (const secret of [ws.secret, ws.clientId, ...ws.issued]) {
			assert.ok(!all.includes(secret), `${secret.slice(0, 6)}… leaked`);
		}
	} finally {
		await ws.close();
	}
});
