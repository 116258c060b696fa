// Working on a ticket (docs/web.md, "The ticket page" and "The queue"): a
// reply through #reply reaches the client by mail (the SMTP sink) and shows
// in the timeline; a note through #note; status and assignee through
// #fields (the script submits it on change) with their events; the queue's
// #search finds a ticket by a word of its description; and closing it.
// Each test makes its own ticket through the API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { USERS, startDesk } from './lib/desk.mjs';
import {
	eventsOf, formValue, navStatus, open, setField, submit, withPage,
} from './lib/pages.mjs';

let desk;
before(async () => {
	desk = await startDesk();
});
after(async () => {
	await desk?.stop();
});

const CLIENT = 'Slavonska pekara j.d.o.o.';
const CONTACT = 'ana.markovic@slavonska-pekara.hr';

async function newTicket(session, subject, description) {
	const client = await desk.clientByName(session, CLIENT);
	const contact = await desk.contactByEmail(session, client.id, CONTACT);
	const ticket = await desk.createTicket(session, {
		subject, description, contact_id: contact.id, channel: 'phone',
	});
	return { ticket, contact };
}

// A word no demo text has, letters only (the search splits on the rest).
function uniqueWord() {
	let s = 'zq';
	for (let i = 0; i < 8; i++)
		s += String.fromCharCode(97 + Math.floor(Math.random() * 26));
	return s;
}

// Picks value in the #fields select `name`: the script submits the form on
// change, so this waits for the page it leads to.
async function changeField(page, name, value) {
	const field = page.locator(`form#fields select[name="${name}"]`);
	const [nav] = await Promise.all([
		page.waitForNavigation({ waitUntil: 'load' }),
		field.selectOption(String(value)),
	]);
	return navStatus(nav);
}

test('a reply goes to the contact by mail and into the timeline', async (t) => {
	const session = await desk.session(USERS.marko);
	const { ticket, contact } = await newTicket(session, 'Peć: zaslon upravljačke ploče je taman',
		'Gđa Marković javlja da je zaslon peći taman od jutros.');
	const text = 'Poštovana gospođo Marković,\n\ntehničar stiže sutra u 7 sati ' +
		's novim zaslonom (šifra ' + uniqueWord() + ').';

	await withPage(desk, t.name, { user: USERS.marko }, async ({ page, w }) => {
		await open(page, `/tickets/${ticket.id}`);
		const form = page.locator('form#reply');
		assert.equal((await form.getAttribute('enctype')).toLowerCase(), 'multipart/form-data');
		const countBefore = (await eventsOf(page, 'reply')).length;
		await setField(form, 'body', text);
		const s = await submit(page, 'form#reply');
		assert.equal(s.post, 303, 'POST /tickets/{id}/reply answers 303');
		assert.equal(new URL(page.url()).pathname, `/tickets/${ticket.id}`);

		const replies = await eventsOf(page, 'reply');
		assert.equal(replies.length, countBefore + 1, 'one more reply in the timeline');
		assert.ok(replies.at(-1).text.includes('tehničar stiže sutra u 7 sati'),
			replies.at(-1).text);

		// the outbox sends it to the contact, tagged with the ticket's number
		const msg = await desk.sink.waitFor((m) => m.subject.includes(`[#${ticket.number}]`));
		assert.deepEqual(msg.rcpts, [contact.email]);
		assert.ok(msg.to.includes(contact.email), `To: ${msg.to}`);
		assert.ok(msg.subject.includes(ticket.subject), `Subject: ${msg.subject}`);
		assert.ok(msg.text.includes(text), msg.text);
		const mail = (await desk.ticket(session, ticket.id)).mail
			.filter((m) => m.kind === 'reply');
		assert.equal(mail.length, 1);
		assert.equal(mail[0].to, contact.email);
		assert.deepEqual(w.consoleErrors, []);
	});
});

test('a note shows in the timeline', async (t) => {
	const session = await desk.session(USERS.marko);
	const { ticket } = await newTicket(session, 'Blagajna 3 ispisuje prazne račune',
		'Račun izlazi prazan iz pisača blagajne 3.');
	const text = `Provjeriti termalnu glavu pisača; serijski broj ${uniqueWord()}.`;

	await withPage(desk, t.name, { user: USERS.marko }, async ({ page }) => {
		await open(page, `/tickets/${ticket.id}`);
		const countBefore = (await eventsOf(page, 'note')).length;
		await setField(page.locator('form#note'), 'body', text);
		const s = await submit(page, 'form#note');
		assert.equal(s.post, 303, 'POST /tickets/{id}/note answers 303');
		const notes = await eventsOf(page, 'note');
		assert.equal(notes.length, countBefore + 1);
		assert.ok(notes.at(-1).text.includes(text), notes.at(-1).text);
		const events = (await desk.ticket(session, ticket.id)).events;
		assert.equal(events.filter((e) => e.kind === 'note' && e.body === text).length, 1);
	});
});

test('status and assignee change through #fields, each an event', async (t) => {
	const session = await desk.session(USERS.marko);
	const ivana = (await desk.apiOk(await desk.session(USERS.ivana), 'GET', '/api/v1/me')).user;
	const { ticket } = await newTicket(session, 'Vaga u skladištu brašna pokazuje krivo',
		'Vaga pokazuje 2 kg više nego prošli tjedan.');
	assert.equal(ticket.status, 'new');

	await withPage(desk, t.name, { user: USERS.marko }, async ({ page, w }) => {
		await open(page, `/tickets/${ticket.id}`);
		const form = page.locator('form#fields');
		assert.equal(await formValue(form, 'status'), 'new');
		const statusBefore = (await eventsOf(page, 'status_change')).length;
		const s = await changeField(page, 'status', 'open');
		assert.equal(s.post, 303, 'POST /tickets/{id}/fields answers 303');
		assert.equal(await formValue(page.locator('form#fields'), 'status'), 'open');
		assert.equal((await eventsOf(page, 'status_change')).length, statusBefore + 1);
		assert.equal((await desk.ticket(session, ticket.id)).status, 'open');

		const assignBefore = (await eventsOf(page, 'assignment')).length;
		const a = await changeField(page, 'assignee_id', ivana.id);
		assert.equal(a.post, 303);
		assert.equal(await formValue(page.locator('form#fields'), 'assignee_id'),
			String(ivana.id));
		const assignments = await eventsOf(page, 'assignment');
		assert.equal(assignments.length, assignBefore + 1);
		assert.ok(assignments.at(-1).text.includes('Ivana Horvat'), assignments.at(-1).text);
		const now = await desk.ticket(session, ticket.id);
		assert.equal(now.assignee_id, ivana.id);
		assert.equal(now.status, 'open', 'changing the assignee kept the status');
		assert.deepEqual(w.consoleErrors, []);
		assert.deepEqual(w.pageErrors, []);
	});
});

test('the queue search finds the ticket by a word of its description', async (t) => {
	const session = await desk.session(USERS.marko);
	const word = uniqueWord();
	const tail = uniqueWord().slice(2);
	const { ticket } = await newTicket(session, 'Mikser za tijesto staje usred rada',
		`Mikser broj 2 staje nakon pet minuta; na zaslonu piše ${word}, ` +
		`a na pločici čžšđ${tail}.`);

	await withPage(desk, t.name, { user: USERS.marko }, async ({ page }) => {
		await open(page, '/tickets');
		const search = page.locator('form#filters #search');
		assert.equal(await search.getAttribute('name'), 'q');
		await search.fill(word);
		await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), search.press('Enter')]);
		assert.equal(new URL(page.url()).searchParams.get('q'), word);
		let rows = await page.locator('table#queue tr[data-ticket]')
			.evaluateAll((trs) => trs.map((tr) => tr.dataset.ticket));
		assert.deepEqual(rows, [ticket.number]);
		assert.equal(await page.locator('#search').inputValue(), word, 'the box keeps the word');

		// a prefix finds it too, a word nobody wrote finds nothing
		await open(page, `/tickets?q=${word.slice(0, 6)}*`);
		rows = await page.locator('table#queue tr[data-ticket]')
			.evaluateAll((trs) => trs.map((tr) => tr.dataset.ticket));
		assert.deepEqual(rows, [ticket.number]);
		await open(page, `/tickets?q=${uniqueWord()}`);
		assert.equal(await page.locator('table#queue tr[data-ticket]').count(), 0);
		// Croatian letters or not
		for (const q of [`čžšđ${tail}`, `czsd${tail}`]) {
			await open(page, `/tickets?q=${encodeURIComponent(q)}`);
			rows = await page.locator('table#queue tr[data-ticket]')
				.evaluateAll((trs) => trs.map((tr) => tr.dataset.ticket));
			assert.deepEqual(rows, [ticket.number], `q=${q}`);
		}
	});
});

test('closing the ticket through #fields', async (t) => {
	const session = await desk.session(USERS.marko);
	const { ticket } = await newTicket(session, 'Hladnjača: alarm temperature bez razloga',
		'Alarm hladnjače se pali iako termometar pokazuje 3 °C.');

	await withPage(desk, t.name, { user: USERS.marko }, async ({ page }) => {
		await open(page, `/tickets/${ticket.id}`);
		const countBefore = (await eventsOf(page, 'status_change')).length;
		const s = await changeField(page, 'status', 'closed');
		assert.equal(s.post, 303);
		assert.equal(await formValue(page.locator('form#fields'), 'status'), 'closed');
		assert.equal((await eventsOf(page, 'status_change')).length, countBefore + 1);
		const now = await desk.ticket(session, ticket.id);
		assert.equal(now.status, 'closed');
		assert.ok(now.closed_at, 'closed_at is set');

		// gone from the active queue, listed under closed
		await open(page, '/tickets');
		assert.equal(await page.locator(`tr[data-ticket="${ticket.number}"]`).count(), 0);
		await open(page, '/tickets?status=closed');
		assert.equal(await page.locator(`tr[data-ticket="${ticket.number}"]`).count(), 1);
	});
});
