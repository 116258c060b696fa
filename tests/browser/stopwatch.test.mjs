// The stopwatch on the ticket page (docs/web.md, "The ticket page" and
// "Every page"): #timer-start starts it, the .elapsed counter ticks, the
// header shows #running-timer while it runs; #timer-stop (or the header's
// #header-timer-stop) stops it, the time entry appears in the timeline and
// #time-total is no longer zero.  Petra's stopwatch is not running in the
// demo data (Ivana's is).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { USERS, startDesk } from './lib/desk.mjs';
import { eventsOf, open, parseDuration, sleep, submit, withPage } from './lib/pages.mjs';

let desk;
before(async () => {
	desk = await startDesk();
});
after(async () => {
	await desk?.stop();
});

async function newTicket(session, subject) {
	const client = await desk.clientByName(session, 'Apartmani Jadran d.o.o.');
	const contact = await desk.contactByEmail(session, client.id,
		'ante.bilic@apartmani-jadran.hr');
	return desk.createTicket(session, {
		subject, contact_id: contact.id, channel: 'phone',
		description: 'Klijent zove zbog kvara.',
	});
}

test('start the stopwatch, watch it tick, stop it: a time entry and the total', async (t) => {
	const session = await desk.session(USERS.petra);
	const ticket = await newTicket(session, 'Recepcija: terminal za kartice se ne spaja');
	assert.equal((await desk.apiOk(session, 'GET', '/api/v1/timer')).timer, null);

	await withPage(desk, t.name, { user: USERS.petra }, async ({ page, w }) => {
		await open(page, `/tickets/${ticket.id}`);
		await page.locator('#stopwatch #timer-start').waitFor();
		assert.equal(await page.locator('#timer-stop').count(), 0);
		assert.equal(await page.locator('#running-timer').count(), 0,
			'no stopwatch in the header while none runs');
		assert.equal(parseDuration(await page.locator('#time-total').innerText()), 0);
		const entriesBefore = (await eventsOf(page, 'time_entry')).length;

		const start = await submit(page, '#stopwatch', '#timer-start');
		assert.equal(start.post, 303, 'POST /tickets/{id}/timer/start answers 303');
		assert.equal(new URL(page.url()).pathname, `/tickets/${ticket.id}`);
		await page.locator('#stopwatch #timer-stop').waitFor();
		assert.equal(await page.locator('#timer-start').count(), 0);
		const timer = (await desk.apiOk(session, 'GET', '/api/v1/timer')).timer;
		assert.ok(timer, 'the stopwatch runs in the database');
		assert.equal(timer.ticket_id, ticket.id);

		// the header shows it, linked to the ticket
		const head = page.locator('header a#running-timer');
		await head.waitFor();
		assert.equal(await head.getAttribute('href'), `/tickets/${ticket.id}`);
		assert.ok((await head.innerText()).includes(ticket.number));
		assert.equal(await page.locator('header #running-timer .elapsed').count(), 1);
		assert.equal(await page.locator('#header-timer-stop').count(), 1);

		// the counter ticks
		const elapsed = page.locator('#stopwatch .elapsed');
		assert.equal(Number(await elapsed.getAttribute('data-started')),
			Date.parse(timer.started_at) / 1000);
		const t1 = await elapsed.innerText();
		assert.match(t1, /^\d+:\d{2}:\d{2}$/);
		await sleep(2200);
		const t2 = await elapsed.innerText();
		assert.match(t2, /^\d+:\d{2}:\d{2}$/);
		assert.notEqual(t2, t1, 'the counter changed');
		assert.ok(parseDuration(t2) >= parseDuration(t1) + 1, `${t1} -> ${t2}`);
		const h2 = await page.locator('header #running-timer .elapsed').innerText();
		assert.ok(parseDuration(h2) >= 2, `the header counter ticks too: ${h2}`);

		const stop = await submit(page, '#stopwatch', '#timer-stop');
		assert.equal(stop.post, 303, 'POST /tickets/{id}/timer/stop answers 303');
		await page.locator('#stopwatch #timer-start').waitFor();
		assert.equal(await page.locator('#timer-stop').count(), 0);
		assert.equal(await page.locator('#running-timer').count(), 0,
			'the header stopwatch is gone after stop');
		assert.equal((await desk.apiOk(session, 'GET', '/api/v1/timer')).timer, null);

		const entries = await eventsOf(page, 'time_entry');
		assert.equal(entries.length, entriesBefore + 1, 'one new time entry in the timeline');
		const now = await desk.ticket(session, ticket.id);
		assert.ok(now.time_seconds >= 2, `time_seconds ${now.time_seconds}`);
		// the total shows the recorded time: never 0:00 after a stopwatch ran
		const total = await page.locator('#time-total').innerText();
		assert.ok(parseDuration(total) > 0,
			`#time-total "${total}" must not be 0:00 (time_seconds ${now.time_seconds})`);
		if (/\d+:\d{2}:\d{2}/.test(total))
			assert.equal(parseDuration(total), now.time_seconds, `#time-total "${total}"`);
		assert.ok((await page.locator('#time-shares').innerText()).includes('Petra Babić'));
		assert.deepEqual(w.consoleErrors, []);
		assert.deepEqual(w.pageErrors, []);
	});
});

test('the header stopwatch links to its ticket and stops from any page', async (t) => {
	const session = await desk.session(USERS.petra);
	const ticket = await newTicket(session, 'Apartman 12: televizor bez signala');
	await desk.apiOk(session, 'POST', `/api/v1/tickets/${ticket.id}/timer/start`);

	await withPage(desk, t.name, { user: USERS.petra }, async ({ page }) => {
		await open(page, '/tickets');
		const head = page.locator('header a#running-timer');
		await head.waitFor();
		assert.equal(await head.getAttribute('href'), `/tickets/${ticket.id}`);
		const s = await submit(page, '#header-timer-stop');
		assert.equal(s.post, 303);
		assert.equal(await page.locator('#running-timer').count(), 0);
		assert.equal((await desk.apiOk(session, 'GET', '/api/v1/timer')).timer, null);
		const now = await desk.ticket(session, ticket.id);
		assert.equal(now.events.filter((e) => e.kind === 'time_entry').length, 1);
	});
});
