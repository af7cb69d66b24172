// What one SSE `data:` payload means, parsing JSON only when the cheap test cannot decide.
// A text delta of the Responses API is recognised without JSON.parse (the hot path: ~80 a stream).
// Inside valid JSON, the exact token "error" can only be a key or a whole string value, so a payload
// that mentions neither "error" nor response.failed and is a text delta is a text delta.

export type EventKind =
	| {type: 'delta'; sentMs?: number}
	| {type: 'error'; message: string}
	| {type: 'invalid'}
	| {type: 'other'};

const OTHER: EventKind = {type: 'other'};
const DELTA: EventKind = {type: 'delta'};
const INVALID: EventKind = {type: 'invalid'};
/** One scan for both markers of an error (two `includes` scanned a delta twice). */
const MAYBE_ERROR = /"error"|response\.failed/;

function errorText(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value && typeof value === 'object') {
		const v = value as {message?: unknown; code?: unknown; error?: unknown};
		if (typeof v.message === 'string') return v.message;
		if (v.error !== undefined) return errorText(v.error);
		if (typeof v.code === 'string') return v.code;
		try {
			return JSON.stringify(value);
		} catch {
			return 'error';
		}
	}
	return String(value);
}

/**
 * Classifies one event payload. `wantDetail` asks for a full parse of a delta (to read the mock's send stamp),
 * used for the first delta of a stream only.
 */
export function classifyEvent(data: string, wantDetail = false): EventKind {
	const maybeError = MAYBE_ERROR.test(data);
	if (!maybeError && !wantDetail && data.includes('"response.output_text.delta"')) return DELTA;
	let parsed: unknown;
	try {
		parsed = JSON.parse(data);
	} catch {
		return INVALID;
	}
	if (!parsed || typeof parsed !== 'object') return OTHER;
	const o = parsed as Record<string, unknown>;
	if (o.type === 'error' || o.type === 'response.failed' || (o.error !== undefined && o.error !== null && o.error !== false)) {
		const source = o.error ?? (o.type === 'response.failed' ? (o.response as {error?: unknown} | undefined)?.error ?? 'response.failed' : o.message ?? o);
		return {type: 'error', message: errorText(source)};
	}
	if (o.type === 'response.output_text.delta') {
		if (typeof o.qpscope_sent_ms === 'number') return {type: 'delta', sentMs: o.qpscope_sent_ms};
		return DELTA;
	}
	// Chat-completions style chunks: {"choices":[{"delta":{"content":"..."}}]}
	const choices = o.choices;
	if (Array.isArray(choices) && choices.length > 0) {
		const delta = (choices[0] as {delta?: {content?: unknown}}).delta;
		if (delta && typeof delta.content === 'string' && delta.content.length > 0) return DELTA;
	}
	return OTHER;
}
