// Shared by the tests: run the engine in-process against a loopback app, and run the CLI as a child.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {resolveAuth} from '../source/auth/index.ts';
import {buildRunConfig, type RunFlags} from '../source/config/run-config.ts';
import {Engine} from '../source/engine/engine.ts';
import type {EngineEvent, RunSummary} from '../source/types.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'qpscope.js');

export function tmpDir(prefix = 'qpscope-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs a whole ramp in this process; returns the summary and every event. */
export async function runEngine(flags: RunFlags, onEvent?: (e: EngineEvent, engine: Engine) => void): Promise<{summary: RunSummary; events: EngineEvent[]}> {
	const config = buildRunConfig({warmup: '0', workers: '0', ...flags}, {});
	const auth = await resolveAuth({authType: 'auto', appUrls: config.apps.map((a) => a.url), env: {}});
	const engine = new Engine({config, auth, runDir: tmpDir()});
	const events: EngineEvent[] = [];
	engine.subscribe((e) => {
		events.push(e);
		onEvent?.(e, engine);
	});
	try {
		return {summary: await engine.run(), events};
	} finally {
		auth.close();
	}
}

export interface CliResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs `qpscope ARGS` as a child process with a time limit. `onStdout` may act on the output as it comes
 * (e.g. send SIGINT once a step has finished).
 */
export function runCli(args: string[], o: {timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; onStdout?: (all: string, child: ReturnType<typeof spawn>) => void} = {}): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], {cwd: o.cwd ?? ROOT, env: {...process.env, CI: 'true', NO_COLOR: '1', ...o.env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`qpscope ${args.join(' ')} did not end within ${o.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
		}, o.timeoutMs ?? 60_000);
		child.stdout.on('data', (d: Buffer) => {
			stdout += d.toString();
			o.onStdout?.(stdout, child);
		});
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr});
		});
	});
}
