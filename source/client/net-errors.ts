// One short, stable sentence for a request that got no HTTP answer (or lost its connection), shared by the
// load client and the token/apps API client. Never includes server text beyond an error code.

/** The first string `code` along the error's cause chain (undici wraps socket errors). */
function errorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const code = (current as {code?: unknown}).code;
		if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
		current = (current as {cause?: unknown}).cause;
	}
	const code = (error as {code?: unknown} | null)?.code;
	return typeof code === 'string' ? code : undefined;
}

export function describeNetworkError(error: unknown): string {
	const code = errorCode(error);
	switch (code) {
		case 'ECONNREFUSED':
			return 'connection refused';
		case 'ECONNRESET':
			return 'connection reset';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `host name not found (${code})`;
		case 'ETIMEDOUT':
		case 'UND_ERR_CONNECT_TIMEOUT':
			return 'connection timed out';
		case 'EPIPE':
			return 'broken pipe';
		case 'UND_ERR_SOCKET':
			return 'connection closed by the server';
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return `network unreachable (${code})`;
		case 'UND_ERR_HEADERS_TIMEOUT':
		case 'UND_ERR_BODY_TIMEOUT':
			return 'no answer in time';
		case 'CERT_HAS_EXPIRED':
		case 'DEPTH_ZERO_SELF_SIGNED_CERT':
		case 'SELF_SIGNED_CERT_IN_CHAIN':
		case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
		case 'ERR_TLS_CERT_ALTNAME_INVALID':
			return `TLS error (${code})`;
		default: {
			const message = error instanceof Error ? error.message : String(error);
			const text = code ? `${code}: ${message}` : message;
			// eslint-disable-next-line no-control-regex
			return text.split('\n')[0]!.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').slice(0, 160);
		}
	}
}
