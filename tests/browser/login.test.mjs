// Signing in and out (docs/web.md, "Sessions and safety"): a technician
// signs in through the #login form and sees the queue; a wrong password is
// refused on /login with the error; signing out through #logout ends the
// session on the server, so the old cookie no longer opens /tickets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { USERS, startDesk } from './lib/desk.mjs';
import { setField, submit, withPage } from './lib/pages.mjs';

let desk;
before(async () => {
	desk = await startDesk();
});
after(async () => {
	await desk?.stop();
});

// GET path with only the given session cookie: {status, location}.
async function getWithCookie(urlPath, session) {
	const r = await fetch(desk.url + urlPath, {
		redirect: 'manual', headers: { Cookie: `evid_session=${session}` },
	});
	await r.arrayBuffer();
	return { status: r.status, location: r.headers.get('location') };
}

async function logIn(page, user, password = user.password) {
	const form = page.locator('form#login');
	await setField(form, 'email', user.email);
	await setField(form, 'password', password);
	return submit(page, 'form#login');
}

test('a technician signs in through the form and sees the queue', async (t) => {
	const marko = await desk.session(USERS.marko);
	const open = await desk.apiOk(marko, 'GET', '/api/v1/tickets?open_only=true&per_page=100');
	const expected = open.tickets.map((x) => x.number).sort();
	assert.ok(expected.length > 3, 'the demo data has active tickets');

	await withPage(desk, t.name, {}, async ({ page, context, w }) => {
		// without a session the queue sends the browser to the login page
		const first = await page.goto('/tickets');
		const redirect = first.request().redirectedFrom();
		assert.ok(redirect, 'GET /tickets without a session is redirected');
		assert.equal((await redirect.response()).status(), 303);
		const u = new URL(page.url());
		assert.equal(u.pathname, '/login');
		assert.equal(u.searchParams.get('next'), '/tickets');
		assert.equal(await page.locator('form#login input[name=next]').inputValue(), '/tickets');
		assert.equal(await page.locator('form#login input[name=csrf]').count(), 1);

		const r = await logIn(page, USERS.ivana);
		assert.equal(r.post, 303, 'a successful login answers 303');
		assert.equal(new URL(page.url()).pathname, '/tickets');

		const cookie = (await context.cookies()).find((c) => c.name === 'evid_session');
		assert.ok(cookie, 'the login set evid_session');
		assert.equal(cookie.httpOnly, true);
		assert.equal(cookie.sameSite, 'Lax');

		// the queue: by default every active ticket, one row each
		const rows = await page.locator('table#queue tr[data-ticket]')
			.evaluateAll((trs) => trs.map((tr) => tr.dataset.ticket));
		assert.deepEqual(rows.slice().sort(), expected);
		for (const n of rows)
			assert.match(n, /^\d{4}-\d{6}$/);
		// each number links to its ticket
		const link = page.locator(`table#queue tr[data-ticket="${expected[0]}"] a[href^="/tickets/"]`);
		assert.ok(await link.count() >= 1, 'the row links to the ticket');
		await assert.doesNotReject(page.locator('header form#logout').waitFor());
		assert.deepEqual(w.consoleErrors, []);
		assert.deepEqual(w.pageErrors, []);
	});
});

test('a wrong password shows the error and stays on /login', async (t) => {
	await withPage(desk, t.name, {}, async ({ page, context }) => {
		await page.goto('/login');
		const r = await logIn(page, USERS.marko, 'wrong-password-1');
		assert.ok([400, 401, 409, 422].includes(r.post),
			`a refused login is shown again with 400/401/409/422, not ${r.post}`);
		assert.equal(new URL(page.url()).pathname, '/login');
		const error = page.locator('p.error[role=alert]');
		await error.waitFor();
		assert.notEqual((await error.innerText()).trim(), '');
		assert.equal(await page.locator('form#login input[name=email]').inputValue(),
			USERS.marko.email, 'the form keeps the email');
		assert.ok(!(await context.cookies()).some((c) => c.name === 'evid_session' && c.value),
			'no session cookie after a failed login');
		// still not signed in
		await page.goto('/tickets');
		assert.equal(new URL(page.url()).pathname, '/login');
	});
});

test('signing out ends the session on the server', async (t) => {
	await withPage(desk, t.name, {}, async ({ page, context }) => {
		await page.goto('/login');
		const r = await logIn(page, USERS.petra);
		assert.equal(r.post, 303);
		const old = (await context.cookies()).find((c) => c.name === 'evid_session').value;
		// the cookie opens the queue before signing out ...
		assert.equal((await getWithCookie('/tickets', old)).status, 200);

		const out = await submit(page, 'header form#logout');
		assert.equal(out.post, 303, 'POST /logout answers 303');
		assert.equal(new URL(page.url()).pathname, '/login');

		// ... and not after: the server forgot it
		const after = await getWithCookie('/tickets', old);
		assert.equal(after.status, 303);
		assert.equal(after.location, '/login?next=%2Ftickets');
		const me = await fetch(desk.url + '/api/v1/me', { headers: { Cookie: `evid_session=${old}` } });
		assert.equal(me.status, 401);
		await page.goto('/tickets');
		assert.equal(new URL(page.url()).pathname, '/login');
	});
});
