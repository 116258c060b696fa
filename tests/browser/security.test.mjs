// Safety of the pages (docs/web.md, "Sessions and safety"): a form POST
// without the csrf field (or with a wrong one) is refused with 403 and
// changes nothing, while the page's own form works; markup in a subject or
// a note is shown as text (no element made, no script run, no dialog); and
// every page sends the documented Content-Security-Policy and other headers
// and runs without console errors or CSP violations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CSP, USERS, startDesk } from './lib/desk.mjs';
import { eventsOf, open, setField, submit, withPage } from './lib/pages.mjs';

let desk;
before(async () => {
	desk = await startDesk();
});
after(async () => {
	await desk?.stop();
});

async function newTicket(session, subject, description = 'Prijava za test.') {
	const client = await desk.clientByName(session, 'Knjigovodstvo Perić d.o.o.');
	const contact = await desk.contactByEmail(session, client.id,
		'damir.juric@knjigovodstvo-peric.hr');
	return desk.createTicket(session, { subject, description, contact_id: contact.id });
}

test('a form POST without the csrf field is refused with 403 and adds nothing', async (t) => {
	const session = await desk.session(USERS.marko);
	const ticket = await newTicket(session, 'Skener ne šalje na e-poštu');

	await withPage(desk, t.name, { user: USERS.marko }, async ({ page }) => {
		await open(page, `/tickets/${ticket.id}`);
		const token = await page.locator('form#note input[name=csrf]').inputValue();
		assert.match(token, /^[0-9a-f]{64}$/, 'the csrf field holds a SHA-256 in hex');
		for (const f of ['#fields', '#reply', '#note', '#logout'])
			assert.equal(await page.locator(`form${f} input[name=csrf]`).inputValue(), token,
				`form ${f} carries the session's csrf value`);
		const notesBefore = (await eventsOf(page, 'note')).length;

		// from the page itself (same origin, the session cookie goes along)
		const inPage = await page.evaluate(async ({ id, wrong }) => {
			const post = async (fields) => (await fetch(`/tickets/${id}/note`, {
				method: 'POST', body: new URLSearchParams(fields), redirect: 'manual',
				credentials: 'same-origin',
			})).status;
			return {
				none: await post({ body: 'bez tokena' }),
				empty: await post({ body: 'prazan token', csrf: '' }),
				wrong: await post({ body: 'krivi token', csrf: wrong }),
			};
		}, { id: ticket.id, wrong: '0'.repeat(64) });
		assert.deepEqual(inPage, { none: 403, empty: 403, wrong: 403 });

		// from outside the page with the context's cookie
		const r = await page.request.post(`/tickets/${ticket.id}/note`, {
			form: { body: 'izvana bez tokena' }, maxRedirects: 0,
		});
		assert.equal(r.status(), 403);
		// a token of another session is wrong too
		const other = await desk.newContext(USERS.petra);
		try {
			const p2 = await other.newPage();
			await p2.goto(`/tickets/${ticket.id}`);
			const otherToken = await p2.locator('form#note input[name=csrf]').inputValue();
			assert.notEqual(otherToken, token);
			const r2 = await page.request.post(`/tickets/${ticket.id}/note`, {
				form: { body: 'tuđi token', csrf: otherToken }, maxRedirects: 0,
			});
			assert.equal(r2.status(), 403);
		} finally {
			await other.close();
		}

		await page.reload();
		assert.equal((await eventsOf(page, 'note')).length, notesBefore, 'no note was added');
		const events = (await desk.ticket(session, ticket.id)).events;
		assert.equal(events.filter((e) => e.kind === 'note').length, 0);

		// the page's own form, with its token, works
		await setField(page.locator('form#note'), 'body', 'S tokenom.');
		const s = await submit(page, 'form#note');
		assert.equal(s.post, 303);
		assert.equal((await eventsOf(page, 'note')).length, notesBefore + 1);
	});
});

test('the login form refuses a POST without its double-submit token', async (t) => {
	await withPage(desk, t.name, {}, async ({ page, context }) => {
		await open(page, '/login');
		const pre = (await context.cookies()).find((c) => c.name === 'evid_pre');
		assert.ok(pre, 'GET /login sets evid_pre');
		assert.equal(pre.httpOnly, true);
		assert.equal(pre.sameSite, 'Strict');
		const token = await page.locator('form#login input[name=csrf]').inputValue();
		assert.ok(token.length >= 32, 'the login form carries a token');
		for (const csrf of [undefined, '', '0'.repeat(token.length)]) {
			const form = { email: USERS.petra.email, password: USERS.petra.password, next: '/tickets' };
			if (csrf !== undefined)
				form.csrf = csrf;
			const r = await page.request.post('/login', { form, maxRedirects: 0 });
			assert.equal(r.status(), 403, `csrf ${JSON.stringify(csrf)}`);
		}
		assert.ok(!(await context.cookies()).some((c) => c.name === 'evid_session' && c.value),
			'no session was made');
		// the form itself, with its token, signs in
		await page.locator('form#login input[name=email]').fill(USERS.petra.email);
		await page.locator('form#login input[name=password]').fill(USERS.petra.password);
		const s = await submit(page, 'form#login');
		assert.equal(s.post, 303);
		assert.equal(new URL(page.url()).pathname, '/tickets');
	});
});

const XSS_SUBJECT = '<script>window.__xss = 1; alert("xss")</script>' +
	'<img src=x onerror="window.__xss = 2; alert(2)"> & "navodnici"';
const XSS_NOTE = '<img src="/x.png" onerror="alert(3)"><b id="bold">debelo</b> <a href="javascript:alert(4)">link</a>';

async function assertInert(page, w) {
	const found = await page.evaluate(() => ({
		xss: window.__xss,
		imgs: document.querySelectorAll('img[src="x"], img[src="/x.png"], img[onerror]').length,
		bold: document.querySelectorAll('#bold').length,
		jsLinks: document.querySelectorAll('a[href^="javascript:"]').length,
		inlineScripts: [...document.scripts].filter((s) => !s.src).length,
		foreignScripts: [...document.scripts]
			.filter((s) => s.src && new URL(s.src).pathname !== '/static/app.js').length,
	}));
	assert.deepEqual(found, {
		xss: undefined, imgs: 0, bold: 0, jsLinks: 0, inlineScripts: 0, foreignScripts: 0,
	});
	assert.deepEqual(w.dialogs, [], 'no dialog opened');
	assert.deepEqual(w.pageErrors, []);
	assert.deepEqual(w.consoleErrors, [], 'nothing was blocked (nothing tried to run)');
}

test('markup in a subject and a note is shown as text', async (t) => {
	const session = await desk.session(USERS.marko);
	const ticket = await newTicket(session, XSS_SUBJECT);
	await desk.apiOk(session, 'POST', `/api/v1/tickets/${ticket.id}/notes`, { body: XSS_NOTE },
		[201]);

	await withPage(desk, t.name, { user: USERS.marko }, async ({ page, w }) => {
		await open(page, `/tickets/${ticket.id}`);
		const h1 = await page.locator('h1').evaluate((e) => e.textContent);
		assert.ok(h1.includes(XSS_SUBJECT), `h1 shows the subject as text: ${h1}`);
		const notes = await eventsOf(page, 'note');
		assert.equal(notes.length, 1);
		assert.ok(notes[0].text.includes('<b id="bold">debelo</b>'), notes[0].text);
		await assertInert(page, w);

		await open(page, '/tickets');
		const row = page.locator(`table#queue tr[data-ticket="${ticket.number}"]`);
		const text = await row.evaluate((e) => e.textContent);
		assert.ok(text.includes(XSS_SUBJECT), `the queue row shows the subject: ${text}`);
		await assertInert(page, w);
	});
});

test('pages send the CSP and the other headers, and run without console errors', async (t) => {
	const session = await desk.session(USERS.ivana);
	const ticket = await newTicket(session, 'Provjera zaglavlja');
	const checkHeaders = (r, what) => {
		const h = r.headers();
		assert.equal(h['content-security-policy'], CSP, `${what}: Content-Security-Policy`);
		assert.equal(h['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
		assert.equal(h['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
		assert.equal(h['cache-control'], 'no-store', `${what}: Cache-Control`);
		assert.match(h['content-type'], /^text\/html/, `${what}: Content-Type`);
	};

	const violations = [];
	const statics = [];
	const watchPage = async (context) => {
		await context.exposeFunction('__cspViolation', (v) => violations.push(v));
		await context.addInitScript(() => {
			document.addEventListener('securitypolicyviolation', (e) => {
				window.__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${location.pathname}`);
			});
		});
	};

	await withPage(desk, t.name + ' (signed out)', {}, async ({ page, context, w }) => {
		await watchPage(context);
		const r = await page.goto('/login');
		assert.equal(r.status(), 200);
		checkHeaders(r, '/login');
		assert.deepEqual(w.consoleErrors, []);
	});
	await withPage(desk, t.name, { user: USERS.ivana }, async ({ page, context, w }) => {
		await watchPage(context);
		page.on('response', (r) => {
			if (new URL(r.url()).pathname.startsWith('/static/'))
				statics.push(`${r.status()} ${new URL(r.url()).pathname}`);
		});
		for (const p of ['/tickets', '/tickets/new', `/tickets/${ticket.id}`, '/settings']) {
			const r = await page.goto(p);
			assert.equal(r.status(), 200, p);
			checkHeaders(r, p);
			// the assets, by their hashed addresses
			assert.match(await page.locator('script[src^="/static/app.js"]').getAttribute('src'),
				/^\/static\/app\.js\?v=\w+$/);
			assert.match(await page.locator('link[rel=stylesheet]').getAttribute('href'),
				/^\/static\/app\.css\?v=\w+$/);
			await page.waitForLoadState('load');
		}
		// the script really ran: the stopwatch of Ivana's demo ticket ticks
		const head = page.locator('header #running-timer .elapsed');
		const t1 = await head.innerText();
		await page.waitForFunction((before) =>
			document.querySelector('header #running-timer .elapsed').textContent !== before,
		t1, { timeout: 3000 });
		assert.deepEqual(w.consoleErrors, []);
		assert.deepEqual(w.pageErrors, []);
	});
	assert.deepEqual(violations, [], 'no CSP violations');
	assert.ok(statics.length >= 2, `the assets were loaded: ${statics}`);
	for (const s of statics)
		assert.match(s, /^(200|304) /, s);
});
