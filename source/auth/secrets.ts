// Secrets that must never reach a terminal, a log or a result file.
// Every token provider registers what it holds; everything printed goes through redact().

const MAX_SECRETS = 1000;
const MIN_LENGTH = 4;

const secrets = new Set<string>();
let secretPattern: RegExp | null = null;

/** Token shapes redacted even when nobody registered them. */
const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi;
const TOKEN_SHAPES = [
	/\bdapi[A-Za-z0-9]{8,}(?:-\d+)?/g, // Databricks personal access tokens
	/\bdose[A-Za-z0-9]{16,}/g, // Databricks OAuth client secrets
	/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, // JWTs (OAuth access tokens)
];

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Remembers a secret so that redact() hides it. Empty and very short values (< 4 characters) are ignored. */
export function registerSecret(value: string | null | undefined): void {
	if (typeof value !== 'string' || value.length < MIN_LENGTH || secrets.has(value)) return;
	secrets.add(value);
	if (secrets.size > MAX_SECRETS) {
		// The oldest are long-expired tokens; a set iterates in insertion order.
		const oldest = secrets.values().next().value;
		if (oldest !== undefined) secrets.delete(oldest);
	}
	secretPattern = null;
}

/** The text with every registered secret and every bearer/PAT/JWT-looking token replaced by `***`. */
export function redact(text: string): string {
	let out = String(text);
	if (secrets.size > 0) {
		secretPattern ??= new RegExp(
			[...secrets]
				.sort((a, b) => b.length - a.length)
				.map(escapeRegExp)
				.join('|'),
			'g',
		);
		out = out.replace(secretPattern, '***');
	}
	out = out.replace(BEARER, '$1 ***');
	for (const shape of TOKEN_SHAPES) out = out.replace(shape, '***');
	return out;
}
