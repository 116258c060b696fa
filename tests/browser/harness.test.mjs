// The harness itself: the desk starts a demo database, the SMTP sink and
// `evid serve`; every demo login works through the JSON API; Debian's
// Chromium reaches the server; and mail that evid's outbox sends (a reply
// through the API) arrives at the sink, decoded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { COMPANY, USERS, startDesk } from './lib/desk.mjs';
import { withPage } from './lib/pages.mjs';

let desk;
before(async () => {
	desk = await startDesk();
});
after(async () => {
	await desk?.stop();
});

test('evid serve answers /healthz and every demo user logs in through the API', async () => {
	const h = await desk.api(null, 'GET', '/healthz');
	assert.equal(h.status, 200);
	assert.deepEqual(h.json, { status: 'ok' });
	for (const u of Object.values(USERS)) {
		const session = await desk.apiLogin(u);
		const me = await desk.apiOk(session, 'GET', '/api/v1/me');
		assert.equal(me.user.email, u.email);
		assert.equal(me.user.name, u.name);
	}
	const bad = await desk.api(null, 'POST', '/api/v1/login',
		{ email: USERS.marko.email, password: 'not-the-password' });
	assert.equal(bad.status, 401);
});

test('headless Chromium runs and reaches the server with the session cookie', async (t) => {
	assert.match(desk.browser.version(), /^\d+\./);
	await withPage(desk, t.name, { user: USERS.petra }, async ({ page, context }) => {
		const r = await page.goto('/api/v1/me');
		assert.equal(r.status(), 200);
		assert.equal(JSON.parse(await page.locator('body').innerText()).user.email,
			USERS.petra.email);
		const cookies = await context.cookies();
		assert.ok(cookies.some((c) => c.name === 'evid_session'));
	});
});

test('mail from the outbox arrives at the SMTP sink', async () => {
	const s = await desk.session(USERS.petra);
	const client = await desk.clientByName(s, 'Kvarner Logistika d.o.o.');
	const contact = await desk.contactByEmail(s, client.id, 'goran.simic@kvarner-logistika.hr');
	const ticket = await desk.createTicket(s, {
		subject: 'Provjera pošte iz testova', contact_id: contact.id, channel: 'phone',
		description: 'Probna prijava.',
	});
	const body = 'Poštovani,\n\nšaljemo probnu poruku: čćžšđ ČĆŽŠĐ.';
	await desk.apiOk(s, 'POST', `/api/v1/tickets/${ticket.id}/replies`, { body }, [201]);
	const msg = await desk.sink.waitFor((m) => m.subject.includes(`[#${ticket.number}]`));
	assert.deepEqual(msg.rcpts, [contact.email]);
	assert.match(msg.to, new RegExp(contact.email.replace(/\./g, '\\.')));
	assert.match(msg.subject, /Provjera pošte iz testova/);
	assert.ok(msg.text.includes('šaljemo probnu poruku: čćžšđ ČĆŽŠĐ.'), msg.text);
	assert.ok(msg.text.includes(COMPANY), 'the signature names the company: ' + msg.text);
});
