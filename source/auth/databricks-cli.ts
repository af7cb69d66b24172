// Tokens from the Databricks CLI (`databricks auth token`), for users logged in with `databricks auth login`.
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {formatSeconds} from './http.ts';
import {type FetchedToken, RefreshingTokenProvider, TokenFetchError} from './refreshing.ts';
import {redact, registerSecret} from './secrets.ts';

/** The CLI binary: QPSCOPE_DATABRICKS_CLI (a name looked up on the PATH, or a path) or `databricks`. */
export function cliBinaryName(env: NodeJS.ProcessEnv): string {
	return env['QPSCOPE_DATABRICKS_CLI']?.trim() || 'databricks';
}

function isExecutableFile(file: string): boolean {
	try {
		if (!fs.statSync(file).isFile()) return false;
		if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

/** The absolute path of an executable on the PATH (or the name itself when it is a path), or null. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | null {
	if (name.includes('/') || name.includes('\\')) return isExecutableFile(name) ? path.resolve(name) : null;
	const pathVar = env['PATH'] ?? env['Path'] ?? '';
	const extensions =
		process.platform === 'win32' ? ['', ...(env['PATHEXT'] ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)] : [''];
	for (const dir of pathVar.split(path.delimiter)) {
		if (!dir) continue;
		for (const ext of extensions) {
			const candidate = path.join(dir, name + ext);
			if (isExecutableFile(candidate)) return candidate;
		}
	}
	return null;
}

export interface CliOptions {
	/** Absolute path of the CLI binary. */
	binary: string;
	profile?: string;
	host?: string;
	/** The workspace host for the apps API (known from the profile even when --profile is used). */
	workspaceHost?: string | null;
	env: NodeJS.ProcessEnv;
	timeoutMs: number;
	onWarning: (message: string) => void;
	retryMinMs?: number;
	retryMaxMs?: number;
	minForcedRefreshIntervalMs?: number;
}

export function cliArgs(options: Pick<CliOptions, 'profile' | 'host'>): string[] {
	if (options.profile) return ['auth', 'token', '--profile', options.profile];
	if (options.host) return ['auth', 'token', '--host', options.host];
	return ['auth', 'token'];
}

function firstLine(text: string): string {
	const line = text
		.split('\n')
		.map((l) => l.trim())
		.find((l) => l.length > 0);
	const clean = redact(line ?? '');
	return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

export function fetchCliToken(options: CliOptions, signal?: AbortSignal): Promise<FetchedToken> {
	const args = cliArgs(options);
	const command = `databricks ${args.join(' ')}`;
	return new Promise((resolve, reject) => {
		execFile(
			options.binary,
			args,
			{env: options.env, timeout: options.timeoutMs, maxBuffer: 1 << 20, windowsHide: true, signal, encoding: 'utf8'},
			(error, stdout, stderr) => {
				if (error) {
					const e = error as NodeJS.ErrnoException & {killed?: boolean; code?: unknown};
					if (e.killed || e.name === 'AbortError') {
						reject(new TokenFetchError(`"${command}" gave no answer within ${formatSeconds(options.timeoutMs)}`));
						return;
					}
					const why = firstLine(stderr) || firstLine(stdout) || (typeof e.code === 'string' ? e.code : `exit code ${String(e.code)}`);
					reject(new TokenFetchError(`"${command}" failed: ${why}`, true));
					return;
				}
				let json: unknown;
				try {
					json = JSON.parse(stdout);
				} catch {
					reject(new TokenFetchError(`"${command}" printed something that is not JSON`));
					return;
				}
				const body = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
				const token = body['access_token'];
				if (typeof token !== 'string' || token.length === 0) {
					reject(new TokenFetchError(`"${command}" printed no access_token`));
					return;
				}
				registerSecret(token);
				let expiresAt = typeof body['expiry'] === 'string' ? Date.parse(body['expiry']) : Number.NaN;
				if (!Number.isFinite(expiresAt) && Number(body['expires_in']) > 0) expiresAt = Date.now() + Number(body['expires_in']) * 1000;
				if (!Number.isFinite(expiresAt)) expiresAt = Date.now() + 3600_000;
				resolve({accessToken: token, expiresAt});
			},
		);
	});
}

export function createCliProvider(options: CliOptions): RefreshingTokenProvider {
	const where = options.profile ? `profile ${options.profile}` : options.host ? `host ${options.host}` : 'default profile';
	return new RefreshingTokenProvider({
		kind: 'cli',
		name: 'Databricks CLI',
		label: `Databricks CLI (${where})`,
		host: options.workspaceHost ?? options.host ?? null,
		fetchToken: (signal) => fetchCliToken(options, signal),
		waitTimeoutMs: options.timeoutMs,
		onWarning: options.onWarning,
		retryMinMs: options.retryMinMs,
		retryMaxMs: options.retryMaxMs,
		minForcedRefreshIntervalMs: options.minForcedRefreshIntervalMs,
	});
}
