// The real terminal UI, end to end: `qpscope run` in a pseudo-terminal (util-linux `script`) against the
// mock; the answer must show on screen and the keys must work.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {startMock} from '../source/mock/server.ts';
import type {RunSummary} from '../source/types.ts';
import {BIN, tmpDir} from './helpers.ts';

const hasScript = spawnSync('script', ['--version'], {stdio: 'ignore'}).status === 0;
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-B]|\r/g, '');

/** Runs qpscope in a pty of the given size; `keys` are typed when `when` matches the screen so far. */
function inPty(args: string[], o: {cols: number; rows: number; keys?: Array<{when: RegExp; send: string}>; timeoutMs: number}) {
	return new Promise<{code: number | null; screen: string}>((resolve, reject) => {
		const command = `stty cols ${o.cols} rows ${o.rows}; exec ${[process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')}`;
		// Without CI in the environment: ink (is-in-ci) would draw only the last frame, qpscope no TUI at all.
		const {CI: _ci, CONTINUOUS_INTEGRATION: _c, ...env} = process.env;
		const child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...env, NO_COLOR: '1', TERM: 'xterm-256color'}, stdio: ['pipe', 'pipe', 'pipe']});
		let out = '';
		const pending = [...(o.keys ?? [])];
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`timed out; screen so far:\n${plain(out).slice(-3000)}`));
		}, o.timeoutMs);
		child.stdout.on('data', (d: Buffer) => {
			out += d.toString();
			while (pending.length > 0 && pending[0]!.when.test(plain(out))) child.stdin.write(pending.shift()!.send);
		});
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({code, screen: plain(out)});
		});
	});
}

test('the TUI against the mock: live step table, then the answer left on screen', {skip: !hasScript && 'util-linux script is not installed'}, async () => {
	const mock = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 10, capacity: 3});
	try {
		const results = tmpDir();
		const r = await inPty(['run', '--app-url', mock.url, '--label', 'tui-e2e', '--max-users', '6', '--step-size', '3', '--step-duration', '3', '--warmup', '0', '--workers', '1', '--results-dir', results, '--run-name', 'e2e'], {cols: 80, rows: 24, timeoutMs: 40_000});
		assert.equal(r.code, 0, r.screen.slice(-2000));
		assert.match(r.screen, /step 1\/2/, 'the live step line');
		assert.match(r.screen, /tui-e2e serves [\d.]+ QPS at \d users/, 'the answer on screen');
		assert.match(r.screen, /summary\.json/, 'the files written');
		const s = JSON.parse(fs.readFileSync(path.join(results, 'e2e', 'summary.json'), 'utf8')) as RunSummary;
		assert.equal(s.status, 'completed');
		assert.ok(Math.abs(s.apps[0]!.maxQps! - 30) < 4, `max ${s.apps[0]!.maxQps} (capacity 3 streams / 0.1 s)`);
	} finally {
		await mock.close();
	}
});

test('the TUI: q stops cleanly (exit 130, files written)', {skip: !hasScript && 'util-linux script is not installed'}, async () => {
	const mock = await startMock({port: 0, chunkCount: 10, chunkDelayMs: 10});
	try {
		const results = tmpDir();
		const r = await inPty(['run', '--app-url', mock.url, '--max-users', '4', '--step-size', '2', '--step-duration', '3', '--warmup', '0', '--workers', '1', '--results-dir', results, '--run-name', 'q'], {
			cols: 120,
			rows: 40,
			timeoutMs: 40_000,
			keys: [{when: /step 2\/2/, send: 'q'}],
		});
		assert.equal(r.code, 130, r.screen.slice(-2000));
		const s = JSON.parse(fs.readFileSync(path.join(results, 'q', 'summary.json'), 'utf8')) as RunSummary;
		assert.equal(s.status, 'stopped');
		assert.equal(s.apps[0]!.steps[0]!.partial, false);
	} finally {
		await mock.close();
	}
});
