// Lines of styled text built from segments, cut to a width by their visible columns. Colour is plain
// SGR added here (and only when colour is on), so the components stay string functions.
import {redact} from '../../auth/secrets.ts';
import {displayWidth, fitText, stripControl} from '../sanitize.ts';

export type Color = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

export interface Style {
	fg?: Color;
	bold?: boolean;
	dim?: boolean;
	inverse?: boolean;
}

export type Seg = string | {text: string; style: Style};

const FG: Record<Color, number> = {red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90};

export function paint(text: string, style: Style | undefined, color: boolean): string {
	if (!color || !style || text === '') return text;
	const on: number[] = [];
	const off: number[] = [];
	if (style.bold) on.push(1), off.push(22);
	if (style.dim) on.push(2), off.push(22);
	if (style.inverse) on.push(7), off.push(27);
	if (style.fg) on.push(FG[style.fg]), off.push(39);
	if (on.length === 0) return text;
	return `\x1b[${on.join(';')}m${text}\x1b[${off.reverse().join(';')}m`;
}

/** Untrusted text (server messages, warnings) made safe to show: no control sequences, no secrets. */
export function safe(text: string): string {
	return redact(stripControl(text));
}

export function s(text: string, style: Style): Seg {
	return {text, style};
}

/** Segments joined, cut at `width` columns (ending in '…' when cut), styled when colour is on. */
export function line(segs: readonly Seg[], width: number, color: boolean): string {
	const parts = segs.map((seg) => (typeof seg === 'string' ? {text: seg, style: undefined} : seg));
	const total = parts.reduce((n, p) => n + displayWidth(p.text), 0);
	if (total <= width) return parts.map((p) => paint(p.text, p.style, color)).join('');
	let out = '';
	let used = 0;
	for (const p of parts) {
		const w = displayWidth(p.text);
		if (used + w <= width - 1) {
			out += paint(p.text, p.style, color);
			used += w;
			continue;
		}
		let cut = '';
		let cutW = 0;
		for (const ch of p.text) {
			const cw = displayWidth(ch);
			if (used + cutW + cw > width - 1) break;
			cut += ch;
			cutW += cw;
		}
		out += paint(cut + '…', p.style, color);
		break;
	}
	return out;
}

/** Plain lines: the visible text of a styled line. */
export function plain(text: string): string {
	return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Word-wrap plain text into lines of at most `width` columns. */
export function wrapWords(text: string, width: number): string[] {
	const out: string[] = [];
	let current = '';
	for (const word of text.split(' ')) {
		if (word === '') continue;
		const next = current === '' ? word : `${current} ${word}`;
		if (displayWidth(next) <= width) {
			current = next;
			continue;
		}
		if (current !== '') out.push(current);
		current = displayWidth(word) <= width ? word : fitText(word, width);
	}
	if (current !== '') out.push(current);
	return out;
}
