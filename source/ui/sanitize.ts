// Server text (failure messages, warnings) is untrusted: it must never steer the terminal.
// stripControl() removes escape sequences and control characters; displayWidth()/fitText() measure and
// cut plain text by terminal columns so a line never wraps.

// OSC (ESC ] ... BEL | ESC \ | ST), also the 8-bit form; an unterminated one runs to the next ESC or the end.
const OSC = /(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g;
// DCS, SOS, PM, APC strings (ESC P / X / ^ / _ ... ST), and their 8-bit forms.
const STRING_SEQ = /(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?/g;
// CSI (ESC [ or 0x9b) parameters, intermediates, final byte.
const CSI = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g;
// Any other escape: ESC, intermediates, final byte (ESC ( B, ESC c, ESC =, ...), or a lone ESC.
const ESC = /\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
// Line breaks and other whitespace controls become one space.
const SPACES = /[\t\n\v\f\r\x85\u2028\u2029]+/g;
// What is left of C0, DEL and C1.
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
// Bidirectional overrides and isolates can make text display in another order than it is stored.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text that is safe to print: no ANSI CSI/OSC/other escapes, no C0/C1 controls; newlines and tabs become spaces. */
export function stripControl(text: string): string {
	return String(text)
		.replace(OSC, '')
		.replace(STRING_SEQ, '')
		.replace(CSI, '')
		.replace(ESC, '')
		.replace(SPACES, ' ')
		.replace(CONTROLS, '')
		.replace(BIDI, '');
}

function isZeroWidth(cp: number): boolean {
	return (
		(cp >= 0x0300 && cp <= 0x036f) ||
		(cp >= 0x1ab0 && cp <= 0x1aff) ||
		(cp >= 0x1dc0 && cp <= 0x1dff) ||
		(cp >= 0x200b && cp <= 0x200f) ||
		(cp >= 0x20d0 && cp <= 0x20ff) ||
		(cp >= 0x2060 && cp <= 0x2064) ||
		(cp >= 0xfe00 && cp <= 0xfe0f) ||
		(cp >= 0xfe20 && cp <= 0xfe2f) ||
		cp === 0xfeff ||
		(cp >= 0xe0100 && cp <= 0xe01ef)
	);
}

function isWide(cp: number): boolean {
	return (
		(cp >= 0x1100 && cp <= 0x115f) ||
		(cp >= 0x231a && cp <= 0x231b) ||
		(cp >= 0x2329 && cp <= 0x232a) ||
		(cp >= 0x2e80 && cp <= 0x303e) ||
		(cp >= 0x3041 && cp <= 0x33ff) ||
		(cp >= 0x3400 && cp <= 0x4dbf) ||
		(cp >= 0x4e00 && cp <= 0x9fff) ||
		(cp >= 0xa000 && cp <= 0xa4cf) ||
		(cp >= 0xa960 && cp <= 0xa97f) ||
		(cp >= 0xac00 && cp <= 0xd7a3) ||
		(cp >= 0xf900 && cp <= 0xfaff) ||
		(cp >= 0xfe10 && cp <= 0xfe19) ||
		(cp >= 0xfe30 && cp <= 0xfe6f) ||
		(cp >= 0xff00 && cp <= 0xff60) ||
		(cp >= 0xffe0 && cp <= 0xffe6) ||
		(cp >= 0x1f300 && cp <= 0x1f64f) ||
		(cp >= 0x1f900 && cp <= 0x1f9ff) ||
		(cp >= 0x1f680 && cp <= 0x1f6ff) ||
		(cp >= 0x20000 && cp <= 0x3fffd)
	);
}

/** Terminal columns of plain (control-free) text; an approximation of string-width good for common scripts. */
export function displayWidth(text: string): number {
	let width = 0;
	let previousNarrow = false;
	for (const ch of text) {
		const cp = ch.codePointAt(0)!;
		if (cp === 0xfe0f && previousNarrow) {
			// Emoji presentation selector: the preceding symbol is drawn two columns wide.
			width += 1;
			previousNarrow = false;
			continue;
		}
		if (isZeroWidth(cp)) continue;
		const w = isWide(cp) ? 2 : 1;
		width += w;
		previousNarrow = w === 1;
	}
	return width;
}

/** Cut plain text to at most `width` columns, ending in '…' when it was cut. */
export function fitText(text: string, width: number): string {
	if (width <= 0) return '';
	if (displayWidth(text) <= width) return text;
	let out = '';
	let used = 0;
	for (const ch of text) {
		const w = displayWidth(ch);
		if (used + w > width - 1) break;
		out += ch;
		used += w;
	}
	return out + '…';
}

/** Plain text padded with spaces (or cut) to exactly `width` columns. */
export function padText(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const cut = fitText(text, width);
	const gap = ' '.repeat(Math.max(0, width - displayWidth(cut)));
	return align === 'left' ? cut + gap : gap + cut;
}
