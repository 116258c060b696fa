// pages: helpers for driving the staff pages of docs/web.md in a browser
// context: withPage() (a fresh context and page per test, with a screenshot,
// the HTML and the server log on failure), watch() (console errors, page
// errors, dialogs), submit() (submit a form, wait for the page it leads to,
// and give the HTTP status of the POST itself), setField() (fill any kind of
// form field by name), and readers of the ticket page's timeline.
import fs from 'node:fs';
import path from 'node:path';

import { ROOT } from './desk.mjs';

export const FAILURES = path.join(ROOT, 'build', 'browser-failures');

// Collects what a page reports: console errors (CSP violations show up
// here), uncaught script errors, and dialogs (dismissed at once).
export function watch(page) {
	const w = { consoleErrors: [], pageErrors: [], dialogs: [] };
	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		const where = m.location().url || page.url();
		// Chromium asks for /favicon.ico by itself; the pages do not
		// link one, so its 404 is not the page's error
		if (new URL(where, 'http://x/').pathname === '/favicon.ico')
			return;
		w.consoleErrors.push(`${m.text()} (${where})`);
	});
	page.on('pageerror', (e) => w.pageErrors.push(`${e.message} (${page.url()})`));
	page.on('dialog', (d) => {
		w.dialogs.push(`${d.type()}: ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	return w;
}

function slug(s) {
	return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'test';
}

// Runs fn({page, context, w}) in a fresh browser context (logged in as user
// when given).  On failure it saves build/browser-failures/NAME.png and
// .html and adds the page's address, what the page reported and the tail of
// the server log to the error.
export async function withPage(desk, name, { user = null, javaScript = true } = {}, fn) {
	const context = await desk.newContext(user, { javaScript });
	const page = await context.newPage();
	const w = watch(page);
	try {
		return await fn({ page, context, w });
	} catch (e) {
		const base = path.join(FAILURES, slug(name));
		let saved = '';
		try {
			fs.mkdirSync(FAILURES, { recursive: true });
			await page.screenshot({ path: base + '.png', fullPage: true, timeout: 5000 });
			fs.writeFileSync(base + '.html', await page.content());
			saved = `\n  saved: ${base}.png, ${base}.html`;
		} catch {
			// the page may be gone
		}
		const extra = `\n  page: ${page.url()}` +
			`\n  console errors: ${JSON.stringify(w.consoleErrors)}` +
			`\n  page errors: ${JSON.stringify(w.pageErrors)}` +
			`\n  dialogs: ${JSON.stringify(w.dialogs)}${saved}${desk.logTail(15)}`;
		if (e && typeof e === 'object' && typeof e.message === 'string') {
			e.message += extra;
			// the reporters print the stack, made when the error was
			if (typeof e.stack === 'string')
				e.stack += extra;
		}
		throw e;
	} finally {
		await context.close().catch(() => {});
	}
}

// Clicks the submit button of the form (or the given button locator inside
// it), waits until the page it leads to has loaded and returns
// {post: the status of the POST response (303 for a successful form), final:
// the status of the page shown}.
export async function submit(page, formSelector, buttonSelector) {
	const form = page.locator(formSelector);
	const button = buttonSelector ? form.locator(buttonSelector)
		: form.locator('button[type=submit], input[type=submit], button:not([type])').first();
	const [nav] = await Promise.all([
		page.waitForNavigation({ waitUntil: 'load' }),
		button.click(),
	]);
	return navStatus(nav);
}

// The statuses of a navigation that may have been redirected.
export async function navStatus(nav) {
	if (!nav)
		throw new Error('the form did not load a new page');
	let req = nav.request();
	while (req.redirectedFrom())
		req = req.redirectedFrom();
	const first = await req.response();
	return { post: first ? first.status() : null, method: req.method(), final: nav.status() };
}

// Sets the form field `name` (an input, textarea, select, radio group or
// checkbox) to value; a select takes an option's value (or {label}).
export async function setField(form, name, value) {
	const field = form.locator(`[name="${name}"]`);
	const n = await field.count();
	if (n === 0)
		throw new Error(`the form has no field named ${name}`);
	const kind = await field.first().evaluate((e) => `${e.tagName.toLowerCase()}:${e.type || ''}`);
	if (kind.startsWith('select:')) {
		await field.first().selectOption(typeof value === 'object' ? value : String(value));
	} else if (kind === 'input:radio') {
		await form.locator(`[name="${name}"][value="${value}"]`).check();
	} else if (kind === 'input:checkbox') {
		if (value)
			await field.first().check();
		else
			await field.first().uncheck();
	} else {
		await field.first().fill(String(value));
	}
}

export async function formValue(form, name) {
	return form.locator(`[name="${name}"]`).first().inputValue();
}

// The ticket id of a /tickets/{id} address.
export function ticketIdOf(url) {
	const m = /\/tickets\/(\d+)(?:[/?#]|$)/.exec(new URL(url).pathname + '#');
	if (!m)
		throw new Error(`not a ticket page: ${url}`);
	return Number(m[1]);
}

// The timeline of the ticket page: [{id, kinds: ['note', ...], text}].
export async function timeline(page) {
	return page.locator('#timeline > li.event').evaluateAll((els) => els.map((e) => ({
		id: e.id,
		kinds: [...e.classList].filter((c) => c.startsWith('ev-')).map((c) => c.slice(3)),
		text: e.textContent.replace(/\s+/g, ' ').trim(),
	})));
}

export async function eventsOf(page, kind) {
	return (await timeline(page)).filter((e) => e.kinds.includes(kind));
}

// H:MM:SS or H:MM (as shown) in seconds; null when there is no such time.
export function parseDuration(text) {
	const m = /(\d+):(\d{2})(?::(\d{2}))?/.exec(text || '');
	if (!m)
		return null;
	return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] || 0);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Opens path and requires a 200 page: a failure names the status and the
// page's error text (such as "this page is not built yet").
export async function open(page, urlPath) {
	const r = await page.goto(urlPath);
	if (!r || r.status() !== 200) {
		const err = await page.locator('p.error').allInnerTexts().catch(() => []);
		throw new Error(`GET ${urlPath} answered ${r ? r.status() : 'nothing'}` +
			(err.length ? `: ${err.join(' / ')}` : ''));
	}
	return r;
}
