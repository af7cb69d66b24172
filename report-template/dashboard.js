// qpscope dashboard: draws the page from the JSON in #qpscope-data with Chart.js (inlined above this script).
// Every piece of text from the data (labels, URLs, failure messages, reasons, notes) is untrusted:
// it only ever reaches the page through textContent / text nodes, never innerHTML, and never as a link.
(function () {
	'use strict';

	var DATA = JSON.parse(document.getElementById('qpscope-data').textContent || '{"runs":[]}');
	var runs = Array.isArray(DATA.runs) ? DATA.runs : [];
	var multi = runs.length > 1;
	var hasChart = typeof window.Chart === 'function';

	// ---------- DOM helpers (text only) ----------
	function h(tag, props) {
		var e = document.createElement(tag);
		if (props) {
			Object.keys(props).forEach(function (k) {
				var v = props[k];
				if (v === null || v === undefined || v === false) return;
				if (k === 'class') e.className = v;
				else if (k === 'text') e.textContent = String(v);
				else if (k === 'title') e.title = String(v);
				else if (k === 'onclick') e.addEventListener('click', v);
				else if (k === 'color') e.style.backgroundColor = safeColor(v);
				else e.setAttribute(k, String(v));
			});
		}
		for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
		return e;
	}
	function append(e, c) {
		if (c === null || c === undefined || c === false) return;
		if (Array.isArray(c)) c.forEach(function (x) { append(e, x); });
		else e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	function byId(id) { return document.getElementById(id); }
	function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
	function safeColor(c) { return /^#[0-9a-f]{3,8}$/i.test(c) ? c : 'transparent'; }

	// ---------- formatting ----------
	function isNum(v) { return typeof v === 'number' && isFinite(v); }
	function fQps(v) { return !isNum(v) ? 'n/a' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1); }
	function fMs(v) {
		if (!isNum(v)) return 'n/a';
		if (v >= 10000) return (v / 1000).toFixed(1) + ' s';
		return (v >= 100 ? Math.round(v) : Math.round(v * 10) / 10).toLocaleString('en-US') + ' ms';
	}
	function fPct(r) {
		if (!isNum(r)) return 'n/a';
		var p = r * 100;
		if (p === 0) return '0%';
		if (p < 0.1) return '<0.1%';
		return (p < 10 ? p.toFixed(1) : Math.round(p).toString()) + '%';
	}
	function fInt(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : 'n/a'; }
	function fUsers(v) { return isNum(v) ? v.toLocaleString('en-US') + (v === 1 ? ' user' : ' users') : 'n/a'; }
	function fDate(iso) {
		if (!iso) return 'n/a';
		var d = new Date(iso);
		if (isNaN(d.getTime())) return String(iso);
		try {
			return d.toLocaleString(undefined, {year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short'});
		} catch (e) {
			return d.toISOString();
		}
	}
	function fDuration(fromIso, toIso) {
		var a = Date.parse(fromIso), b = Date.parse(toIso);
		if (!isFinite(a) || !isFinite(b) || b < a) return null;
		var s = Math.round((b - a) / 1000);
		if (s < 90) return s + ' s';
		var m = Math.round(s / 60);
		if (m < 90) return m + ' min';
		return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
	}
	function mean(a) { return a.reduce(function (x, y) { return x + y; }, 0) / a.length; }
	function sd(a) {
		if (a.length < 2) return null;
		var m = mean(a);
		return Math.sqrt(a.reduce(function (x, y) { return x + (y - m) * (y - m); }, 0) / (a.length - 1));
	}

	// ---------- theme ----------
	var PALETTE = ['#2f7ee6', '#e8890c', '#18a058', '#9b5de5', '#d9468f', '#0aa2c0', '#8a9a0c', '#a0662a', '#5b7fa6', '#d4a20a', '#6a5acd', '#2aa198'];
	function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
	var theme = {};
	var printing = false;
	var PRINT_THEME = {fg: '#000000', muted: '#444b53', grid: 'rgba(0,0,0,0.15)', bg: '#ffffff', bad: '#b00020', best: '#0b5fd1'};
	function readTheme() {
		theme = printing ? PRINT_THEME : {
			fg: cssVar('--fg') || '#1f2328',
			muted: cssVar('--muted') || '#59636e',
			grid: cssVar('--grid') || 'rgba(0,0,0,0.1)',
			bg: cssVar('--card') || '#ffffff',
			bad: cssVar('--bad') || '#d1242f',
			best: cssVar('--best') || '#0b5fd1',
		};
		if (hasChart) {
			Chart.defaults.color = theme.muted;
			Chart.defaults.borderColor = theme.grid;
			Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
			Chart.defaults.font.size = 12;
		}
	}

	// ---------- the data, flattened ----------
	var labels = []; // distinct app labels, first seen first
	var entries = []; // one per run x app
	runs.forEach(function (run, ri) {
		var s = run.summary || {};
		(s.apps || []).forEach(function (app) {
			if (labels.indexOf(app.label) < 0) labels.push(app.label);
			entries.push({
				ri: ri,
				run: run,
				summary: s,
				app: app,
				label: app.label,
				key: multi ? run.name + ' · ' + app.label : app.label,
				steps: Array.isArray(app.steps) ? app.steps : [],
				legacy: s.source === 'legacy-locust',
			});
		});
	});
	function colorOf(label) { return PALETTE[labels.indexOf(label) % PALETTE.length]; }
	entries.forEach(function (e) {
		e.color = colorOf(e.label);
		e.maxStep = maxStepOf(e);
	});
	var byLabel = {};
	entries.forEach(function (e) { (byLabel[e.label] = byLabel[e.label] || []).push(e); });
	var repeated = multi && labels.some(function (l) { return byLabel[l].length > 1; });

	/** The step that carries the app's max QPS: at maxQpsUsers, the one whose success QPS is closest to maxQps. */
	function maxStepOf(e) {
		var app = e.app;
		if (!isNum(app.maxQps)) return null;
		var best = null;
		e.steps.forEach(function (s) {
			if (isNum(app.maxQpsUsers) && s.users !== app.maxQpsUsers) return;
			var score = Math.abs(s.successQps - app.maxQps) + (s.passed === false ? 1e6 : 0);
			if (!best || score < best.score) best = {step: s, score: score};
		});
		return best ? best.step : null;
	}

	/** TTFT at the max step; for legacy runs (no per-step percentiles) the whole-run figure, marked. */
	function ttftAtMax(e, p) {
		var v = e.maxStep && e.maxStep.ttftMs ? e.maxStep.ttftMs[p] : null;
		if (isNum(v)) return {v: v, whole: false};
		var w = e.app.ttftMs ? e.app.ttftMs[p] : null;
		return isNum(w) ? {v: w, whole: true} : {v: null, whole: false};
	}
	function latencyAtMax(e, p) {
		var v = e.maxStep && e.maxStep.latencyMs ? e.maxStep.latencyMs[p] : null;
		if (isNum(v)) return {v: v, whole: false};
		var w = e.app.latencyMs ? e.app.latencyMs[p] : null;
		return isNum(w) ? {v: w, whole: true} : {v: null, whole: false};
	}

	// Compute size and app worker count, from the compute size or the label ("...-medium-w2", "large-w8").
	var SIZE_ORDER = ['xxsmall', 'xsmall', 'small', 'medium', 'large', 'xlarge', 'xxlarge', '2xlarge', '3xlarge', '4xlarge'];
	function sizeOf(e) {
		var c = String(e.app.computeSize || '').toLowerCase();
		if (c && c !== 'unknown') return c;
		var m = /(?:^|[^a-z0-9])(x{0,2}small|medium|x{0,2}large|[2-9]?xl(?:arge)?)(?=$|[^a-z0-9])/i.exec(e.label);
		return m ? m[1].toLowerCase() : null;
	}
	function workersOf(label) {
		var m = /(?:^|[^a-z0-9])w(\d{1,3})(?=$|[^a-z0-9])/i.exec(label) || /(\d{1,3})[-_ ]?workers?\b/i.exec(label) || /workers?[-_ =]?(\d{1,3})/i.exec(label);
		return m ? Number(m[1]) : null;
	}
	function sizeRank(s) {
		var i = SIZE_ORDER.indexOf(s);
		return i < 0 ? 100 : i;
	}

	// Per label: max QPS across the runs that have it.
	function labelStats(label) {
		var es = byLabel[label] || [];
		var vals = es.map(function (e) { return e.app.maxQps; }).filter(isNum);
		var users = es.map(function (e) { return e.app.maxQpsUsers; }).filter(isNum);
		return {
			label: label,
			entries: es,
			n: vals.length,
			mean: vals.length ? mean(vals) : null,
			sd: sd(vals),
			min: vals.length ? Math.min.apply(null, vals) : null,
			max: vals.length ? Math.max.apply(null, vals) : null,
			users: users.length ? mode(users) : null,
			size: sizeOf(es[0]),
			workers: workersOf(label),
		};
	}
	function mode(a) {
		var count = {}, best = a[0], n = 0;
		a.forEach(function (x) { count[x] = (count[x] || 0) + 1; if (count[x] > n) { n = count[x]; best = x; } });
		return best;
	}

	// ---------- header and notes ----------
	function renderHeader() {
		var title = byId('run-title');
		var meta = byId('run-meta');
		if (runs.length === 0) {
			title.textContent = 'No runs in this dashboard';
			return;
		}
		if (!multi) {
			var s = runs[0].summary;
			title.textContent = s.runName || runs[0].name;
			document.title = (s.runName || runs[0].name) + ' · qpscope';
			var parts = ['started ' + fDate(s.startedAt)];
			var took = s.finishedAt ? fDuration(s.startedAt, s.finishedAt) : null;
			if (took) parts.push('took ' + took);
			parts.push('run ' + (s.status || 'n/a'));
			parts.push((s.apps || []).length + ' app' + ((s.apps || []).length === 1 ? '' : 's'));
			if (s.source === 'legacy-locust') parts.push('read from a legacy Locust run');
			meta.textContent = parts.join(' · ');
		} else {
			title.textContent = runs.length + ' runs: ' + runs.map(function (r) { return r.name; }).join(', ');
			document.title = runs.length + ' runs · qpscope';
			var starts = runs.map(function (r) { return r.summary.startedAt; }).filter(Boolean).sort();
			meta.textContent = 'first started ' + fDate(starts[0]) + ' · ' + labels.length + ' configuration' + (labels.length === 1 ? '' : 's') +
				(repeated ? ' · repeated across runs' : '');
		}
		var tool = runs[0].summary.tool || {};
		byId('footer').textContent = 'Made by ' + (tool.name || 'qpscope') + ' ' + (tool.version || '') + ' on ' + fDate(DATA.generatedAt) +
			'. Self-contained: this file loads nothing from the network.';
		if (!repeated) byId('nav').querySelector('[data-section="consistency"]').hidden = true;
	}

	function renderNotes() {
		var box = byId('notes');
		var body = clear(byId('notes-body'));
		var withNotes = runs.filter(function (r) { return Array.isArray(r.summary.notes) && r.summary.notes.length > 0; });
		if (withNotes.length === 0) return;
		var anyLegacy = withNotes.some(function (r) { return r.summary.source === 'legacy-locust'; });
		byId('notes-title').textContent = anyLegacy ? 'Read from a legacy Locust run: what was corrected' : 'Notes';
		withNotes.forEach(function (r) {
			if (multi) body.appendChild(h('h3', {text: r.name + (r.summary.source === 'legacy-locust' ? ' (legacy Locust run)' : '')}));
			body.appendChild(h('ul', null, r.summary.notes.map(function (n) { return h('li', {text: n}); })));
		});
		box.hidden = false;
	}

	// ---------- the answer ----------
	function renderAnswer() {
		var text = clear(byId('answer-text'));
		var sub = clear(byId('answer-sub'));
		var ranked;
		if (repeated) {
			ranked = labels.map(labelStats).filter(function (s) { return isNum(s.mean); })
				.sort(function (a, b) { return b.mean - a.mean; });
			if (ranked.length === 0) return noAnswer(text, sub);
			var b = ranked[0];
			append(text, [h('strong', {text: b.label}), ' sustains ', h('span', {class: 'big', text: fQps(b.mean) + ' QPS'}),
				' on average over ' + b.n + ' run' + (b.n === 1 ? '' : 's') + ', at ', h('strong', {text: fUsers(b.users)})]);
			sub.appendChild(h('li', {text: 'Range across runs: ' + fQps(b.min) + '–' + fQps(b.max) + ' QPS' +
				(isNum(b.sd) ? ' (standard deviation ' + fQps(b.sd) + ', ' + Math.round(100 * b.sd / b.mean) + '% of the mean)' : '') + '.'}));
			if (ranked[1]) {
				var r2 = ranked[1];
				var overlap = r2.max >= b.min;
				sub.appendChild(h('li', {text: 'Next: ' + r2.label + ', ' + fQps(r2.mean) + ' QPS on average (' + fQps(r2.min) + '–' + fQps(r2.max) + ')' +
					(overlap ? ': the ranges overlap, so the ranking is not certain.' : '.')}));
			}
		} else {
			ranked = entries.filter(function (e) { return isNum(e.app.maxQps); }).sort(function (a, c) { return c.app.maxQps - a.app.maxQps; });
			if (ranked.length === 0) return noAnswer(text, sub);
			var e = ranked[0];
			append(text, [h('strong', {text: e.key}), ' sustains ', h('span', {class: 'big', text: fQps(e.app.maxQps) + ' QPS'}),
				' at ', h('strong', {text: fUsers(e.app.maxQpsUsers)})]);
			var t = ttftAtMax(e, 'p95');
			var details = 'Successful streams per second at its best step' + (e.app.computeSize && e.app.computeSize !== 'unknown' ? ', on ' + e.app.computeSize + ' compute' : '') +
				(isNum(t.v) ? '; TTFT p95 ' + fMs(t.v) + (t.whole ? ' (whole run)' : ' at that step') : '') + '.';
			sub.appendChild(h('li', {text: details}));
			if (ranked[1]) {
				var n = ranked[1];
				var lower = e.app.maxQps > 0 ? (1 - n.app.maxQps / e.app.maxQps) * 100 : 0;
				sub.appendChild(h('li', {text: 'Next: ' + n.key + ', ' + fQps(n.app.maxQps) + ' QPS at ' + fUsers(n.app.maxQpsUsers) + ' (' +
					(lower < 5 ? 'within ' + Math.max(lower, 0).toFixed(1) + '%: about a tie' : lower.toFixed(0) + '% lower') + ').'}));
			}
		}
		// Configurations that were still climbing: more users might have given more.
		var climbing = entries.filter(function (x) {
			return x.steps.length > 1 && x.app.saturatedAtUsers === null && isNum(x.app.maxQps) && x.app.maxQpsUsers === x.steps[x.steps.length - 1].users;
		});
		if (climbing.length > 0) {
			sub.appendChild(h('li', {text: 'Not saturated by the last step (max QPS still rising): ' + groupedKeys(climbing, function (x) { return fUsers(x.app.maxQpsUsers); }) +
				'. A ramp to more users might give more.'}));
		}
		var atUntrusted = entries.filter(function (x) { return x.maxStep && x.maxStep.untrusted; });
		if (atUntrusted.length > 0) {
			sub.appendChild(h('li', {class: 'bad-text', text: 'Careful: the max-QPS step is untrusted (the load generator itself was saturated, so the app may do better) for ' +
				groupedKeys(atUntrusted, null) + '.'}));
		}
		var untrusted = entries.filter(function (x) { return x.steps.some(function (s) { return s.untrusted && s !== x.maxStep; }); });
		if (untrusted.length > 0) {
			sub.appendChild(h('li', {text: 'Some steps are untrusted (the load generator itself was saturated; their figures may understate the app): ' +
				groupedKeys(untrusted, null) + '.'}));
		}
		var notDone = entries.filter(function (x) { return x.app.status && x.app.status !== 'completed'; });
		if (notDone.length > 0) {
			sub.appendChild(h('li', {text: 'Not completed: ' + notDone.map(function (x) {
				return x.key + ' (' + x.app.status + (x.app.reason ? ': ' + x.app.reason : '') + ')';
			}).join('; ') + '.'}));
		}
	}
	/** "a (40 users), b (35 users)" for one run; "a (r1, r3), b (r2)" for several. */
	function groupedKeys(list, detail) {
		if (!multi) return list.map(function (x) { return x.key + (detail ? ' (' + detail(x) + ')' : ''); }).join(', ');
		var order = [], runsOf = {};
		list.forEach(function (x) {
			if (!runsOf[x.label]) { runsOf[x.label] = []; order.push(x.label); }
			runsOf[x.label].push(x.run.name);
		});
		return order.map(function (l) { return l + ' (' + (runsOf[l].length === runs.length && runs.length > 1 ? 'all runs' : runsOf[l].join(', ')) + ')'; }).join(', ');
	}
	function noAnswer(text, sub) {
		text.textContent = 'No configuration completed a measured step, so there is no max QPS to report.';
		entries.forEach(function (x) {
			sub.appendChild(h('li', {text: x.key + ': ' + (x.app.status || 'n/a') + (x.app.reason ? ': ' + x.app.reason : '')}));
		});
	}

	// ---------- cards ----------
	function bestKey() {
		if (repeated) {
			var r = labels.map(labelStats).filter(function (s) { return isNum(s.mean); }).sort(function (a, b) { return b.mean - a.mean; });
			return r.length ? {label: r[0].label} : null;
		}
		var e = entries.filter(function (x) { return isNum(x.app.maxQps); }).sort(function (a, b) { return b.app.maxQps - a.app.maxQps; })[0];
		return e ? {entry: e} : null;
	}
	function renderCards() {
		var root = clear(byId('cards'));
		var best = bestKey();
		function isBest(e) { return best && (best.entry ? best.entry === e : best.label === e.label); }
		if (!multi) {
			root.appendChild(h('div', {class: 'cards'}, entries.map(function (e) { return card(e, isBest(e)); })));
			return;
		}
		runs.forEach(function (run, ri) {
			var es = entries.filter(function (e) { return e.ri === ri; });
			var det = h('details', {class: 'run-group'}, h('summary', {text: run.name + ' (' + es.length + ' app' + (es.length === 1 ? '' : 's') + ', ' + (run.summary.status || 'n/a') + ')'}),
				h('div', {class: 'cards'}, es.map(function (e) { return card(e, isBest(e)); })));
			if (runs.length <= 2 || (!repeated && es.some(isBest))) det.open = true;
			root.appendChild(det);
		});
	}
	function card(e, best) {
		var app = e.app;
		var status = app.status || 'n/a';
		var total = app.totalRequests || 0;
		var failRate = total > 0 ? (app.failedRequests || 0) / total : null;
		var t50 = ttftAtMax(e, 'p50'), t95 = ttftAtMax(e, 'p95');
		var last = e.steps.length ? e.steps[e.steps.length - 1] : null;
		var sat = isNum(app.saturatedAtUsers) ? 'at ' + fUsers(app.saturatedAtUsers) : last ? 'not reached (to ' + fUsers(last.users) + ')' : 'n/a';
		var ttftText = isNum(t50.v) || isNum(t95.v) ? fMs(t50.v) + ' / ' + fMs(t95.v) : 'n/a';
		var untrusted = e.steps.filter(function (s) { return s.untrusted && s !== e.maxStep; });
		var partial = e.steps.filter(function (s) { return s.partial; });
		var firstFailed = e.steps.filter(function (s) { return s.passed === false && (s.failedChecks || []).length; })[0];
		var ttfb = app.ttfbMs && isNum(app.ttfbMs.p50) ? app.ttfbMs : null;
		return h('article', {class: 'card' + (best ? ' best' : '')},
			h('div', {class: 'card-head'},
				h('div', null,
					h('div', {class: 'card-title'}, h('span', {class: 'swatch', color: e.color}), h('span', {text: app.label})),
					h('div', {class: 'card-sub', text: [multi ? e.run.name : null, app.computeSize && app.computeSize !== 'unknown' ? app.computeSize + ' compute' : null, app.url || null].filter(Boolean).join(' · ')})),
				h('div', null, best ? h('span', {class: 'badge best', text: 'best'}) : null, ' ', h('span', {class: 'badge ' + (/^[a-z]+$/.test(status) ? status : ''), text: status}))),
			app.reason ? h('div', {class: status === 'failed' ? 'card-bad' : 'card-warn', text: app.reason}) : null,
			h('dl', {class: 'kv'},
				kv('Max QPS', fQps(app.maxQps), 'hero'),
				kv('Users at max', fUsers(app.maxQpsUsers)),
				kv('Saturation', sat),
				kv('TTFT p50 / p95' + (t95.whole || t50.whole ? ' (whole run)' : ' at max'), ttftText),
				ttfb ? kv('TTFB p50 / p95 (whole run)', fMs(ttfb.p50) + ' / ' + fMs(ttfb.p95)) : kv('Latency p95 at max', fMs(latencyAtMax(e, 'p95').v)),
				kv('Failure rate', failRate === null ? 'n/a' : fPct(failRate), null, fInt(app.failedRequests) + ' of ' + fInt(total))),
			e.maxStep && e.maxStep.untrusted ? h('div', {class: 'card-bad', text: 'Max QPS comes from an untrusted step (' +
				(e.maxStep.untrustedReason || 'load generator saturated') + '): the app may do better.'}) : null,
			untrusted.length ? h('div', {class: 'card-bad', text: untrusted.length + (e.maxStep && e.maxStep.untrusted ? ' other' : '') + ' untrusted step' + (untrusted.length === 1 ? '' : 's') + ' (' +
				untrusted.map(function (s) { return s.users; }).join(', ') + ' users): ' + (untrusted[0].untrustedReason || 'load generator saturated')}) : null,
			partial.length ? h('div', {class: 'card-warn', text: 'Partial step' + (partial.length === 1 ? '' : 's') + ' at ' + partial.map(function (s) { return s.users; }).join(', ') + ' users (cut short).'}) : null,
			firstFailed ? h('div', {class: 'card-warn', text: 'First failed check at ' + fUsers(firstFailed.users) + ': ' + firstFailed.failedChecks.join('; ')}) : null);
	}
	function kv(k, v, cls, small) {
		return h('div', null, h('dt', {text: k}), h('dd', {class: cls || null}, v, small ? [' ', h('small', {text: '(' + small + ')'})] : null));
	}

	// ---------- consistency across repeated runs ----------
	function renderConsistency() {
		if (!repeated) return;
		byId('consistency').hidden = false;
		var rows = labels.map(labelStats).filter(function (s) { return s.entries.length > 0; });
		var worst = rows.filter(function (s) { return isNum(s.sd) && s.mean > 0; }).sort(function (a, b) { return b.sd / b.mean - a.sd / a.mean; })[0];
		byId('consistency-intro').textContent = 'Max QPS of each configuration in each run (QPS @ users), with the mean, the sample standard deviation and the range (min–max) across runs.' +
			(worst ? ' The least consistent is ' + worst.label + ' (standard deviation ' + Math.round(100 * worst.sd / worst.mean) + '% of its mean).' : '');
		var table = clear(byId('consistency-table'));
		var head = h('tr', null, h('th', {text: 'Configuration'}), h('th', {class: 'num', text: 'Runs'}), h('th', {class: 'num', text: 'Mean QPS'}),
			h('th', {class: 'num', text: 'Std dev'}), h('th', {class: 'num', text: 'Std dev %'}), h('th', {class: 'num', text: 'Range (min–max)'}),
			runs.map(function (r) { return h('th', {class: 'num', text: r.name, title: 'max QPS @ users at max'}); }));
		table.appendChild(h('thead', null, head));
		var body = h('tbody');
		rows.forEach(function (s) {
			var cv = isNum(s.sd) && s.mean > 0 ? s.sd / s.mean : null;
			body.appendChild(h('tr', null,
				h('td', {class: 'label-cell'}, h('span', {class: 'swatch', color: colorOf(s.label)}), ' ', s.label),
				h('td', {class: 'num', text: s.n + ' / ' + runs.length}),
				h('td', {class: 'num', text: fQps(s.mean)}),
				h('td', {class: 'num', text: isNum(s.sd) ? fQps(s.sd) : 'n/a'}),
				h('td', {class: 'num' + (cv !== null && cv > 0.1 ? ' bad' : ''), text: cv === null ? 'n/a' : (cv * 100).toFixed(1) + '%', title: cv !== null && cv > 0.1 ? 'varies by more than 10% between runs' : null}),
				h('td', {class: 'num', text: isNum(s.min) ? fQps(s.min) + '–' + fQps(s.max) : 'n/a'}),
				runs.map(function (r) {
					var e = s.entries.filter(function (x) { return x.run === r; })[0];
					if (!e) return h('td', {class: 'num muted', text: '–'});
					return h('td', {class: 'num', text: isNum(e.app.maxQps) ? fQps(e.app.maxQps) + ' @ ' + e.app.maxQpsUsers : (e.app.status || 'n/a'), title: e.app.reason || null});
				})));
		});
		table.appendChild(body);
	}

	// ---------- charts ----------
	var charts = []; // every Chart instance, to rebuild on a colour-scheme change
	var rampCharts = [];

	function chartCard(title, caption, small) {
		var box = h('div', {class: 'chart-box' + (small ? ' small' : '')});
		var c = h('div', {class: 'chart-card'}, h('h3', {text: title}), caption ? h('p', {class: 'caption', text: caption}) : null, box);
		return {card: c, box: box};
	}
	function placeholder(text) { return h('div', {class: 'placeholder', text: text}); }
	function makeChart(box, config, list) {
		if (!hasChart) {
			box.appendChild(placeholder('Charts are unavailable (Chart.js did not load); the tables below hold every figure.'));
			return null;
		}
		var canvas = h('canvas', {role: 'img', 'aria-label': config.ariaLabel || 'chart'});
		box.appendChild(canvas);
		var chart = new Chart(canvas, config);
		charts.push(chart);
		if (list) list.push(chart);
		return chart;
	}

	// Point styles: ◆ the max-QPS step, hollow red ○ an untrusted step, ▲ a partial step.
	function pointOptions(color) {
		function step(ctx) { return ctx.raw ? ctx.raw.s : null; }
		function isMax(ctx) { return ctx.raw ? ctx.raw.m : false; }
		return {
			pointStyle: function (ctx) { var s = step(ctx); return isMax(ctx) ? 'rectRot' : s && s.partial ? 'triangle' : 'circle'; },
			pointRadius: function (ctx) { var s = step(ctx); return isMax(ctx) ? 7 : s && s.untrusted ? 5 : s && s.partial ? 5 : 3; },
			pointHoverRadius: function (ctx) { return isMax(ctx) ? 9 : 6; },
			pointBorderWidth: function (ctx) { var s = step(ctx); return s && s.untrusted ? 2.5 : isMax(ctx) ? 2 : 1; },
			pointBorderColor: function (ctx) { var s = step(ctx); return s && s.untrusted ? theme.bad : isMax(ctx) ? theme.fg : color; }, // untrusted max: a hollow red diamond
			pointBackgroundColor: function (ctx) { var s = step(ctx); return s && s.untrusted ? theme.bg : color; },
		};
	}
	function points(e, get) {
		return e.steps.map(function (s) {
			var y = get(s);
			return {x: s.users, y: isNum(y) ? y : null, s: s, m: e.maxStep === s, e: e};
		});
	}
	function hasData(datasets) {
		return datasets.some(function (d) { return d.data.some(function (p) { return p.y !== null; }); });
	}
	function lineDataset(e, label, get, extra) {
		var d = {
			label: label,
			data: points(e, get),
			borderColor: e.color,
			backgroundColor: e.color,
			borderWidth: 2,
			tension: 0,
			spanGaps: false,
			clip: 12, // the last step's marker sits on the chart edge: let it show whole
		};
		var p = pointOptions(e.color);
		Object.keys(p).forEach(function (k) { d[k] = p[k]; });
		if (extra) Object.keys(extra).forEach(function (k) { d[k] = extra[k]; });
		return d;
	}

	function lineOptions(o) {
		return {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
			normalized: true,
			interaction: {mode: 'nearest', axis: 'x', intersect: false},
			layout: {padding: {top: 8, right: 14}},
			scales: {
				x: {type: 'linear', min: 0, max: o.xMax, title: {display: true, text: 'users (concurrent streams)'}, ticks: {precision: 0, maxTicksLimit: 12}, grid: {color: theme.grid}},
				y: {beginAtZero: true, suggestedMax: o.yMax, max: o.yHardMax, title: {display: true, text: o.yTitle}, ticks: {maxTicksLimit: 7}, grid: {color: theme.grid}},
			},
			plugins: {
				legend: {
					display: o.legend !== false,
					position: 'bottom',
					labels: {
						boxWidth: 18,
						boxHeight: 3,
						color: theme.fg,
						// One entry per configuration: repeated runs share its colour, and the legend names the label only.
						generateLabels: function (chart) {
							var items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
							items.forEach(function (it) {
								var d = chart.data.datasets[it.datasetIndex];
								if (d && d.legendText) it.text = d.legendText;
							});
							return items;
						},
						filter: function (item, data) {
							var d = data.datasets[item.datasetIndex];
							if (d.aux) return false;
							if (d.legendKey) {
								for (var i = 0; i < item.datasetIndex; i++) if (data.datasets[i].legendKey === d.legendKey) return false;
							}
							return true;
						},
					},
				},
				tooltip: {
					callbacks: {
						title: function (items) { return items.length ? fUsers(items[0].raw.x) : ''; },
						label: function (item) {
							var raw = item.raw;
							var tag = raw.m ? ' ◆ max QPS' : '';
							if (raw.s && raw.s.untrusted) tag += ' (untrusted)';
							if (raw.s && raw.s.partial) tag += ' (partial)';
							return item.dataset.label + ': ' + o.fmt(raw.y) + tag;
						},
						afterBody: function (items) {
							var lines = [];
							items.forEach(function (it) {
								var s = it.raw.s;
								if (s && s.untrusted && s.untrustedReason && lines.indexOf('untrusted: ' + s.untrustedReason) < 0) lines.push('untrusted: ' + s.untrustedReason);
							});
							return lines;
						},
					},
				},
			},
		};
	}

	var METRICS = [
		{id: 'qps', title: 'Throughput', yTitle: 'successful streams / s', fmt: function (v) { return fQps(v) + ' QPS'; }},
		{id: 'ttft', title: 'Time to first token', yTitle: 'TTFT (ms)', fmt: fMs, pcts: true, field: 'ttftMs'},
		{id: 'latency', title: 'Full-stream latency', yTitle: 'latency (ms)', fmt: fMs, pcts: true, field: 'latencyMs'},
		{id: 'fail', title: 'Failure rate', yTitle: 'failed requests (%)', fmt: function (v) { return isNum(v) ? v.toFixed(v < 10 ? 2 : 1) + '%' : 'n/a'; }},
	];
	var PCT_STYLE = {p50: {dash: [2, 3], width: 1.5}, p95: {dash: [], width: 2.2}, p99: {dash: [7, 4], width: 1.5}};

	var state = {mode: 'overlay', pct: 'p95', run: 'all'};

	function rampEntries() {
		return entries.filter(function (e) { return state.run === 'all' || String(e.ri) === state.run; });
	}
	function metricMax(es, m) {
		var mx = 0;
		es.forEach(function (e) {
			e.steps.forEach(function (s) {
				var vals = m.id === 'qps' ? [s.qps, s.successQps] : m.id === 'fail' ? [s.failureRate * 100] : ['p50', 'p95', 'p99'].map(function (p) { return s[m.field] ? s[m.field][p] : null; });
				vals.forEach(function (v) { if (isNum(v) && v > mx) mx = v; });
			});
		});
		return mx;
	}
	function missingText(m, es) {
		var legacy = es.some(function (e) { return e.legacy; });
		if (m.id === 'ttft') {
			var whole = es.filter(function (e) { return e.app.ttftMs && isNum(e.app.ttftMs.p95); });
			return 'No per-step TTFT' + (legacy ? ': the legacy Locust history only kept percentiles cumulated over the whole run.' : '.') +
				(whole.length ? ' Whole-run TTFT p50 / p95: ' + whole.map(function (e) { return e.key + ' ' + fMs(e.app.ttftMs.p50) + ' / ' + fMs(e.app.ttftMs.p95); }).join('; ') + '.' : '');
		}
		if (m.id === 'latency') {
			var ttfb = es.filter(function (e) { return e.app.ttfbMs && isNum(e.app.ttfbMs.p95); });
			return 'No full-stream latency' + (legacy ? ': the legacy POST timings stop at the response headers (time to first byte), so stream latency was never measured.' : '.') +
				(ttfb.length ? ' Whole-run TTFB p50 / p95: ' + ttfb.map(function (e) { return e.key + ' ' + fMs(e.app.ttfbMs.p50) + ' / ' + fMs(e.app.ttfbMs.p95); }).join('; ') + '.' : '');
		}
		return 'No steps were measured.';
	}

	function renderRampLegend(es) {
		var legend = clear(byId('ramp-legend'));
		append(legend, h('span', null, h('span', {class: 'sym', text: '◆'}), 'max-QPS step (marked on every chart)'));
		if (es.some(function (e) { return e.steps.some(function (s) { return s.untrusted; }); })) {
			append(legend, h('span', {class: 'bad'}, h('span', {class: 'sym', text: '○'}), 'hollow red point: untrusted step (the load generator itself was saturated)'));
		}
		if (es.some(function (e) { return e.steps.some(function (s) { return s.partial; }); })) {
			append(legend, h('span', null, h('span', {class: 'sym', text: '▲'}), 'partial step (cut short)'));
		}
		if (state.mode === 'overlay') append(legend, h('span', {text: 'TTFT and latency show the ' + state.pct + ' of each app (change it with Percentile).'}));
		else append(legend, h('span', {text: 'Each app on its own charts with the same scales; TTFT and latency show p50 (dotted), p95 (solid) and p99 (dashed).'}));
	}

	function renderRamps() {
		rampCharts.forEach(function (c) { c.destroy(); charts.splice(charts.indexOf(c), 1); });
		rampCharts = [];
		var root = clear(byId('ramp-charts'));
		var es = rampEntries();
		renderRampLegend(es);
		byId('pct-label').hidden = state.mode !== 'overlay';
		var measured = es.filter(function (e) { return e.steps.length > 0; });
		if (measured.length === 0) {
			root.appendChild(placeholder('No app has a measured step to draw.'));
			return;
		}
		var xMax = 0;
		measured.forEach(function (e) { e.steps.forEach(function (s) { if (s.users > xMax) xMax = s.users; }); });
		xMax = niceCeil(xMax);
		if (state.mode === 'overlay') renderOverlay(root, measured, xMax);
		else renderMultiples(root, es, xMax);
	}
	function niceCeil(x) {
		if (x <= 0) return 1;
		var step = Math.pow(10, Math.floor(Math.log10(x)));
		var n = Math.ceil(x / (step / 2)) * (step / 2);
		return n;
	}

	function metricDatasets(m, e, pct, overlay) {
		var name = overlay ? e.key : null;
		if (m.id === 'qps') {
			var ds = [lineDataset(e, overlay ? name : 'success QPS', function (s) { return s.successQps; }, {legendKey: overlay ? e.label : null, legendText: overlay ? e.label : null})];
			var differs = e.steps.some(function (s) { return Math.abs(s.qps - s.successQps) > 1e-9; });
			if (differs || !overlay) {
				ds.push(lineDataset(e, overlay ? name + ' (all completions)' : 'QPS incl. failures', function (s) { return s.qps; },
					{borderDash: [6, 4], borderWidth: 1.4, aux: overlay, pointRadius: 0, pointHoverRadius: 3}));
			}
			return ds;
		}
		if (m.id === 'fail') return [lineDataset(e, overlay ? name : 'failure %', function (s) { return s.failureRate * 100; }, {legendKey: overlay ? e.label : null, legendText: overlay ? e.label : null})];
		var ps = overlay ? [pct] : ['p50', 'p95', 'p99'];
		return ps.map(function (p) {
			return lineDataset(e, overlay ? name : p, function (s) { return s[m.field] ? s[m.field][p] : null; },
				{borderDash: overlay ? [] : PCT_STYLE[p].dash, borderWidth: overlay ? 2 : PCT_STYLE[p].width, legendKey: overlay ? e.label : null, legendText: overlay ? e.label : null});
		});
	}

	// When failures complete far faster than successes (an app shedding load with instant 503s), the
	// all-completions line would flatten the successful ones to zero: keep the scale on successes.
	function qpsScale(es) {
		var success = 0;
		var all = 0;
		es.forEach(function (e) { e.steps.forEach(function (s) { success = Math.max(success, s.successQps || 0); all = Math.max(all, s.qps || 0); }); });
		if (success > 0 && all > 2 * success) return {yMax: niceCeil(success * 1.15), note: ' All completions reach ' + Math.round(all).toLocaleString('en-US') + '/s, above the scale.'};
		return {yMax: undefined, note: ''};
	}

	function renderOverlay(root, es, xMax) {
		var scale = qpsScale(es);
		var grid = h('div', {class: 'grid-2'});
		root.appendChild(grid);
		METRICS.forEach(function (m) {
			var caption = m.id === 'qps' ? 'Successful streams per second at each step' + (es.some(function (e) { return e.steps.some(function (s) { return s.failures > 0; }); }) ? '; dashed: all completions, failures included.' : '.')
				: m.pcts ? state.pct + ' per step' + (m.id === 'ttft' ? ' (time to the first text delta).' : ' (to the end of the stream).')
				: 'Share of requests that failed at each step.';
			if (m.id === 'qps') caption += scale.note;
			var cc = chartCard(m.title + (m.pcts ? ' (' + state.pct + ')' : ''), caption, false);
			grid.appendChild(cc.card);
			var datasets = [];
			es.forEach(function (e) { datasets = datasets.concat(metricDatasets(m, e, state.pct, true)); });
			if (!hasData(datasets)) {
				cc.box.appendChild(placeholder(missingText(m, es)));
				cc.box.className = '';
				return;
			}
			var opts = lineOptions({xMax: xMax, yTitle: m.yTitle, fmt: m.fmt, yMax: m.id === 'fail' ? 1 : undefined, yHardMax: m.id === 'qps' ? scale.yMax : undefined});
			makeChart(cc.box, {type: 'line', data: {datasets: datasets}, options: opts, ariaLabel: m.title + ' by users, one line per app'}, rampCharts);
		});
	}

	function renderMultiples(root, es, xMax) {
		var wrap = h('div', {class: 'multiples'});
		root.appendChild(wrap);
		var maxes = {};
		METRICS.forEach(function (m) { maxes[m.id] = metricMax(es, m); });
		var scale = qpsScale(es);
		es.forEach(function (e) {
			var panel = h('div', {class: 'panel'},
				h('div', {class: 'panel-head'}, h('h3', {class: 'card-title'}, h('span', {class: 'swatch', color: e.color}), h('span', {text: e.key})),
					h('span', {class: 'badge ' + (/^[a-z]+$/.test(e.app.status || '') ? e.app.status : ''), text: e.app.status || 'n/a'})));
			wrap.appendChild(panel);
			if (e.steps.length === 0) {
				panel.appendChild(placeholder('No measured step' + (e.app.reason ? ': ' + e.app.reason : '.')));
				return;
			}
			var grid = h('div', {class: 'panel-grid'});
			panel.appendChild(grid);
			METRICS.forEach(function (m) {
				var box = h('div', {class: 'chart-box small'});
				grid.appendChild(h('div', null, h('h4', {text: m.title}), box));
				var datasets = metricDatasets(m, e, state.pct, false);
				if (!hasData(datasets)) {
					box.className = '';
					box.appendChild(placeholder(missingText(m, [e])));
					return;
				}
				var opts = lineOptions({xMax: xMax, yTitle: m.yTitle, fmt: m.fmt, yMax: m.id === 'fail' ? Math.max(1, maxes[m.id]) : maxes[m.id] || undefined, yHardMax: m.id === 'qps' ? scale.yMax : undefined, legend: m.id !== 'fail'});
				opts.scales.x.title.display = false;
				opts.plugins.legend.labels.boxWidth = 14;
				opts.plugins.legend.labels.font = {size: 11};
				makeChart(box, {type: 'line', data: {datasets: datasets}, options: opts, ariaLabel: m.title + ' of ' + e.key + ' by users'}, rampCharts);
			});
		});
	}

	// ---------- comparison across configurations ----------
	var barValuePlugin = {
		id: 'qpscopeBarValues',
		afterDatasetsDraw: function (chart) {
			var ctx = chart.ctx;
			ctx.save();
			ctx.font = '600 11px ' + Chart.defaults.font.family;
			ctx.fillStyle = theme.fg;
			ctx.textAlign = 'center';
			ctx.textBaseline = 'bottom';
			chart.data.datasets.forEach(function (d, di) {
				var meta = chart.getDatasetMeta(di);
				if (meta.hidden) return;
				meta.data.forEach(function (bar, i) {
					var v = d.data[i];
					if (!isNum(v)) return;
					var room = (bar.width || 0) + 6;
					var text = d.fmt(v);
					if (ctx.measureText(text).width > room && d.short) text = d.short(v);
					if (ctx.measureText(text).width > room) return; // too narrow: the tooltip has it
					var range = d.ranges ? d.ranges[i] : null;
					if (range && isNum(range[0]) && isNum(range[1]) && range[1] > range[0]) {
						var yLo = chart.scales.y.getPixelForValue(range[0]);
						var yHi = chart.scales.y.getPixelForValue(range[1]);
						ctx.strokeStyle = theme.fg;
						ctx.lineWidth = 1.5;
						ctx.beginPath();
						ctx.moveTo(bar.x, yLo); ctx.lineTo(bar.x, yHi);
						ctx.moveTo(bar.x - 5, yLo); ctx.lineTo(bar.x + 5, yLo);
						ctx.moveTo(bar.x - 5, yHi); ctx.lineTo(bar.x + 5, yHi);
						ctx.stroke();
						ctx.fillText(text, bar.x, Math.min(yHi, bar.y) - 3);
					} else {
						ctx.fillText(text, bar.x, bar.y - 3);
					}
				});
			});
			ctx.restore();
		},
	};

	function barOptions(yTitle, fmt, stacked, legend) {
		return {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
			layout: {padding: {top: 22}},
			scales: {
				x: {grid: {display: false}, ticks: {color: theme.fg, autoSkip: false, maxRotation: 40}},
				y: {beginAtZero: true, grace: '12%', title: {display: true, text: yTitle}, grid: {color: theme.grid}},
			},
			plugins: {
				legend: {display: legend, position: 'bottom', labels: {color: theme.fg, boxWidth: 14}},
				tooltip: {
					callbacks: {
						label: function (item) {
							var d = item.dataset;
							var s = d.tips ? d.tips[item.dataIndex] : null;
							return (d.label ? d.label + ': ' : '') + fmt(item.raw) + (s ? ' ' + s : '');
						},
					},
				},
			},
		};
	}

	/** A configuration's name on a bar chart's axis; one without a max QPS says why (skipped, failed...). */
	function axisLabel(s) {
		if (isNum(s.mean)) return s.label;
		var st = s.entries.map(function (e) { return e.app.status; }).filter(Boolean)[0];
		return s.label + ' (' + (st && st !== 'completed' ? st : 'no max') + ')';
	}

	function renderCompare() {
		var root = clear(byId('compare-charts'));
		var stats = labels.map(labelStats);
		if (stats.length < 2) {
			byId('compare').hidden = true;
			byId('nav').querySelector('[data-section="compare"]').hidden = true;
			return;
		}
		var withQps = stats.filter(function (s) { return isNum(s.mean); });
		var sizes = stats.map(function (s) { return s.size; });
		var workers = stats.map(function (s) { return s.workers; });
		var knownSize = sizes.filter(Boolean).length === stats.length && new Set(sizes).size > 1;
		var knownWorkers = workers.filter(isNum).length === stats.length && new Set(workers).size > 1;
		var pairs = stats.map(function (s) { return s.size + '|' + s.workers; });
		var grouped = knownSize && knownWorkers && new Set(pairs).size === pairs.length;
		var ordered = stats.slice().sort(function (a, b) {
			return sizeRank(a.size) - sizeRank(b.size) || String(a.size).localeCompare(String(b.size)) || (a.workers || 0) - (b.workers || 0) || labels.indexOf(a.label) - labels.indexOf(b.label);
		});
		var avg = repeated ? 'mean over runs; whiskers: min–max' : null;
		var intro;

		// Max QPS.
		var cc = chartCard('Max sustainable QPS', null, false);
		root.appendChild(cc.card);
		var data;
		if (grouped) {
			var xs = [];
			ordered.forEach(function (s) { if (xs.indexOf(s.size) < 0) xs.push(s.size); });
			var ws = workers.slice().filter(function (w, i, a) { return a.indexOf(w) === i; }).sort(function (a, b) { return a - b; });
			data = {labels: xs.map(function (x) { return x + ' compute'; }), datasets: ws.map(function (w, wi) {
				var pick = xs.map(function (x) { return stats.filter(function (s) { return s.size === x && s.workers === w; })[0] || null; });
				return {
					label: w + ' worker' + (w === 1 ? '' : 's'),
					data: pick.map(function (s) { return s ? s.mean : null; }),
					ranges: pick.map(function (s) { return s && repeated ? [s.min, s.max] : null; }),
					tips: pick.map(function (s) { return s ? '(' + s.label + (isNum(s.users) ? ', at ' + fUsers(s.users) : '') + ')' : null; }),
					backgroundColor: PALETTE[wi % PALETTE.length],
					fmt: fQps,
					skipNull: true,
					maxBarThickness: 70,
				};
			})};
			intro = 'Grouped by compute size (x axis) and app worker count (colour)';
		} else {
			var groupBy = knownSize ? 'size' : knownWorkers ? 'workers' : null;
			var groups = [];
			if (groupBy) ordered.forEach(function (s) { if (groups.indexOf(s[groupBy]) < 0) groups.push(s[groupBy]); });
			var xLabels = ordered.map(axisLabel);
			var mk = function (members, label, color) {
				return {
					label: label,
					data: ordered.map(function (s) { return members.indexOf(s) >= 0 ? s.mean : null; }),
					ranges: ordered.map(function (s) { return repeated && members.indexOf(s) >= 0 ? [s.min, s.max] : null; }),
					tips: ordered.map(function (s) { return isNum(s.users) ? '(at ' + fUsers(s.users) + ')' : null; }),
					backgroundColor: color,
					fmt: fQps,
					skipNull: true,
					maxBarThickness: 70,
				};
			};
			data = {labels: xLabels, datasets: groupBy
				? groups.map(function (g, gi) {
					return mk(ordered.filter(function (s) { return s[groupBy] === g; }), groupBy === 'size' ? g + ' compute' : g + ' worker' + (g === 1 ? '' : 's'), PALETTE[gi % PALETTE.length]);
				})
				: [Object.assign(mk(ordered, '', null), {backgroundColor: ordered.map(function (s) { return colorOf(s.label); })})]};
			intro = groupBy === 'size' ? 'Coloured by compute size' : groupBy === 'workers' ? 'Coloured by app worker count' : 'One bar per configuration';
		}
		if (withQps.length === 0) {
			cc.box.className = '';
			cc.box.appendChild(placeholder('No configuration has a max QPS.'));
		} else {
			makeChart(cc.box, {type: 'bar', data: data, options: barOptions('successful streams / s', fQps, false, data.datasets.length > 1), plugins: [barValuePlugin], ariaLabel: 'Max QPS per configuration'});
		}
		byId('compare-intro').textContent = intro + (avg ? '; ' + avg : '') + '. TTFT and latency are taken at each configuration\'s max-QPS step.';

		// TTFT p95 and latency p95 at max: one bar per configuration.
		[['TTFT p95 at max QPS', ttftAtMax, 'TTFT p95 (ms)'], ['Latency p95 at max QPS', latencyAtMax, 'latency p95 (ms)']].forEach(function (spec) {
			var vals = ordered.map(function (s) {
				var got = s.entries.map(function (e) { return spec[1](e, 'p95'); }).filter(function (g) { return isNum(g.v); });
				return {v: got.length ? mean(got.map(function (g) { return g.v; })) : null, whole: got.some(function (g) { return g.whole; }),
					min: got.length ? Math.min.apply(null, got.map(function (g) { return g.v; })) : null, max: got.length ? Math.max.apply(null, got.map(function (g) { return g.v; })) : null};
			});
			var whole = vals.some(function (x) { return x.whole; });
			var card2 = chartCard(spec[0].replace(' at max QPS', whole ? ' (whole run)' : ' at max QPS'),
				whole ? 'Per-step figures were not recorded (legacy run): whole-run values.' : null, false);
			root.appendChild(card2.card);
			if (!vals.some(function (x) { return isNum(x.v); })) {
				card2.box.className = '';
				card2.box.appendChild(placeholder(missingText(spec[1] === ttftAtMax ? METRICS[1] : METRICS[2], entries)));
				return;
			}
			var ds = {
				label: '',
				data: vals.map(function (x) { return x.v; }),
				ranges: vals.map(function (x) { return repeated ? [x.min, x.max] : null; }),
				backgroundColor: ordered.map(function (s) { return colorOf(s.label); }),
				fmt: fMs,
				short: function (v) { return v >= 1000 ? (v / 1000).toFixed(1) + 's' : String(Math.round(v)); },
				maxBarThickness: 70,
			};
			makeChart(card2.box, {type: 'bar', data: {labels: ordered.map(axisLabel), datasets: [ds]}, options: barOptions(spec[2], fMs, false, false), plugins: [barValuePlugin], ariaLabel: spec[0]});
		});
	}

	// ---------- tables ----------
	function sortableTable(table, columns, rows, initial) {
		var sort = initial || {col: null, dir: 1};
		var thead = h('thead');
		var tbody = h('tbody');
		clear(table).appendChild(thead);
		table.appendChild(tbody);
		var tr = h('tr');
		thead.appendChild(tr);
		var heads = columns.map(function (c, ci) {
			var arrow = h('span', {class: 'arrow', 'aria-hidden': 'true'});
			var th = h('th', {class: c.num ? 'num' : null, scope: 'col', title: c.tip || null},
				h('button', {type: 'button', onclick: function () {
					sort = {col: ci, dir: sort.col === ci ? -sort.dir : (c.num ? -1 : 1)};
					draw();
				}}, c.title, arrow));
			tr.appendChild(th);
			return {th: th, arrow: arrow};
		});
		function draw() {
			var list = rows.slice();
			if (sort.col !== null) {
				var c = columns[sort.col];
				list.sort(function (a, b) {
					var x = c.sort ? c.sort(a) : c.get(a), y = c.sort ? c.sort(b) : c.get(b);
					var xn = x === null || x === undefined || (typeof x === 'number' && !isFinite(x));
					var yn = y === null || y === undefined || (typeof y === 'number' && !isFinite(y));
					if (xn || yn) return xn === yn ? 0 : xn ? 1 : -1; // unknowns last either way
					if (typeof x === 'number' && typeof y === 'number') return (x - y) * sort.dir;
					return String(x).localeCompare(String(y), undefined, {numeric: true}) * sort.dir;
				});
			}
			heads.forEach(function (hd, i) {
				hd.arrow.textContent = sort.col === i ? (sort.dir > 0 ? '▲' : '▼') : '';
				hd.th.setAttribute('aria-sort', sort.col === i ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
			});
			clear(tbody);
			list.forEach(function (r) {
				var row = h('tr', {class: r.rowClass || null});
				columns.forEach(function (c) {
					var v = c.get(r);
					var cls = [c.num ? 'num' : null, c.cls ? c.cls(r) : null].filter(Boolean).join(' ');
					var cell = h('td', {class: cls || null, title: /label-cell/.test(cls) && typeof v === 'string' ? v : null});
					if (c.render) append(cell, c.render(r));
					else cell.textContent = c.fmt ? c.fmt(v) : v === null || v === undefined ? '–' : String(v);
					row.appendChild(cell);
				});
				tbody.appendChild(row);
			});
		}
		draw();
	}

	function dash(f) { return function (v) { var s = f(v); return s === 'n/a' ? '–' : s; }; }
	function renderResults() {
		var rows = [];
		entries.forEach(function (e) {
			e.steps.forEach(function (s) {
				rows.push({e: e, s: s, rowClass: [e.maxStep === s ? 'is-max' : null, s.untrusted ? 'is-untrusted' : null].filter(Boolean).join(' ') || null});
			});
		});
		var table = byId('results-table');
		if (rows.length === 0) {
			clear(table).appendChild(h('tbody', null, h('tr', null, h('td', {text: 'No measured steps.'}))));
			return;
		}
		var pc = function (field, p, title) { return {title: title, num: true, get: function (r) { return r.s[field] ? r.s[field][p] : null; }, fmt: dash(fMs)}; };
		var cols = [];
		if (multi) cols.push({title: 'Run', get: function (r) { return r.e.run.name; }, cls: function () { return 'label-cell'; }});
		cols.push(
			{title: 'App', get: function (r) { return r.e.label; }, cls: function () { return 'label-cell'; }},
			{title: 'Step', num: true, get: function (r) { return r.s.index; }},
			{title: 'Users', num: true, get: function (r) { return r.s.users; }},
			{title: 'Window s', num: true, tip: 'length of the steady window the figures cover', get: function (r) { return r.s.seconds; }, fmt: function (v) { return isNum(v) ? String(Math.round(v * 10) / 10) : '–'; }},
			{title: 'Requests', num: true, get: function (r) { return r.s.requests; }, fmt: dash(fInt)},
			{title: 'Failures', num: true, get: function (r) { return r.s.failures; }, fmt: dash(fInt), cls: function (r) { return r.s.failures > 0 ? 'bad' : null; }},
			{title: 'Fail %', num: true, get: function (r) { return r.s.failureRate; }, fmt: dash(fPct), cls: function (r) { return r.s.failureRate > 0 ? 'bad' : null; }},
			{title: 'QPS', num: true, tip: 'completions per second, failures included', get: function (r) { return r.s.qps; }, fmt: dash(fQps)},
			{title: 'Success QPS', num: true, tip: 'successful streams per second: the number max QPS uses', get: function (r) { return r.s.successQps; }, fmt: dash(fQps)},
			pc('ttftMs', 'p50', 'TTFT p50'), pc('ttftMs', 'p95', 'TTFT p95'), pc('ttftMs', 'p99', 'TTFT p99'),
			pc('latencyMs', 'p50', 'Latency p50'), pc('latencyMs', 'p95', 'Latency p95'), pc('latencyMs', 'p99', 'Latency p99'),
			pc('ttfbMs', 'p50', 'TTFB p50'), pc('itlMs', 'p50', 'ITL p50'),
			{title: 'Chunks', num: true, tip: 'text deltas per response', get: function (r) { return r.s.chunksPerResponse; }, fmt: function (v) { return isNum(v) ? (Math.round(v * 10) / 10).toString() : '–'; }},
			{title: 'Flags', get: function (r) { return flagText(r); }, cls: function () { return 'flags wrap-text'; }, render: function (r) { return flagNodes(r); }}
		);
		sortableTable(table, cols, rows, null);
	}
	function flagText(r) {
		var f = [];
		if (r.e.maxStep === r.s) f.push('max QPS');
		if (r.s.untrusted) f.push('untrusted');
		if (r.s.partial) f.push('partial');
		if (r.s.passed === false) f.push('failed checks');
		return f.join(' ');
	}
	function flagNodes(r) {
		var out = [];
		if (r.e.maxStep === r.s) out.push(h('span', {class: 'flag max', text: '◆ max QPS'}));
		if (r.s.untrusted) out.push(h('span', {class: 'flag bad', text: 'untrusted' + (r.s.untrustedReason ? ': ' + r.s.untrustedReason : '')}));
		if (r.s.partial) out.push(h('span', {class: 'flag warn', text: 'partial'}));
		if (r.s.passed === false && (r.s.failedChecks || []).length) out.push(h('span', {class: 'flag warn', text: r.s.failedChecks.join('; ')}));
		return out;
	}

	function renderFailures() {
		var root = clear(byId('failures-body'));
		var rows = [];
		entries.forEach(function (e) {
			var total = (e.app.failures || []).reduce(function (a, f) { return a + (f.count || 0); }, 0);
			(e.app.failures || []).forEach(function (f) { rows.push({e: e, f: f, share: total > 0 ? f.count / total : null}); });
		});
		if (rows.length === 0) {
			root.appendChild(h('p', {class: 'muted', text: 'No failed requests.'}));
			return;
		}
		root.appendChild(h('p', {class: 'muted', text: 'Messages are shown as the servers sent them (shortened), as plain text.'}));
		var table = h('table', {class: 'data sortable'});
		root.appendChild(h('div', {class: 'table-scroll tall'}, table));
		var cols = [];
		if (multi) cols.push({title: 'Run', get: function (r) { return r.e.run.name; }, cls: function () { return 'label-cell'; }});
		cols.push(
			{title: 'App', get: function (r) { return r.e.label; }, cls: function () { return 'label-cell'; }},
			{title: 'Outcome', get: function (r) { return r.f.outcome; }},
			{title: 'Message', get: function (r) { return r.f.message; }, cls: function () { return 'wrap-text mono'; }},
			{title: 'Count', num: true, get: function (r) { return r.f.count; }, fmt: fInt},
			{title: 'Share of app failures', num: true, get: function (r) { return r.share; }, fmt: dash(fPct)}
		);
		sortableTable(table, cols, rows, {col: cols.length - 2, dir: -1});
	}

	function fValue(v) {
		if (v === null || v === undefined) return '–';
		if (Array.isArray(v)) return v.length ? v.map(fValue).join(', ') : '(none)';
		if (typeof v === 'object') return JSON.stringify(v);
		return String(v);
	}
	var CONFIG_NAMES = {
		appUrls: 'App URLs', labels: 'Labels', computeSizes: 'Compute sizes', maxUsers: 'Max users', stepSize: 'Step size (users)',
		stepDuration: 'Step duration (s)', spawnRate: 'Spawn rate (users/s)', thinkTimeMs: 'Think time (ms)', warmup: 'Warm-up requests',
		maxFailureRate: 'Max failure rate', sloTtftP95Ms: 'SLO: TTFT p95 (ms)', sloLatencyP95Ms: 'SLO: latency p95 (ms)',
		stopWhenSaturated: 'Stop when saturated', parallelApps: 'Apps in parallel', requestTimeoutS: 'Request timeout (s)',
		idleTimeoutS: 'Idle timeout (s)', workers: 'Load generator workers', authType: 'Auth',
	};
	function renderConfig() {
		var table = clear(byId('config-table'));
		var keys = [];
		runs.forEach(function (r) {
			Object.keys(r.summary.config || {}).forEach(function (k) { if (k !== 'notRecorded' && keys.indexOf(k) < 0) keys.push(k); });
		});
		var head = h('tr', null, h('th', {text: 'Parameter'}), multi ? runs.map(function (r) { return h('th', {text: r.name}); }) : h('th', {text: 'Value'}));
		table.appendChild(h('thead', null, head));
		var body = h('tbody');
		keys.forEach(function (k) {
			var vals = runs.map(function (r) {
				var c = r.summary.config || {};
				var nr = Array.isArray(c.notRecorded) && c.notRecorded.indexOf(k) >= 0;
				return nr ? 'not recorded' : k === 'maxFailureRate' && isNum(c[k]) ? fPct(c[k]) : fValue(c[k]);
			});
			var differs = multi && new Set(vals).size > 1;
			body.appendChild(h('tr', {class: differs ? 'diff' : null, title: differs ? 'differs between runs' : null},
				h('td', {text: CONFIG_NAMES[k] || k}),
				vals.map(function (v) { return h('td', {class: 'wrap-text' + (v === 'not recorded' ? ' muted' : ''), text: v}); })));
		});
		body.appendChild(h('tr', null, h('td', {text: 'Run started / finished'}), runs.map(function (r) {
			return h('td', {text: fDate(r.summary.startedAt) + ' → ' + (r.summary.finishedAt ? fDate(r.summary.finishedAt) : 'n/a')});
		})));
		body.appendChild(h('tr', null, h('td', {text: 'Data source'}), runs.map(function (r) {
			return h('td', {text: r.summary.source === 'legacy-locust' ? 'legacy Locust run (corrected: see the notes)' : 'qpscope ' + ((r.summary.tool || {}).version || '')});
		})));
		table.appendChild(body);
	}

	// ---------- controls ----------
	function setupControls() {
		var overlay = byId('mode-overlay'), multiples = byId('mode-multiples');
		function setMode(m) {
			state.mode = m;
			overlay.setAttribute('aria-pressed', String(m === 'overlay'));
			multiples.setAttribute('aria-pressed', String(m === 'multiples'));
			renderRamps();
		}
		overlay.addEventListener('click', function () { setMode('overlay'); });
		multiples.addEventListener('click', function () { setMode('multiples'); });
		byId('pct-select').addEventListener('change', function (ev) { state.pct = ev.target.value; renderRamps(); });
		if (multi) {
			var sel = byId('run-select');
			sel.appendChild(h('option', {value: 'all', text: 'All runs'}));
			runs.forEach(function (r, i) { sel.appendChild(h('option', {value: String(i), text: r.name})); });
			byId('run-select-label').hidden = false;
			sel.addEventListener('change', function () { state.run = sel.value; renderRamps(); });
		}
	}

	function renderAllCharts() {
		charts.slice().forEach(function (c) { c.destroy(); });
		charts = [];
		rampCharts = [];
		readTheme();
		renderRamps();
		renderCompare();
	}

	function start() {
		readTheme();
		renderHeader();
		renderNotes();
		renderAnswer();
		renderCards();
		renderConsistency();
		setupControls();
		renderAllCharts();
		renderResults();
		renderFailures();
		renderConfig();
		// Re-colour the charts when the system switches between light and dark, and for printing (light).
		if (window.matchMedia) {
			var mq = window.matchMedia('(prefers-color-scheme: dark)');
			var onChange = function () { renderAllCharts(); };
			if (mq.addEventListener) mq.addEventListener('change', onChange);
			else if (mq.addListener) mq.addListener(onChange);
		}
		window.addEventListener('beforeprint', function () { printing = true; renderAllCharts(); charts.forEach(function (c) { c.resize(); }); });
		window.addEventListener('afterprint', function () { printing = false; renderAllCharts(); });
		document.documentElement.setAttribute('data-ready', 'true');
	}

	start();
})();
