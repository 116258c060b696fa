// A ticket taken down on the phone (docs/web.md, "New ticket"): the form
// #new-ticket with channel phone, a demo client and its contact, subject,
// description and start_timer ticked leads to the new ticket's page with
// the stopwatch running on it.  The form is filled as a plain HTML form
// (JavaScript off: the contract says every action works without it, and the
// client and contact fields are then the <select>s of the contract, not the
// script's type-to-find boxes); the ticket page is then opened with
// JavaScript on as well.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { USERS, startDesk } from './lib/desk.mjs';
import {
	eventsOf, open, setField, submit, ticketIdOf, timeline, withPage,
} from './lib/pages.mjs';

let desk;
before(async () => {
	desk = await startDesk();
});
after(async () => {
	await desk?.stop();
});

test('a phone ticket with start_timer lands on its page with the stopwatch running', async (t) => {
	const session = await desk.session(USERS.marko);
	const me = (await desk.apiOk(session, 'GET', '/api/v1/me')).user;
	const client = await desk.clientByName(session, 'Kvarner Logistika d.o.o.');
	const contact = await desk.contactByEmail(session, client.id,
		'ivona.tomic@kvarner-logistika.hr');
	assert.equal((await desk.apiOk(session, 'GET', '/api/v1/timer')).timer, null,
		"Marko's stopwatch is not running before");
	const subject = 'Čitač barkodova na rampi 2 ne očitava etikete';
	const description = 'Gđa Tomić zove: ručni čitač na rampi 2 javlja grešku ' +
		'"decode failed" za sve etikete od jutros.';
	let id;

	await withPage(desk, t.name, { user: USERS.marko, javaScript: false },
		async ({ page }) => {
			const r = await open(page, '/tickets/new');
			assert.equal(r.status(), 200);
			const form = page.locator('form#new-ticket');
			assert.equal(await form.getAttribute('method').then((m) => m.toLowerCase()), 'post');
			assert.equal(await form.locator('input[name=csrf]').count(), 1);
			await setField(form, 'channel', 'phone');
			await setField(form, 'client_id', String(client.id));
			await setField(form, 'contact_id', String(contact.id));
			await setField(form, 'subject', subject);
			await setField(form, 'description', description);
			await setField(form, 'start_timer', true);
			const s = await submit(page, 'form#new-ticket');
			assert.equal(s.post, 303, 'POST /tickets/new answers 303');
			id = ticketIdOf(page.url());

			const ticket = await desk.ticket(session, id);
			assert.equal(ticket.subject, subject);
			assert.equal(ticket.channel, 'phone');
			assert.equal(ticket.client_id, client.id);
			assert.equal(ticket.contact_id, contact.id);
			assert.equal(ticket.assignee_id, me.id, 'the assignee defaults to the user');
			assert.equal(ticket.created_by_id, me.id);
			const h1 = await page.locator('h1').innerText();
			assert.ok(h1.includes(ticket.number), `h1 "${h1}" has the number`);
			assert.ok(h1.includes(subject), `h1 "${h1}" has the subject`);

			// the description is the first event
			const events = await timeline(page);
			assert.ok(events.length >= 1);
			assert.ok(events[0].kinds.includes('message_in'), JSON.stringify(events[0]));
			assert.ok(events[0].text.includes('"decode failed"'), events[0].text);
			assert.equal((await eventsOf(page, 'message_in')).length, 1);

			// the stopwatch runs here, in the page and in the database
			await page.locator('#stopwatch #timer-stop').waitFor();
			assert.equal(await page.locator('#stopwatch #timer-start').count(), 0);
			const started = Number(await page.locator('#stopwatch .elapsed')
				.getAttribute('data-started'));
			assert.ok(Math.abs(started - Date.now() / 1000) < 120,
				`data-started ${started} is about now`);
			assert.match(await page.locator('#stopwatch .elapsed').innerText(),
				/^\d+:\d{2}:\d{2}$/);
			const timer = (await desk.apiOk(session, 'GET', '/api/v1/timer')).timer;
			assert.ok(timer, 'the stopwatch runs');
			assert.equal(timer.ticket_id, id);
			assert.equal(Date.parse(timer.started_at) / 1000, started);
			const head = page.locator('header a#running-timer');
			assert.equal(await head.getAttribute('href'), `/tickets/${id}`);
			assert.ok((await head.innerText()).includes(ticket.number));
		});

	// the same page with JavaScript: the stopwatch in the header too
	await withPage(desk, t.name + ' (JavaScript on)', { user: USERS.marko },
		async ({ page, w }) => {
			await open(page, `/tickets/${id}`);
			await page.locator('#stopwatch #timer-stop').waitFor();
			await page.locator('header a#running-timer .elapsed').waitFor();
			assert.deepEqual(w.consoleErrors, []);
			assert.deepEqual(w.pageErrors, []);
		});
});

test('the new ticket appears in the queue', async (t) => {
	const session = await desk.session(USERS.marko);
	const list = await desk.apiOk(session, 'GET', '/api/v1/tickets?sort=created&per_page=1');
	const newest = list.tickets[0];
	assert.equal(newest.channel, 'phone', 'the ticket of the test before is the newest');
	await withPage(desk, t.name, { user: USERS.marko }, async ({ page }) => {
		await open(page, '/tickets');
		const row = page.locator(`table#queue tr[data-ticket="${newest.number}"]`);
		await row.waitFor();
		const text = await row.innerText();
		assert.ok(text.includes(newest.subject), text);
		assert.ok(text.includes('Kvarner Logistika'), text);
		assert.ok(text.includes('Ivona Tomić'), text);
		assert.equal(await row.locator(`a[href="/tickets/${newest.id}"]`).count() >= 1, true);
	});
});
