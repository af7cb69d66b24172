// A small HTTP helper for the token endpoint and the workspace REST API (not for the load itself).
import {request} from 'undici';
import {describeNetworkError} from '../client/net-errors.ts';
import {redact} from './secrets.ts';

export interface HttpAnswer {
	status: number;
	text: string;
}

export interface HttpInit {
	method: 'GET' | 'POST';
	headers: Record<string, string>;
	body?: string;
	timeoutMs: number;
	signal?: AbortSignal;
}

/** A request that got no HTTP answer; the message is short, stable and holds no secret. */
export class NetworkError extends Error {
	override name = 'NetworkError';
}

const MAX_BODY = 1 << 20;

function describe(error: unknown): string {
	return redact(describeNetworkError(error));
}

/** Sends one request and reads the whole answer. Throws NetworkError when no HTTP answer came in time. */
export async function httpRequest(url: string, init: HttpInit): Promise<HttpAnswer> {
	const timeout = AbortSignal.timeout(init.timeoutMs);
	const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
	try {
		const response = await request(url, {
			method: init.method,
			headers: init.headers,
			body: init.body,
			signal,
			headersTimeout: init.timeoutMs,
			bodyTimeout: init.timeoutMs,
		});
		let text = await response.body.text();
		if (text.length > MAX_BODY) text = text.slice(0, MAX_BODY);
		return {status: response.statusCode, text};
	} catch (error) {
		if (timeout.aborted) throw new NetworkError(`no answer within ${formatSeconds(init.timeoutMs)}`);
		if (init.signal?.aborted) throw new NetworkError('cancelled');
		throw new NetworkError(describe(error));
	}
}

export function formatSeconds(ms: number): string {
	const s = ms / 1000;
	return `${s < 10 ? Number(s.toFixed(1)) : Math.round(s)} s`;
}

/** A short, redacted detail from an error answer: the JSON `error`/`error_code`/`message` or the text's first line. */
export function answerDetail(text: string): string {
	let detail = '';
	try {
		const json = JSON.parse(text) as Record<string, unknown>;
		const parts = [json['error_code'], json['error'], json['error_description'], json['message']]
			.filter((v): v is string => typeof v === 'string' && v.length > 0);
		detail = [...new Set(parts)].join(': ');
	} catch {
		detail = text.trim().split('\n')[0] ?? '';
		if (/^\s*</.test(detail)) detail = ''; // an HTML error page says nothing useful
	}
	detail = redact(detail.replace(/\s+/g, ' ').trim());
	return detail.length > 120 ? `${detail.slice(0, 119)}…` : detail;
}
