// Token providers, profiles, redaction: against real node:http stand-ins on 127.0.0.1.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {UsageError} from '../source/config/errors.ts';
import {
	assertTokenDestination,
	isLoopbackUrl,
	loadProfile,
	normalizeHost,
	redact,
	registerSecret,
	resolveAuth,
	type AuthOptions,
} from '../source/auth/index.ts';

const CLIENT_ID = '1234abcd-5678-90ef-aaaa-bbbbccccdddd';
const CLIENT_SECRET = `dose${randomBytes(16).toString('hex')}`;
const APP = 'https://agent-load-test-medium-w2-5763476629593792.aws.databricksapps.com';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qpscope-auth-'));
after(() => fs.rmSync(tmp, {recursive: true, force: true}));

/** An environment with nothing configured: no profile file, no CLI on the PATH. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {HOME: tmp, PATH: path.join(tmp, 'empty-bin'), DATABRICKS_CONFIG_FILE: path.join(tmp, 'none.cfg'), ...extra};
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Mode = 'ok' | '500' | 'garbage' | 'missing' | 'slow' | 'unauthorized';

interface TokenServer {
	url: string;
	port: number;
	calls: number;
	concurrent: number;
	maxConcurrent: number;
	callTimes: number[];
	/** token -> absolute expiry (ms) */
	issued: Map<string, number>;
	mode: Mode;
	expiresIn: number;
	delayMs: number;
	problems: string[];
	listen(): Promise<void>;
	close(): Promise<void>;
}

async function startTokenServer(options: {port?: number; expiresIn?: number; delayMs?: number; listen?: boolean} = {}): Promise<TokenServer> {
	const expectedAuth = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
	let server: http.Server | null = null;
	const state: TokenServer = {
		url: '',
		port: options.port ?? 0,
		calls: 0,
		concurrent: 0,
		maxConcurrent: 0,
		callTimes: [],
		issued: new Map(),
		mode: 'ok',
		expiresIn: options.expiresIn ?? 3600,
		delayMs: options.delayMs ?? 0,
		problems: [],
		async listen() {
			server = http.createServer((req, res) => {
				let body = '';
				req.setEncoding('utf8');
				req.on('data', (chunk: string) => (body += chunk));
				req.on('end', async () => {
					state.calls++;
					state.callTimes.push(Date.now());
					state.concurrent++;
					state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent);
					try {
						if (req.method !== 'POST') state.problems.push(`method ${req.method}`);
						if (req.url !== '/oidc/v1/token') state.problems.push(`path ${req.url}`);
						if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
							state.problems.push(`content-type ${req.headers['content-type']}`);
						}
						if (req.headers.authorization !== expectedAuth) state.problems.push('authorization header is not Basic id:secret');
						if (body !== 'grant_type=client_credentials&scope=all-apis') state.problems.push(`body ${body}`);
						const mode = state.mode;
						const delay = mode === 'slow' ? 5_000 : state.delayMs;
						// unref: a slow answer still pending must not keep the test process alive
						if (delay > 0) await new Promise<void>((resolve) => setTimeout(resolve, delay).unref());
						if (res.destroyed) return;
						if (mode === '500') {
							res.writeHead(500, {'content-type': 'application/json'});
							res.end(JSON.stringify({error: 'temporarily_unavailable', error_description: 'try later'}));
						} else if (mode === 'unauthorized') {
							res.writeHead(401, {'content-type': 'application/json'});
							res.end(JSON.stringify({error: 'invalid_client', error_description: 'Client authentication failed'}));
						} else if (mode === 'garbage') {
							res.writeHead(200, {'content-type': 'application/json'});
							res.end('{"access_token": "half');
						} else if (mode === 'missing') {
							res.writeHead(200, {'content-type': 'application/json'});
							res.end(JSON.stringify({token_type: 'Bearer', expires_in: 3600}));
						} else {
							const token = `eyJ${randomBytes(12).toString('hex')}.${randomBytes(12).toString('hex')}.sig${state.calls}`;
							state.issued.set(token, Date.now() + state.expiresIn * 1000);
							res.writeHead(200, {'content-type': 'application/json'});
							res.end(JSON.stringify({access_token: token, token_type: 'Bearer', expires_in: state.expiresIn, scope: 'all-apis'}));
						}
					} finally {
						state.concurrent--;
					}
				});
			});
			await new Promise<void>((resolve, reject) => {
				server!.once('error', reject);
				server!.listen(state.port, '127.0.0.1', () => resolve());
			});
			state.port = (server!.address() as AddressInfo).port;
			state.url = `http://127.0.0.1:${state.port}`;
		},
		async close() {
			const s = server;
			server = null;
			if (!s) return;
			s.closeAllConnections();
			await new Promise<void>((resolve) => s.close(() => resolve()));
		},
	};
	if (options.listen !== false) await state.listen();
	return state;
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
	const s = http.createServer();
	await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
	const port = (s.address() as AddressInfo).port;
	await new Promise<void>((resolve) => s.close(() => resolve()));
	return port;
}

function m2mOptions(server: {url: string}, extra: Partial<AuthOptions> = {}): AuthOptions {
	return {
		host: `${server.url}/`,
		clientId: CLIENT_ID,
		clientSecret: CLIENT_SECRET,
		appUrls: [APP],
		env: bareEnv(),
		retryMinMs: 50,
		retryMaxMs: 200,
		...extra,
	};
}

/** Asserts that no text holds the client secret, a token or the full client id. */
function assertNoSecrets(texts: string[], tokens: Iterable<string>): void {
	const secrets = [CLIENT_SECRET, CLIENT_ID, ...tokens];
	for (const text of texts) {
		for (const secret of secrets) assert.ok(!text.includes(secret), `"${text}" leaks a secret`);
		assert.ok(!text.includes('\n'), `"${text}" is not one line`);
	}
}

describe('M2M OAuth', () => {
	test('sends Basic client auth and the form body, and describes itself without secrets', async () => {
		const server = await startTokenServer();
		const warnings: string[] = [];
		try {
			const provider = await resolveAuth(m2mOptions(server, {onWarning: (m) => warnings.push(m)}));
			try {
				assert.equal(provider.kind, 'm2m');
				assert.equal(provider.host, server.url);
				const token = await provider.getToken();
				assert.ok(token && server.issued.has(token), 'token && server.issued.has(token)');
				assert.deepEqual(server.problems, []);
				assert.equal(server.calls, 1);
				const text = provider.describe();
				assert.match(text, /^M2M OAuth \(client 1234abcd…\) at http:\/\/127\.0\.0\.1:\d+, token valid until \d\d:\d\d:\d\d$/);
				assertNoSecrets([text, ...warnings], server.issued.keys());
				assert.equal(redact(`Authorization: Bearer ${token}`), 'Authorization: Bearer ***');
				assert.equal(redact(`secret=${CLIENT_SECRET}`), 'secret=***');
			} finally {
				provider.close();
			}
		} finally {
			await server.close();
		}
	});

	test('credentials rejected by the token endpoint: UsageError without the secret', async () => {
		const server = await startTokenServer();
		server.mode = 'unauthorized';
		try {
			await assert.rejects(resolveAuth(m2mOptions(server)), (error: unknown) => {
				assert.ok(error instanceof UsageError, 'error instanceof UsageError');
				assert.match(error.message, /answered 401/);
				assertNoSecrets([error.message], []);
				return true;
			});
		} finally {
			await server.close();
		}
	});

	test('a 2 s token is refreshed in the background: no caller gets an expired token, one call per refresh', async () => {
		// The token endpoint takes 300 ms: callers arriving during a refresh must still get the old token at once.
		const server = await startTokenServer({expiresIn: 2, delayMs: 300});
		const warnings: string[] = [];
		const provider = await resolveAuth(m2mOptions(server, {onWarning: (m) => warnings.push(m)}));
		try {
			const started = Date.now();
			let slowestBatchMs = 0;
			let handedOut = 0;
			const seen = new Set<string>();
			for (let round = 0; round < 200 && Date.now() - started < 4_500; round++) {
				const t0 = Date.now();
				const tokens = await Promise.all(Array.from({length: 200}, () => provider.getToken()));
				const t1 = Date.now();
				slowestBatchMs = Math.max(slowestBatchMs, t1 - t0);
				for (const token of tokens) {
					assert.ok(token, 'a token');
					const expiresAt = server.issued.get(token);
					assert.ok(expiresAt !== undefined, 'a token the server issued');
					assert.ok(expiresAt > t1, `token handed out ${t1 - expiresAt} ms after it expired`);
					seen.add(token);
					handedOut++;
				}
				await sleep(40);
			}
			const elapsed = Date.now() - started;
			assert.ok(handedOut >= 200 * 20, 'handedOut >= 200 * 20');
			assert.ok(seen.size >= 3, `tokens were refreshed (${seen.size} seen)`);
			assert.equal(server.maxConcurrent, 1, 'never two token calls at once');
			// Refreshes at 80% of 2 s (+300 ms answer): one call at start, then one every ~1.9 s.
			const expected = 1 + Math.floor(elapsed / 1_600);
			assert.ok(server.calls >= 3 && server.calls <= expected, `${server.calls} token calls in ${elapsed} ms`);
			for (let i = 1; i < server.callTimes.length; i++) {
				assert.ok(server.callTimes[i]! - server.callTimes[i - 1]! >= 1_200, 'one call per refresh');
			}
			assert.ok(slowestBatchMs < 250, `getToken() waited ${slowestBatchMs} ms while a valid token was in hand`);
			assert.deepEqual(warnings, []);
			assertNoSecrets([provider.describe()], server.issued.keys());
		} finally {
			provider.close();
			await server.close();
		}
	});

	test('invalidate() after a 401: one refresh for 50 invalidating callers and 200 waiting ones', async () => {
		const server = await startTokenServer({delayMs: 100});
		// No rate limit on forced refreshes here: only the token check may stop a second refresh.
		const provider = await resolveAuth(m2mOptions(server, {minForcedRefreshIntervalMs: 0}));
		try {
			const first = await provider.getToken();
			assert.ok(first, 'first');
			assert.equal(server.calls, 1);
			for (let i = 0; i < 50; i++) provider.invalidate(first);
			const tokens = await Promise.all(Array.from({length: 200}, () => provider.getToken()));
			assert.equal(server.calls, 2);
			assert.equal(new Set(tokens).size, 1);
			const second = tokens[0]!;
			assert.notEqual(second, first);
			// The same, already replaced token again: nothing happens.
			provider.invalidate(first);
			await sleep(250);
			assert.equal(server.calls, 2);
			assert.equal(await provider.getToken(), second);
			// The new token rejected in its turn: one more refresh.
			for (let i = 0; i < 50; i++) provider.invalidate(second);
			const third = await provider.getToken();
			assert.notEqual(third, second);
			assert.equal(server.calls, 3);
		} finally {
			provider.close();
			await server.close();
		}
	});

	test('a fresh token rejected again right away is not refreshed in a loop', async () => {
		const server = await startTokenServer();
		const warnings: string[] = [];
		const provider = await resolveAuth(m2mOptions(server, {onWarning: (m) => warnings.push(m), minForcedRefreshIntervalMs: 60_000}));
		try {
			provider.invalidate(await provider.getToken());
			const second = await provider.getToken();
			provider.invalidate(second);
			provider.invalidate(second);
			await sleep(100);
			assert.equal(server.calls, 2);
			assert.equal(await provider.getToken(), second);
			assert.equal(warnings.length, 1);
			assert.match(warnings[0]!, /rejects freshly issued tokens/);
			assertNoSecrets(warnings, server.issued.keys());
		} finally {
			provider.close();
			await server.close();
		}
	});

	for (const mode of ['refused', '500', 'garbage', 'missing', 'slow'] as const) {
		test(`token endpoint down (${mode}), then back: warnings, bounded waits, then tokens again`, async () => {
			const port = mode === 'refused' ? await freePort() : 0;
			const server = await startTokenServer({port, listen: mode !== 'refused'});
			if (mode !== 'refused') server.mode = mode;
			const url = mode === 'refused' ? `http://127.0.0.1:${port}` : server.url;
			const warnings: string[] = [];
			const provider = await resolveAuth(
				m2mOptions({url}, {onWarning: (m) => warnings.push(m), fetchTimeoutMs: 400}),
			);
			try {
				assert.equal(provider.kind, 'm2m');
				const t0 = Date.now();
				await assert.rejects(provider.getToken(), (error: unknown) => {
					assert.ok(error instanceof Error, 'error instanceof Error');
					assert.match(error.message, /no valid token within 0\.4 s/);
					assertNoSecrets([error.message], []);
					return true;
				});
				assert.ok(Date.now() - t0 < 1_500, 'the wait is bounded');
				assert.ok(warnings.length >= 1, 'failures are reported');
				assert.match(provider.describe(), /no valid token \(last error: /);
				// Back up.
				if (mode === 'refused') await server.listen();
				else server.mode = 'ok';
				let token: string | undefined;
				for (let i = 0; i < 40 && !token; i++) {
					token = await provider.getToken().catch(() => undefined);
				}
				assert.ok(token && server.issued.has(token), 'a token once the endpoint is back');
				assert.match(provider.describe(), /token valid until/);
				const expected = {refused: /connection refused/, '500': /answered 500/, garbage: /not JSON/, missing: /without an access_token/, slow: /no answer within 0\.4 s/}[mode];
				assert.ok(warnings.some((w) => expected.test(w)), `a warning says why: ${warnings.join(' | ')}`);
				assertNoSecrets([...warnings, provider.describe()], server.issued.keys());
			} finally {
				provider.close();
				await server.close();
			}
		});
	}

	test('a refresh that fails keeps the valid token in use, then recovers', async () => {
		const server = await startTokenServer({expiresIn: 2});
		const warnings: string[] = [];
		const provider = await resolveAuth(m2mOptions(server, {onWarning: (m) => warnings.push(m), fetchTimeoutMs: 500}));
		try {
			const first = await provider.getToken();
			server.mode = '500';
			await sleep(1_700); // past the refresh point (1.6 s), before the token stops being handed out (1.8 s)
			assert.equal(await provider.getToken(), first);
			assert.ok(warnings.some((w) => /answered 500/.test(w) && /current token stays valid/.test(w)), 'warnings.some((w) => /answered 500/.test(w) && /current token stays valid/.test(w))');
			server.mode = 'ok';
			let token: string | undefined;
			for (let i = 0; i < 40 && (!token || token === first); i++) {
				token = await provider.getToken().catch(() => undefined);
				if (token === first) await sleep(50);
			}
			assert.ok(token && token !== first, 'token && token !== first');
			assertNoSecrets(warnings, server.issued.keys());
		} finally {
			provider.close();
			await server.close();
		}
	});
});

describe('profiles', () => {
	const cfg = path.join(tmp, 'databrickscfg');
	const defaultToken = `dapi${randomBytes(16).toString('hex')}`;
	const namedToken = `dapi${randomBytes(16).toString('hex')}`;
	fs.writeFileSync(
		cfg,
		[
			'[DEFAULT]',
			'host = dbc-default.cloud.databricks.com/',
			`token = ${defaultToken}`,
			'',
			'[named]',
			'host = https://named.cloud.databricks.com/',
			`token = ${namedToken}`,
			'auth_type = pat',
			'',
			'[sp]',
			'host = http://127.0.0.1:1',
			`client_id = ${CLIENT_ID}`,
			`client_secret = ${CLIENT_SECRET}`,
			'auth_type = oauth-m2m',
			'',
		].join('\n'),
	);

	test('normalizeHost accepts hosts with or without https:// and a trailing slash', () => {
		for (const host of ['dbc-1.cloud.databricks.com', 'dbc-1.cloud.databricks.com/', 'https://dbc-1.cloud.databricks.com', 'https://DBC-1.cloud.databricks.com/']) {
			assert.equal(normalizeHost(host), 'https://dbc-1.cloud.databricks.com');
		}
		assert.equal(normalizeHost('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
		assert.throws(() => normalizeHost('ftp://x'), UsageError);
	});

	test('[DEFAULT] and named profiles; host normalised', async () => {
		const env = bareEnv({DATABRICKS_CONFIG_FILE: cfg});
		const def = await resolveAuth({appUrls: [APP], env});
		assert.equal(def.kind, 'pat');
		assert.equal(def.host, 'https://dbc-default.cloud.databricks.com');
		assert.equal(await def.getToken(), defaultToken);
		assert.equal(def.describe(), 'personal access token (profile DEFAULT)');

		const named = await resolveAuth({appUrls: [APP], env, profile: 'named'});
		assert.equal(named.host, 'https://named.cloud.databricks.com');
		assert.equal(await named.getToken(), namedToken);
		assert.equal(named.describe(), 'personal access token (profile named)');

		const fromEnv = await resolveAuth({appUrls: [APP], env: {...env, DATABRICKS_CONFIG_PROFILE: 'named'}});
		assert.equal(await fromEnv.getToken(), namedToken);

		const profile = loadProfile({profile: 'sp', env});
		assert.equal(profile?.clientId, CLIENT_ID);
		assert.equal(profile?.authType, 'oauth-m2m');
		assert.equal(redact(`token ${namedToken} and ${defaultToken}`), 'token *** and ***');
	});

	test('a profile with client_id/client_secret is M2M', async () => {
		const server = await startTokenServer();
		try {
			const file = path.join(tmp, 'sp.cfg');
			fs.writeFileSync(file, `[sp]\nhost = ${server.url}/\nclient_id = ${CLIENT_ID}\nclient_secret = ${CLIENT_SECRET}\n`);
			const provider = await resolveAuth({appUrls: [APP], env: bareEnv(), configFile: file, profile: 'sp'});
			try {
				assert.equal(provider.kind, 'm2m');
				assert.ok(server.issued.has((await provider.getToken())!), 'server.issued.has((await provider.getToken())!)');
				assert.deepEqual(server.problems, []);
			} finally {
				provider.close();
			}
		} finally {
			await server.close();
		}
	});

	test('a missing named profile is a UsageError naming the profiles', async () => {
		const env = bareEnv({DATABRICKS_CONFIG_FILE: cfg});
		await assert.rejects(resolveAuth({appUrls: [APP], env, profile: 'nope'}), (error: unknown) => {
			assert.ok(error instanceof UsageError, 'error instanceof UsageError');
			assert.match(error.message, /profile "nope" not found/);
			assert.match(error.message, /DEFAULT, named, sp/);
			assertNoSecrets([error.message], [defaultToken, namedToken]);
			return true;
		});
		await assert.rejects(resolveAuth({appUrls: [APP], env: bareEnv(), profile: 'x'}), UsageError);
	});
});

describe('personal access tokens, none, usage errors', () => {
	test('PAT from DATABRICKS_TOKEN', async () => {
		const token = `dapi${randomBytes(16).toString('hex')}`;
		const provider = await resolveAuth({appUrls: [APP], env: bareEnv({DATABRICKS_TOKEN: token, DATABRICKS_HOST: 'example.cloud.databricks.com'})});
		assert.equal(provider.kind, 'pat');
		assert.equal(await provider.getToken(), token);
		assert.equal(provider.host, 'https://example.cloud.databricks.com');
		assert.equal(provider.describe(), 'personal access token (DATABRICKS_TOKEN)');
		const warnings: string[] = [];
		const withWarnings = await resolveAuth({appUrls: [APP], token, env: bareEnv(), onWarning: (m) => warnings.push(m)});
		assert.equal(withWarnings.kind, 'static');
		withWarnings.invalidate(token);
		withWarnings.invalidate(token);
		assert.equal(warnings.length, 1);
		assertNoSecrets([...warnings, provider.describe(), withWarnings.describe()], [token]);
	});

	test("'none' when every app URL is loopback", async () => {
		const provider = await resolveAuth({appUrls: ['http://127.0.0.1:8000', 'http://localhost:9000/x', 'http://[::1]:8000'], env: bareEnv()});
		assert.equal(provider.kind, 'none');
		assert.equal(await provider.getToken(), undefined);
		assert.equal(provider.describe(), 'none (loopback)');
	});

	test('UsageError, one line, when nothing is configured for a non-loopback URL', async () => {
		await assert.rejects(resolveAuth({appUrls: ['http://127.0.0.1:8000', APP], env: bareEnv()}), (error: unknown) => {
			assert.ok(error instanceof UsageError, 'error instanceof UsageError');
			assert.match(error.message, /DATABRICKS_HOST/);
			assert.ok(!error.message.includes('\n'), '!error.message.includes(\'\\n\')');
			return true;
		});
		await assert.rejects(resolveAuth({appUrls: [APP], authType: 'm2m', env: bareEnv()}), UsageError);
		await assert.rejects(resolveAuth({appUrls: [APP], authType: 'pat', env: bareEnv()}), UsageError);
		await assert.rejects(resolveAuth({appUrls: [APP], authType: 'cli', env: bareEnv()}), UsageError);
	});

	test('tokens go only over https, except to loopback', async () => {
		assert.ok(isLoopbackUrl('http://127.0.0.1:8000/x'), 'isLoopbackUrl(\'http://127.0.0.1:8000/x\')');
		assert.ok(isLoopbackUrl('http://127.1.2.3'), 'isLoopbackUrl(\'http://127.1.2.3\')');
		assert.ok(isLoopbackUrl('http://localhost'), 'isLoopbackUrl(\'http://localhost\')');
		assert.ok(isLoopbackUrl('http://[::1]:8000'), 'isLoopbackUrl(\'http://[::1]:8000\')');
		assert.ok(!isLoopbackUrl('http://128.0.0.1'), '!isLoopbackUrl(\'http://128.0.0.1\')');
		assert.ok(!isLoopbackUrl('https://localhost.example.com'), '!isLoopbackUrl(\'https://localhost.example.com\')');
		assert.ok(!isLoopbackUrl('not a url'), '!isLoopbackUrl(\'not a url\')');
		assert.doesNotThrow(() => assertTokenDestination('https://x.aws.databricksapps.com', true));
		assert.doesNotThrow(() => assertTokenDestination('http://127.0.0.1:8000', true));
		assert.doesNotThrow(() => assertTokenDestination('http://example.com', false));
		assert.throws(() => assertTokenDestination('http://example.com', true), UsageError);
		const token = `dapi${randomBytes(16).toString('hex')}`;
		await assert.rejects(resolveAuth({appUrls: ['http://example.com'], env: bareEnv({DATABRICKS_TOKEN: token})}), UsageError);
		// M2M would send the secret to an http:// workspace host.
		await assert.rejects(
			resolveAuth({appUrls: [APP], host: 'http://example.com', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, env: bareEnv()}),
			UsageError,
		);
	});

	test('redact() hides registered secrets and token shapes', () => {
		const secret = `s3cr3t-${randomBytes(6).toString('hex')}`;
		registerSecret(secret);
		registerSecret('abc'); // too short: ignored
		registerSecret('');
		assert.equal(redact(`x ${secret} y ${secret}`), 'x *** y ***');
		assert.equal(redact('abc'), 'abc');
		assert.equal(redact('authorization: Bearer abc.DEF-123_x'), 'authorization: Bearer ***');
		assert.equal(redact('token dapi0123456789abcdef0123456789abcdef-2 used'), 'token *** used');
		assert.equal(redact('nothing here'), 'nothing here');
	});
});

describe('Databricks CLI', { skip: process.platform === 'win32' }, () => {
	const bin = path.join(tmp, 'bin');
	fs.mkdirSync(bin, {recursive: true});
	const log = path.join(tmp, 'cli-calls.log');
	const cliToken = `eyJ${randomBytes(12).toString('hex')}.cli.sig`;
	const script = (name: string, body: string) => {
		const file = path.join(bin, name);
		fs.writeFileSync(file, `#!${process.execPath}\n${body}\n`, {mode: 0o755});
		return file;
	};
	script(
		'databricks',
		`const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');
process.stdout.write(JSON.stringify({access_token: ${JSON.stringify(cliToken)}, token_type: 'Bearer', expiry: new Date(Date.now() + 3600e3).toISOString()}));`,
	);
	script('databricks-broken', `process.stderr.write('Error: cannot get access token: not logged in (${'dapi'}0123456789abcdef0123456789abcdef)\\n'); process.exit(1);`);

	const calls = (): string[][] =>
		fs.existsSync(log)
			? fs
					.readFileSync(log, 'utf8')
					.trim()
					.split('\n')
					.map((line) => JSON.parse(line) as string[])
			: [];

	test('runs `databricks auth token --host H` from the PATH', async () => {
		fs.rmSync(log, {force: true});
		const provider = await resolveAuth({appUrls: [APP], host: 'ws.cloud.databricks.com', env: bareEnv({PATH: bin})});
		try {
			assert.equal(provider.kind, 'cli');
			assert.equal(await provider.getToken(), cliToken);
			assert.deepEqual(calls(), [['auth', 'token', '--host', 'https://ws.cloud.databricks.com']]);
			assert.match(provider.describe(), /^Databricks CLI \(host https:\/\/ws\.cloud\.databricks\.com\), token valid until \d\d:\d\d:\d\d$/);
			assertNoSecrets([provider.describe()], [cliToken]);
		} finally {
			provider.close();
		}
	});

	test('uses --profile P for a profile, and QPSCOPE_DATABRICKS_CLI', async () => {
		fs.rmSync(log, {force: true});
		const file = path.join(tmp, 'u2m.cfg');
		fs.writeFileSync(file, '[dev]\nhost = https://dev.cloud.databricks.com\nauth_type = databricks-cli\n');
		fs.copyFileSync(path.join(bin, 'databricks'), path.join(bin, 'dbx-other'));
		const provider = await resolveAuth({
			appUrls: [APP],
			profile: 'dev',
			configFile: file,
			env: bareEnv({PATH: bin, QPSCOPE_DATABRICKS_CLI: 'dbx-other'}),
		});
		try {
			assert.equal(provider.kind, 'cli');
			assert.equal(provider.host, 'https://dev.cloud.databricks.com');
			assert.equal(await provider.getToken(), cliToken);
			assert.deepEqual(calls(), [['auth', 'token', '--profile', 'dev']]);
			assert.match(provider.describe(), /^Databricks CLI \(profile dev\), token valid until/);
		} finally {
			provider.close();
		}
	});

	test('a failing CLI: UsageError for a remote app (no secret), none for loopback', async () => {
		const env = bareEnv({PATH: bin, QPSCOPE_DATABRICKS_CLI: 'databricks-broken'});
		await assert.rejects(resolveAuth({appUrls: [APP], host: 'ws.cloud.databricks.com', env}), (error: unknown) => {
			assert.ok(error instanceof UsageError, 'error instanceof UsageError');
			assert.match(error.message, /not logged in/);
			assert.ok(!error.message.includes('dapi0123456789abcdef'), '!error.message.includes(\'dapi0123456789abcdef\')');
			return true;
		});
		await assert.rejects(resolveAuth({appUrls: [APP], host: 'ws.cloud.databricks.com', env, authType: 'cli'}), /not logged in/);
		const local = await resolveAuth({appUrls: ['http://127.0.0.1:8000'], host: 'ws.cloud.databricks.com', env});
		assert.equal(local.kind, 'none');
	});
});
