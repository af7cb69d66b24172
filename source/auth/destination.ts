// Where a bearer token may be sent: https anywhere, plain http only to this machine.
import {UsageError} from '../config/errors.ts';

function isLoopbackHostname(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
	if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
	// IPv4-mapped IPv6 of 127/8, as the URL parser prints it: ::ffff:7fxx:xxxx
	if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)) return true;
	if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
	return false;
}

/** True for URLs on this machine: 127.0.0.0/8, localhost, [::1]. False for anything else, including invalid URLs. */
export function isLoopbackUrl(url: string): boolean {
	try {
		return isLoopbackHostname(new URL(url).hostname);
	} catch {
		return false;
	}
}

/**
 * Bearer tokens go only over https, or over http to loopback. Throws UsageError for an http:// URL
 * elsewhere (or a URL that does not parse) when a token would be sent to it.
 */
export function assertTokenDestination(url: string, hasToken: boolean): void {
	if (!hasToken) return;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new UsageError(`"${url}" is not a valid URL: give a full URL such as https://my-app-123.aws.databricksapps.com`);
	}
	if (parsed.protocol === 'https:') return;
	if (parsed.protocol === 'http:' && isLoopbackHostname(parsed.hostname)) return;
	throw new UsageError(
		`${parsed.protocol}//${parsed.host} uses ${parsed.protocol}//: credentials are only sent over https:// (or plain http to localhost); use https:// or --auth-type none`,
	);
}
