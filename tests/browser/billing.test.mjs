// Billing in the browser (docs/web.md, "Contracts and billing"): an admin
// adds a service, makes a contract for a client on the client's contracts
// page, runs the month on /billing (through the navigation and the month
// picker), sees the client's specification and its totals, downloads its
// PDF, and closes the month through the confirmation page; the page then
// shows the stored specification with the same totals.  The chart is an
// inline SVG that the pages' CSP lets through (no console errors).  The
// month is October 2026; the client and its work are made here through the
// API, so the numbers do not depend on the demo data:
//   contract: 1 x 20,00 a month, whole months, from 2026-10-01 -> 20,00;
//   work: 45 minutes on 14 Oct at the default rate (remote; this client's own
//   price of it set here to 45,00/h), rounded up to 15 minutes per entry ->
//   0,75 h -> 33,75;
//   net 53,75; VAT 25 % 13,4375 -> 13,44; gross 67,19.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { USERS, startDesk } from './lib/desk.mjs';
import { open, setField, submit, withPage } from './lib/pages.mjs';

let desk;
before(async () => {
	desk = await startDesk();
});
after(async () => {
	await desk?.stop();
});

const CLIENT = 'Cvjećarna Ruža d.o.o.';
const MONTH = '2026-10';

test('a contract, the month-end run with its totals and PDF, and closing the month', async (t) => {
	const session = await desk.session(USERS.admin);
	const client = (await desk.apiOk(session, 'POST', '/api/v1/clients', { name: CLIENT },
		[201])).client;
	const ticket = await desk.createTicket(session, {
		subject: 'Web trgovina ne prima narudžbe', client_id: client.id, channel: 'phone',
	});
	await desk.apiOk(session, 'POST', `/api/v1/tickets/${ticket.id}/time`,
		{ started_at: '2026-10-14T08:00:00Z', seconds: 45 * 60 }, [201]);
	const rates = (await desk.apiOk(session, 'GET', '/api/v1/rates')).rates;
	const hasRemote = rates.some((r) => r.code === 'remote');

	await withPage(desk, t.name, { user: USERS.admin }, async ({ page, w }) => {
		// the default rate, through its page unless the demo catalogue has it
		if (!hasRemote) {
			await open(page, '/billing/rates');
			const rf = page.locator('form#new-rate');
			await setField(rf, 'code', 'remote');
			await setField(rf, 'name', 'Rad na daljinu');
			await setField(rf, 'hourly', '45,00');
			assert.equal((await submit(page, 'form#new-rate')).post, 303);
		}
		// a service, through its page
		await open(page, '/billing/services');
		const sf = page.locator('form#new-service');
		await setField(sf, 'code', 'web_hosting_bt');
		await setField(sf, 'name', 'Web hosting (test)');
		await setField(sf, 'unit', 'month');
		await setField(sf, 'price', '20,00');
		await setField(sf, 'vat', '25');
		let s = await submit(page, 'form#new-service');
		assert.equal(s.post, 303);
		assert.equal(await page.locator('tr[data-service="web_hosting_bt"]').count(), 1);

		// the contract, on the client's contracts page
		await open(page, `/clients/${client.id}/contracts`);
		const cf = page.locator('form#new-contract');
		await setField(cf, 'number', 'UG-BT-1');
		await setField(cf, 'start', '2026-10-01');
		await setField(cf, 'proration', 'monthly');
		await setField(cf, 'cycle', 'monthly');
		const svc = await cf.locator('select[name=service_1] option',
			{ hasText: 'web_hosting_bt' }).getAttribute('value');
		await setField(cf, 'service_1', svc);
		await setField(cf, 'quantity_1', '1');
		s = await submit(page, 'form#new-contract');
		assert.equal(s.post, 303, 'POST /clients/{id}/contracts answers 303');
		assert.match(new URL(page.url()).pathname, /^\/contracts\/\d+$/);
		assert.equal((await page.locator('#contract-month').innerText()).trim(), '20,00');

		// the client's own price of remote work, whatever the catalogue's is
		await open(page, `/clients/${client.id}/contracts`);
		const pf = page.locator('form#client-price');
		const remote = await pf.locator('select[name=rate_id] option',
			{ hasText: /^remote/ }).getAttribute('value');
		await setField(pf, 'rate_id', remote);
		await setField(pf, 'hourly', '45,00');
		assert.equal((await submit(page, 'form#client-price')).post, 303);
		assert.match(await page.locator('#prices tr[data-rate="remote"]').innerText(), /45,00/);

		// the month: through the navigation and the month picker
		const [nav] = await Promise.all([
			page.waitForNavigation({ waitUntil: 'load' }),
			page.locator('header nav a[href="/billing"]').click(),
		]);
		assert.equal(nav.status(), 200);
		await page.locator('nav.month-nav input[name=month]').fill(MONTH);
		await Promise.all([
			page.waitForNavigation({ waitUntil: 'load' }),
			page.locator('nav.month-nav button[type=submit]').click(),
		]);
		assert.equal(new URL(page.url()).searchParams.get('month'), MONTH);
		assert.equal(await page.locator('#month-state').getAttribute('data-state'), 'open');

		const spec = page.locator(`section.spec#client-${client.id}`);
		assert.equal(await spec.locator('h3').innerText(), CLIENT);
		const amounts = await spec.locator('td.amount').allInnerTexts();
		assert.deepEqual(amounts.map((a) => a.trim()), ['20,00', '33,75']);
		const totals = spec.locator('table.spec-totals tfoot');
		assert.equal((await totals.locator('.net').innerText()).trim(), '53,75');
		assert.equal((await totals.locator('.tax').innerText()).trim(), '13,44');
		assert.equal((await totals.locator('.gross').innerText()).trim(), '67,19');
		const row = page.locator(`#billing-clients tr[data-client="${client.id}"]`);
		assert.equal((await row.locator('td.gross').innerText()).trim(), '67,19');

		// the chart is drawn (an SVG with a bar for this client) and breaks no CSP rule
		const chart = page.locator('#chart-clients svg.bars');
		assert.equal(await chart.count(), 1);
		const labels = await chart.locator('text.label').allTextContents();
		assert.ok(labels.some((l) => l.startsWith('Cvjećarna Ruža')), labels.join(' | '));
		const box = await chart.boundingBox();
		assert.ok(box && box.width > 100 && box.height > 10, 'the chart is shown');

		// the PDF of the client's specification
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			row.locator('a[data-format="pdf"]').click(),
		]);
		assert.equal(download.suggestedFilename(), `specifikacija-${MONTH}-${client.id}.pdf`);
		const bytes = fs.readFileSync(await download.path());
		assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
		assert.ok(bytes.length > 1000, `a PDF of ${bytes.length} bytes`);

		// closing: the button leads to a confirmation page, whose form closes it
		s = await submit(page, 'form#close-month-start');
		assert.equal(s.final, 200);
		assert.equal(new URL(page.url()).pathname, '/billing/close');
		s = await submit(page, 'form#close-month');
		assert.equal(s.post, 303, 'POST /billing/close answers 303');
		assert.equal(await page.locator('#month-state').getAttribute('data-state'), 'closed');
		assert.equal(await page.locator('form#close-month-start').count(), 0);
		const after = page.locator(`section.spec#client-${client.id} table.spec-totals tfoot`);
		assert.equal((await after.locator('.gross').innerText()).trim(), '67,19');

		assert.deepEqual(w.consoleErrors, [], 'no console errors (CSP violations among them)');
		assert.deepEqual(w.pageErrors, []);
	});

	// the month refuses new time now, through the API as well
	const r = await desk.api(session, 'POST', `/api/v1/tickets/${ticket.id}/time`,
		{ started_at: '2026-10-20T08:00:00Z', seconds: 600 });
	assert.equal(r.status, 409);
	assert.match(r.json.error.message, /month 2026-10 is closed/);
});
