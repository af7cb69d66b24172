// Labels name an app in every screen and file, and are folder names: derive them, sanitise them.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
	const h = hostname.toLowerCase();
	return LOOPBACK_HOSTS.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h.endsWith('.localhost');
}

/** Folder-safe: letters, digits, dot, dash, underscore; at most 80 characters; never empty, never dots only. */
export function sanitizeLabel(text: string): string {
	const clean = text
		.normalize('NFKD')
		.replace(/[^A-Za-z0-9._-]+/g, '-')
		.replace(/-{2,}/g, '-')
		.replace(/^[-.]+|[-.]+$/g, '')
		.slice(0, 80);
	return clean && !/^\.+$/.test(clean) ? clean : 'app';
}

/**
 * The first DNS label of the URL without a trailing `-<digits>` workspace id
 * (`https://my-agent-medium-w2-5763476629593792.aws.databricksapps.com` -> `my-agent-medium-w2`);
 * `localhost-PORT` for loopback.
 */
export function deriveLabel(url: string): string {
	const u = new URL(url);
	if (isLoopbackHost(u.hostname)) {
		const port = u.port || (u.protocol === 'https:' ? '443' : '80');
		return `localhost-${port}`;
	}
	const first = u.hostname.split('.')[0] ?? u.hostname;
	return sanitizeLabel(first.replace(/-\d{6,}$/, ''));
}

/** Labels for the URLs: given ones (sanitised) by position, derived ones for the rest; duplicates get -2, -3… */
export function assignLabels(urls: string[], given: string[]): string[] {
	const used = new Set<string>();
	return urls.map((url, i) => {
		const base = given[i] ? sanitizeLabel(given[i]!) : deriveLabel(url);
		let label = base;
		for (let n = 2; used.has(label); n++) label = `${base}-${n}`;
		used.add(label);
		return label;
	});
}
