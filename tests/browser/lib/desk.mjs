// desk: the fixture of the browser tests.  startDesk() makes a fresh demo
// database (`evid init --demo`) in its own temporary folder, starts the SMTP
// sink (smtp-sink.mjs), writes an evid.conf whose [smtp] url points at the
// sink, starts `evid serve` on a free 127.0.0.1 port, waits for /healthz and
// launches Debian's Chromium headless through playwright-core.  desk.stop()
// ends all of it (the browser, the server with SIGTERM, the sink) and removes
// the folder; it fails when the server did not exit 0.  Each test file makes
// one desk in before() and stops it in after(), so the files do not share
// state.  EVID_BIN names the binary (absolute; default build/evid of this
// checkout); EVID_KEEP_BROWSER=1 keeps the folder (database, config, log).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { SmtpSink } from './smtp-sink.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..', '..');
export const EVID = path.resolve(process.env.EVID_BIN || path.join(ROOT, 'build', 'evid'));
export const CHROMIUM = '/usr/bin/chromium';
export const SUPPORT = 'podrska@servis.test';
export const COMPANY = 'Servis Test d.o.o.';

// The demo logins of `evid init --demo` (src/cli/cli.h, src/cli/demo.c).
// Ivana's stopwatch runs on a demo ticket from the start; Marko's and
// Petra's do not.  Petra's language is English, the others' Croatian.
export const USERS = {
	admin: { email: 'admin@evidencija.test', password: 'demo-admin', name: 'Tomislav Novak' },
	ivana: { email: 'ivana.horvat@evidencija.test', password: 'demo-technician',
		name: 'Ivana Horvat' },
	marko: { email: 'marko.kovacevic@evidencija.test', password: 'demo-technician',
		name: 'Marko Kovačević' },
	petra: { email: 'petra.babic@evidencija.test', password: 'demo-technician',
		name: 'Petra Babić' },
};

// What docs/web.md says every HTML response carries.
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'";

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every `evid serve` this process started, killed if the process exits
// without stopping them (a crash of the test file must not leave a server).
const running = new Set();
process.on('exit', () => {
	for (const p of running)
		try {
			p.kill('SIGKILL');
		} catch {
			// already gone
		}
});

export class Desk {
	constructor() {
		this.dir = null;
		this.sink = null;
		this.proc = null;
		this.browser = null;
		this.exit = null;        // {code, signal} once the server has exited
	}

	get db() { return path.join(this.dir, 'evid.db'); }
	get conf() { return path.join(this.dir, 'evid.conf'); }
	get logPath() { return path.join(this.dir, 'serve.log'); }

	// The environment for evid: no EVID_DB / EVID_CONFIG from outside.
	env() {
		const e = { ...process.env };
		delete e.EVID_DB;
		delete e.EVID_CONFIG;
		return e;
	}

	evid(...args) {
		const p = spawnSync(EVID, ['--config', this.conf, '--db', this.db, ...args],
			{ cwd: this.dir, env: this.env(), encoding: 'utf8', timeout: 60000 });
		if (p.error)
			throw new Error(`evid ${args.join(' ')}: ${p.error.message}`);
		if (p.status !== 0)
			throw new Error(`evid ${args.join(' ')} exited ${p.status}: ${p.stdout}${p.stderr}`);
		return p.stdout;
	}

	async start() {
		if (!fs.existsSync(CHROMIUM))
			throw new Error(`${CHROMIUM} not found: install the Debian package chromium ` +
				'(make deps-test); the browser tests cannot run without it');
		if (!fs.existsSync(EVID))
			throw new Error(`${EVID} not found: build it (make) or set EVID_BIN`);
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evid-browser-'));
		this.sink = await new SmtpSink().start();
		fs.writeFileSync(this.conf, [
			'[company]', `name = ${COMPANY}`, 'language = hr', '',
			'[mail]', `address = ${SUPPORT}`, 'from_name = Podrška Servis Test', '',
			'[smtp]', `url = smtp://127.0.0.1:${this.sink.port}`, 'starttls = off',
			'retry_seconds = 1', 'timeout_seconds = 5', '',
		].join('\n'));
		const out = this.evid('init', '--demo');
		if (!/added the demo data set/.test(out))
			throw new Error(`evid init --demo did not add the demo data: ${out}`);
		this.port = await freePort();
		this.url = `http://127.0.0.1:${this.port}`;
		const log = fs.openSync(this.logPath, 'w');
		this.proc = spawn(EVID, ['--config', this.conf, '--db', this.db, 'serve',
			'--listen', `127.0.0.1:${this.port}`],
		{ cwd: this.dir, env: this.env(), stdio: ['ignore', log, log] });
		fs.closeSync(log);
		running.add(this.proc);
		this.exited = new Promise((resolve) => {
			const proc = this.proc;
			const done = (exit) => {
				this.exit ??= exit;
				running.delete(proc);
				resolve(this.exit);
			};
			proc.on('exit', (code, signal) => done({ code, signal }));
			proc.on('error', (e) => done({ code: null, error: e.message })); // not started
		});
		const deadline = Date.now() + 20000;
		for (;;) {
			if (this.exit)
				throw new Error(`evid serve exited (${JSON.stringify(this.exit)}): ` +
					this.logTail());
			try {
				const r = await fetch(this.url + '/healthz');
				if (r.status === 200)
					break;
			} catch {
				// not listening yet
			}
			if (Date.now() > deadline)
				throw new Error('evid serve did not answer /healthz within 20 s: ' +
					this.logTail());
			await sleep(50);
		}
		this.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
		return this;
	}

	// Stops everything that start() started, also after a partial start;
	// throws (after cleaning up) when the server did not exit 0 on SIGTERM.
	async stop() {
		const problems = [];
		if (this.browser) {
			await this.browser.close().catch((e) => problems.push(`browser: ${e.message}`));
			this.browser = null;
		}
		if (this.proc) {
			if (!this.exit) {
				this.proc.kill('SIGTERM');
				let timer;
				const t = await Promise.race([this.exited, new Promise((r) => {
					timer = setTimeout(() => r(null), 20000);
				})]);
				clearTimeout(timer);
				if (!t) {
					this.proc.kill('SIGKILL');
					await this.exited;
					problems.push('evid serve did not stop within 20 s of SIGTERM');
				}
			}
			if (this.exit.code !== 0)
				problems.push(`evid serve exited ${JSON.stringify(this.exit)}: ` +
					this.logTail());
			this.proc = null;
		}
		if (this.sink) {
			await this.sink.stop();
			this.sink = null;
		}
		if (this.dir) {
			if (process.env.EVID_KEEP_BROWSER === '1')
				console.log(`# kept ${this.dir}`);
			else
				fs.rmSync(this.dir, { recursive: true, force: true });
			this.dir = null;
		}
		if (problems.length)
			throw new Error(problems.join('\n'));
	}

	logTail(lines = 30) {
		try {
			const all = fs.readFileSync(this.logPath, 'utf8').split('\n');
			return '\n--- evid serve log (last lines) ---\n' + all.slice(-lines - 1).join('\n');
		} catch (e) {
			return `(no server log: ${e.message})`;
		}
	}

	// --- the JSON API, for setting up and checking state ---

	// A session of user, made once per desk (logging in costs an argon2id
	// hash, about half a second): for setting up and for browser contexts.
	async session(user) {
		this.sessions ??= new Map();
		if (!this.sessions.has(user.email))
			this.sessions.set(user.email, await this.apiLogin(user));
		return this.sessions.get(user.email);
	}

	// Logs in through POST /api/v1/login; returns the session cookie's value.
	async apiLogin(user) {
		const r = await fetch(this.url + '/api/v1/login', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email: user.email, password: user.password }),
		});
		if (r.status !== 200)
			throw new Error(`API login of ${user.email}: ${r.status} ${await r.text()}`);
		const m = /(?:^|,\s*)evid_session=([^;]+)/.exec(r.headers.get('set-cookie') || '');
		if (!m)
			throw new Error(`API login of ${user.email}: no evid_session cookie`);
		return m[1];
	}

	// One API request with a session cookie (and the X-Requested-With header
	// the API's CSRF rule asks of cookie requests); returns {status, json, text}.
	async api(session, method, urlPath, body) {
		const headers = { 'X-Requested-With': 'evid-browser-tests' };
		if (session)
			headers.Cookie = `evid_session=${session}`;
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		const r = await fetch(this.url + urlPath, {
			method, headers, redirect: 'manual',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await r.text();
		let json = null;
		try {
			json = text ? JSON.parse(text) : null;
		} catch {
			// not JSON
		}
		return { status: r.status, json, text, headers: r.headers };
	}

	async apiOk(session, method, urlPath, body, want = [200, 201]) {
		const r = await this.api(session, method, urlPath, body);
		if (!want.includes(r.status))
			throw new Error(`${method} ${urlPath}: ${r.status} ${r.text}`);
		return r.json;
	}

	async ticket(session, id) {
		return (await this.apiOk(session, 'GET', `/api/v1/tickets/${id}`)).ticket;
	}

	async createTicket(session, fields) {
		return (await this.apiOk(session, 'POST', '/api/v1/tickets', fields, [201])).ticket;
	}

	async clientByName(session, name) {
		const r = await this.apiOk(session, 'GET',
			`/api/v1/clients?q=${encodeURIComponent(name)}`);
		const c = r.clients.find((x) => x.name === name);
		if (!c)
			throw new Error(`no demo client ${name}`);
		return c;
	}

	async contactByEmail(session, clientId, email) {
		const r = await this.apiOk(session, 'GET',
			`/api/v1/contacts?client_id=${clientId}&q=${encodeURIComponent(email)}`);
		const c = r.contacts.find((x) => x.email === email);
		if (!c)
			throw new Error(`no demo contact ${email}`);
		return c;
	}

	// --- the browser ---

	// A new browser context (its own cookies); with user, signed in with
	// the user's session of session().  javaScript: false runs the
	// pages as a browser without JavaScript would.
	async newContext(user, { javaScript = true } = {}) {
		const context = await this.browser.newContext({
			baseURL: this.url, javaScriptEnabled: javaScript, locale: 'hr-HR',
		});
		context.setDefaultTimeout(5000);
		context.setDefaultNavigationTimeout(10000);
		if (user) {
			const session = await this.session(user);
			await context.addCookies([{ name: 'evid_session', value: session, url: this.url }]);
			context.session = session;
		}
		return context;
	}
}

export async function startDesk() {
	const desk = new Desk();
	try {
		return await desk.start();
	} catch (e) {
		await desk.stop().catch(() => {});
		throw e;
	}
}
