// OAuth machine-to-machine (client credentials) tokens from the workspace: POST {host}/oidc/v1/token.
import {answerDetail, httpRequest, NetworkError} from './http.ts';
import {type FetchedToken, RefreshingTokenProvider, TokenFetchError} from './refreshing.ts';
import {registerSecret} from './secrets.ts';

export interface M2MOptions {
	host: string; // normalised, e.g. https://dbc-….cloud.databricks.com
	clientId: string;
	clientSecret: string;
	timeoutMs: number;
	onWarning: (message: string) => void;
	retryMinMs?: number;
	retryMaxMs?: number;
	minForcedRefreshIntervalMs?: number;
}

/** The first 8 characters of a client id, for messages. */
export function shortClientId(clientId: string): string {
	return clientId.length > 8 ? `${clientId.slice(0, 8)}…` : clientId;
}

export async function fetchM2MToken(
	options: Pick<M2MOptions, 'host' | 'clientId' | 'clientSecret' | 'timeoutMs'>,
	signal?: AbortSignal,
): Promise<FetchedToken> {
	const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64');
	registerSecret(basic);
	const url = `${options.host}/oidc/v1/token`;
	let answer;
	try {
		answer = await httpRequest(url, {
			method: 'POST',
			headers: {
				authorization: `Basic ${basic}`,
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'application/json',
			},
			body: 'grant_type=client_credentials&scope=all-apis',
			timeoutMs: options.timeoutMs,
			signal,
		});
	} catch (error) {
		if (error instanceof NetworkError) throw new TokenFetchError(`token endpoint ${url}: ${error.message}`);
		throw error;
	}
	if (answer.status !== 200) {
		const detail = answerDetail(answer.text);
		// 400/401/403: the client id or secret is wrong, or the principal may not get tokens. Retrying will not help.
		const permanent = answer.status === 400 || answer.status === 401 || answer.status === 403;
		throw new TokenFetchError(`token endpoint ${url} answered ${answer.status}${detail ? ` (${detail})` : ''}`, permanent);
	}
	let json: unknown;
	try {
		json = JSON.parse(answer.text);
	} catch {
		throw new TokenFetchError(`token endpoint ${url} answered 200 with a body that is not JSON`);
	}
	const body = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
	const token = body['access_token'];
	if (typeof token !== 'string' || token.length === 0) {
		throw new TokenFetchError(`token endpoint ${url} answered 200 without an access_token`);
	}
	registerSecret(token);
	const expiresIn = Number(body['expires_in']);
	const seconds = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600;
	return {accessToken: token, expiresAt: Date.now() + seconds * 1000};
}

export function createM2MProvider(options: M2MOptions): RefreshingTokenProvider {
	registerSecret(options.clientSecret);
	return new RefreshingTokenProvider({
		kind: 'm2m',
		name: 'M2M OAuth',
		label: `M2M OAuth (client ${shortClientId(options.clientId)}) at ${options.host}`,
		host: options.host,
		fetchToken: (signal) => fetchM2MToken(options, signal),
		waitTimeoutMs: options.timeoutMs,
		onWarning: options.onWarning,
		retryMinMs: options.retryMinMs,
		retryMaxMs: options.retryMaxMs,
		minForcedRefreshIntervalMs: options.minForcedRefreshIntervalMs,
	});
}
