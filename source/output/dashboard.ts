// Builds the self-contained HTML dashboard: one file that works offline and by e-mail.
// The look and the logic live in report-template/ (dashboard.html, dashboard.css, dashboard.js); this module
// only reads the run folders, fills the template's data and inlines the CSS, the page script and Chart.js.
//
// Where files go:
//  - --output FILE: the dashboard is FILE (a folder, or a path ending in "/", gets FILE/dashboard.html).
//  - one run folder, no --output: RUN_DIR/dashboard.html; when RUN_DIR is read-only (no write permission bit,
//    or the write fails), ./<run folder name>-dashboard.html in the working directory instead.
//  - several run folders, no --output: ./dashboard.html in the working directory.
//  - a legacy Locust folder also gets its summary.json in qpscope's schema, beside the dashboard: RUN_DIR/summary.json
//    when the dashboard is in RUN_DIR, else <dashboard's folder>/<run folder name>.summary.json.
import {constants} from 'node:fs';
import {access, mkdir, readFile, stat, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import type {RunSummary} from '../types.ts';
import {UsageError} from '../config/errors.ts';
import {isLegacyRun, readLegacyRun} from './legacy.ts';

export const TEMPLATE_DIR = fileURLToPath(new URL('../../report-template/', import.meta.url));

export interface DashboardOptions {
	/** The dashboard file (or a folder for it). */
	output?: string;
	/** Base for relative paths and the default output of several runs; process.cwd() by default. */
	cwd?: string;
}

export interface DashboardResult {
	/** Absolute path of the dashboard written. */
	file: string;
	summaries: RunSummary[];
	/** Every file written, the dashboard first. */
	wrote: string[];
}

/** One run as the page sees it. */
export interface DashboardRun {
	/** Short unique name: the run folder's name (with its parent's when two share one). */
	name: string;
	summary: RunSummary;
}

export interface DashboardData {
	generatedAt: string;
	runs: DashboardRun[];
}

export interface ReadRun {
	summary: RunSummary;
	/** True when read (and corrected) from a legacy Locust folder rather than a summary.json. */
	legacy: boolean;
}

function noRunError(dir: string, why: string): UsageError {
	return new UsageError(
		`RUN_DIR has no summary.json or Locust results: ${dir} (${why}; expected summary.json, or test_config.json with <label>/results_stats.csv)`,
	);
}

/** Reads a run folder: its summary.json, else a legacy Locust run. Throws UsageError when it holds neither. */
export async function readRun(dir: string): Promise<ReadRun> {
	let info;
	try {
		info = await stat(dir);
	} catch {
		throw noRunError(dir, 'no such folder');
	}
	if (!info.isDirectory()) throw noRunError(dir, 'not a folder');
	const file = path.join(dir, 'summary.json');
	let text: string | null = null;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	if (text !== null) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch (error) {
			throw new UsageError(`${file} is not valid JSON (${(error as Error).message}): was the run interrupted while writing it?`);
		}
		const s = parsed as Partial<RunSummary> | null;
		if (!s || typeof s !== 'object' || s.schemaVersion !== 1 || !Array.isArray(s.apps)) {
			throw new UsageError(`${file} is not a qpscope summary (schemaVersion 1 with apps): point RUN_DIR at a qpscope run folder`);
		}
		return {summary: parsed as RunSummary, legacy: false};
	}
	if (await isLegacyRun(dir)) return {summary: await readLegacyRun(dir), legacy: true};
	throw noRunError(dir, 'found neither');
}

let chartJsCache: string | null = null;

/** Chart.js's UMD build, minified, without its sourceMappingURL comment, safe inside an inline <script>. */
export async function chartJsSource(): Promise<string> {
	if (chartJsCache !== null) return chartJsCache;
	const main = createRequire(import.meta.url).resolve('chart.js');
	const file = path.join(path.dirname(main), 'chart.umd.min.js');
	const code = (await readFile(file, 'utf8')).replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n');
	chartJsCache = safeInlineScript(code, file);
	return chartJsCache;
}

/** Makes code safe inside <script>...</script>: `</script` and `<!--` would end or confuse the element. */
export function safeInlineScript(code: string, what: string): string {
	// Both only ever occur inside string literals in practice, where `<\/` is the same string.
	const out = code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
	if (/<\/script/i.test(out)) throw new Error(`cannot inline ${what}: it contains </script`);
	return out;
}

/** JSON for a <script type="application/json">: `<` (so no `</script>` or `<!--`), U+2028 and U+2029 escaped. */
export function embedJson(value: unknown): string {
	return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The dashboard HTML for these runs: the template with its CSS, script, Chart.js and data filled in. */
export async function renderDashboard(data: DashboardData): Promise<string> {
	const [template, css, js, chart] = await Promise.all([
		readFile(path.join(TEMPLATE_DIR, 'dashboard.html'), 'utf8'),
		readFile(path.join(TEMPLATE_DIR, 'dashboard.css'), 'utf8'),
		readFile(path.join(TEMPLATE_DIR, 'dashboard.js'), 'utf8'),
		chartJsSource(),
	]);
	const fills: Record<string, string> = {
		CSS: css.replace(/<\/(style)/gi, '<\\/$1'),
		CHART_JS: chart,
		DASHBOARD_JS: safeInlineScript(js, 'dashboard.js'),
		DATA: embedJson(data),
	};
	const seen = new Set<string>();
	// One pass with a function: the inlined code is never scanned again and `$&`-style patterns stay literal.
	const html = template.replace(/\/\*\{\{(CSS|CHART_JS|DASHBOARD_JS|DATA)\}\}\*\//g, (_m, key: string) => {
		seen.add(key);
		return fills[key]!;
	});
	for (const key of Object.keys(fills)) {
		if (!seen.has(key)) throw new Error(`report-template/dashboard.html lacks the /*{{${key}}}*/ placeholder`);
	}
	return html;
}

/** Writable for us, and not marked read-only: root ignores permission bits, we respect them. */
async function writableDir(dir: string): Promise<boolean> {
	try {
		const info = await stat(dir);
		if (!info.isDirectory() || (info.mode & 0o222) === 0) return false;
		await access(dir, constants.W_OK);
		return true;
	} catch {
		return false;
	}
}

function runNames(dirs: string[]): string[] {
	const base = dirs.map((d) => path.basename(d) || d);
	return dirs.map((d, i) => {
		const name = base[i]!;
		if (base.filter((b) => b === name).length === 1) return name;
		const withParent = `${path.basename(path.dirname(d))}/${name}`;
		const same = dirs.filter((_, j) => `${path.basename(path.dirname(dirs[j]!))}/${base[j]}` === withParent).length;
		return same === 1 ? withParent : `${withParent} #${i + 1}`;
	});
}

const safeFileName = (name: string) => name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '') || 'run';

function isPermissionError(error: unknown): boolean {
	const code = (error as NodeJS.ErrnoException).code;
	return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

/**
 * Reads the run folders and writes one dashboard for them all (see the top of this file for where files go).
 * Legacy Locust folders also get a summary.json in qpscope's schema beside the dashboard.
 */
export async function buildDashboard(runDirs: string[], opts: DashboardOptions = {}): Promise<DashboardResult> {
	if (runDirs.length === 0) throw new UsageError('no RUN_DIR given: name at least one run folder');
	const cwd = opts.cwd ?? process.cwd();
	const dirs = runDirs.map((d) => path.resolve(cwd, d));
	const reads: ReadRun[] = [];
	for (const dir of dirs) reads.push(await readRun(dir));
	const names = runNames(dirs);

	let file: string;
	let fallback: string | null = null;
	if (opts.output) {
		file = path.resolve(cwd, opts.output);
		const endsWithSep = /[\\/]$/.test(opts.output);
		let isDir = false;
		try {
			isDir = (await stat(file)).isDirectory();
		} catch {
			// a new file
		}
		if (isDir || endsWithSep) file = path.join(file, 'dashboard.html');
	} else if (dirs.length === 1) {
		file = path.join(dirs[0]!, 'dashboard.html');
		fallback = path.join(cwd, `${safeFileName(path.basename(dirs[0]!))}-dashboard.html`);
		if (!(await writableDir(dirs[0]!))) {
			file = fallback;
			fallback = null;
		}
	} else {
		file = path.join(cwd, 'dashboard.html');
	}

	const data: DashboardData = {
		generatedAt: new Date().toISOString(),
		runs: reads.map((r, i) => ({name: names[i]!, summary: r.summary})),
	};
	const html = await renderDashboard(data);
	try {
		await mkdir(path.dirname(file), {recursive: true});
		await writeFile(file, html);
	} catch (error) {
		if (!fallback || !isPermissionError(error)) throw error;
		file = fallback;
		await writeFile(file, html);
	}
	const wrote = [file];

	// Legacy runs: their summary.json, in qpscope's schema, beside the dashboard.
	const outDir = path.dirname(file);
	const used = new Set<string>();
	for (const [i, r] of reads.entries()) {
		if (!r.legacy) continue;
		let target: string;
		if (path.resolve(outDir) === dirs[i]) {
			target = path.join(outDir, 'summary.json');
		} else {
			const stem = safeFileName(path.basename(dirs[i]!));
			target = path.join(outDir, `${stem}.summary.json`);
			for (let n = 2; used.has(target); n++) target = path.join(outDir, `${stem}-${n}.summary.json`);
		}
		used.add(target);
		await writeFile(target, `${JSON.stringify(r.summary, null, '\t')}\n`);
		wrote.push(target);
	}
	return {file, summaries: reads.map((r) => r.summary), wrote};
}
