// ~/.databrickscfg profiles and workspace host normalisation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ini from 'ini';
import {UsageError} from '../config/errors.ts';

export interface Profile {
	name: string;
	file: string;
	host?: string;
	token?: string;
	clientId?: string;
	clientSecret?: string;
	authType?: string;
}

export interface ProfileQuery {
	profile?: string;
	configFile?: string;
	env: NodeJS.ProcessEnv;
}

/** `https://host` from `host`, `https://host/`, `host/some/path`…; http:// is kept (for loopback stand-ins). */
export function normalizeHost(host: string): string {
	const trimmed = host.trim();
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
	let url: URL;
	try {
		url = new URL(withScheme);
	} catch {
		throw new UsageError(`workspace host "${trimmed}" is not a valid host name: use e.g. https://dbc-1234abcd-5678.cloud.databricks.com`);
	}
	if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
		throw new UsageError(`workspace host "${trimmed}" is not an https:// URL: use e.g. https://dbc-1234abcd-5678.cloud.databricks.com`);
	}
	return `${url.protocol}//${url.host}`;
}

export function defaultConfigFile(env: NodeJS.ProcessEnv): string {
	const home = env['HOME'] || env['USERPROFILE'] || os.homedir();
	return path.join(home, '.databrickscfg');
}

function section(parsed: Record<string, unknown>, name: string): Record<string, unknown> | null {
	const direct = parsed[name];
	if (direct && typeof direct === 'object') return direct as Record<string, unknown>;
	// The ini package nests `[a.b]` as {a: {b: …}}.
	let node: unknown = parsed;
	for (const part of name.split('.')) {
		if (!node || typeof node !== 'object') return null;
		node = (node as Record<string, unknown>)[part];
	}
	return node && typeof node === 'object' ? (node as Record<string, unknown>) : null;
}

function profileNames(parsed: Record<string, unknown>, prefix = ''): string[] {
	const names: string[] = [];
	for (const [key, value] of Object.entries(parsed)) {
		if (!value || typeof value !== 'object') continue;
		const name = prefix ? `${prefix}.${key}` : key;
		const values = Object.values(value as Record<string, unknown>);
		if (values.some((v) => typeof v !== 'object' || v === null)) names.push(name);
		names.push(...profileNames(value as Record<string, unknown>, name));
	}
	return names;
}

function text(value: unknown): string | undefined {
	if (value === undefined || value === null || typeof value === 'object') return undefined;
	const s = String(value).trim();
	return s.length > 0 ? s : undefined;
}

/**
 * The profile named by `profile` (or DATABRICKS_CONFIG_PROFILE), else [DEFAULT] when it exists, from
 * `configFile` (or DATABRICKS_CONFIG_FILE, or ~/.databrickscfg). null when no profile applies.
 * A named profile that cannot be found, or an explicit config file that is missing, is a UsageError.
 */
export function loadProfile(query: ProfileQuery): Profile | null {
	const {env} = query;
	const named = query.profile?.trim() || env['DATABRICKS_CONFIG_PROFILE']?.trim() || undefined;
	const file = query.configFile?.trim() || env['DATABRICKS_CONFIG_FILE']?.trim() || defaultConfigFile(env);
	let content: string;
	try {
		content = fs.readFileSync(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' && !named && !query.configFile) return null;
		const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
		if (named) {
			throw new UsageError(`profile "${named}" not found: ${file} ${why} (run "databricks auth login --profile ${named}" or set DATABRICKS_CONFIG_FILE)`);
		}
		throw new UsageError(`config file ${file} ${why}`);
	}
	let parsed: Record<string, unknown>;
	try {
		parsed = ini.parse(content) as Record<string, unknown>;
	} catch {
		throw new UsageError(`${file} is not a valid .databrickscfg (INI) file`);
	}
	const name = named ?? 'DEFAULT';
	const values = section(parsed, name);
	if (!values) {
		if (!named) return null;
		const known = profileNames(parsed);
		throw new UsageError(
			`profile "${named}" not found in ${file}${known.length > 0 ? ` (profiles: ${known.join(', ')})` : ' (it holds no profiles)'}`,
		);
	}
	return {
		name,
		file,
		host: text(values['host']),
		token: text(values['token']),
		clientId: text(values['client_id']),
		clientSecret: text(values['client_secret']),
		authType: text(values['auth_type']),
	};
}
