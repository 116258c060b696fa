// smtp-sink: a small SMTP server on 127.0.0.1 for the browser tests.  It
// accepts every message (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no
// TLS, no AUTH: the desk's evid.conf says starttls = off) and keeps each in
// `messages` as {mailFrom, rcpts, data (Buffer, as received, dot-unstuffed),
// headers, subject, to, text}, so a test can read what `evid serve` sent.
// parseMessage() decodes what the tests look at: unfolded headers with RFC
// 2047 words, and the text/plain body (quoted-printable or base64, also as
// the first part of a multipart message).
import net from 'node:net';

const MAX_MESSAGE = 32 * 1024 * 1024;

function decodeWords(value) {
	// =?charset?B|Q?text?= ; whitespace between two encoded words is dropped
	const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
	return joined.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (all, charset, enc, text) => {
		let bytes;
		if (enc.toUpperCase() === 'B') {
			bytes = Buffer.from(text, 'base64');
		} else {
			bytes = Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g,
				(m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
		}
		try {
			return new TextDecoder(charset.toLowerCase()).decode(bytes);
		} catch {
			return all;
		}
	});
}

function splitHead(raw) {
	// raw: a string (latin1 of the bytes); returns [headerText, body]
	const m = /\r?\n\r?\n/.exec(raw);
	if (!m)
		return [raw, ''];
	return [raw.slice(0, m.index), raw.slice(m.index + m[0].length)];
}

function parseHeaders(text) {
	const headers = new Map();
	for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
		const i = line.indexOf(':');
		if (i <= 0)
			continue;
		const name = line.slice(0, i).trim().toLowerCase();
		const value = line.slice(i + 1).trim();
		if (!headers.has(name))
			headers.set(name, []);
		headers.get(name).push(value);
	}
	return headers;
}

function param(value, name) {
	const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value || '');
	return m ? (m[1] ?? m[2]) : null;
}

function decodeBody(body, cte, charset) {
	let bytes;
	const enc = (cte || '7bit').toLowerCase();
	if (enc === 'base64') {
		bytes = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
	} else if (enc === 'quoted-printable') {
		const s = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g,
			(m, h) => String.fromCharCode(parseInt(h, 16)));
		bytes = Buffer.from(s, 'latin1');
	} else {
		bytes = Buffer.from(body, 'latin1');
	}
	try {
		return new TextDecoder((charset || 'utf-8').toLowerCase()).decode(bytes);
	} catch {
		return bytes.toString('utf8');
	}
}

// The parts of a message the tests check.  data: a Buffer.
export function parseMessage(data) {
	const raw = data.toString('latin1');
	const [head, body] = splitHead(raw);
	const headers = parseHeaders(head);
	const get = (n) => (headers.get(n) || [])[0] || '';
	const decoded = (n) => decodeWords(Buffer.from(get(n), 'latin1').toString('utf8'));
	let text = null;
	const type = get('content-type') || 'text/plain';
	if (/^text\/plain/i.test(type)) {
		text = decodeBody(body, get('content-transfer-encoding'), param(type, 'charset'));
	} else if (/^multipart\//i.test(type)) {
		const boundary = param(type, 'boundary');
		if (boundary) {
			for (const part of body.split('--' + boundary).slice(1)) {
				if (part.startsWith('--'))
					break;
				const [ph, pb] = splitHead(part.replace(/^\r?\n/, ''));
				const phs = parseHeaders(ph);
				const pt = (phs.get('content-type') || ['text/plain'])[0];
				if (/^text\/plain/i.test(pt)) {
					text = decodeBody(pb.replace(/\r?\n$/, ''),
						(phs.get('content-transfer-encoding') || [''])[0],
						param(pt, 'charset'));
					break;
				}
			}
		}
	}
	return {
		headers,
		subject: decoded('subject'),
		to: decoded('to'),
		cc: decoded('cc'),
		from: decoded('from'),
		messageId: get('message-id'),
		text: text === null ? null : text.replace(/\r\n/g, '\n'),
	};
}

export class SmtpSink {
	constructor() {
		this.messages = [];
		this.commands = [];      // every command line seen (for failure messages)
		this.server = null;
		this.port = 0;
		this.sockets = new Set();
	}

	async start() {
		this.server = net.createServer((sock) => this.session(sock));
		await new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(0, '127.0.0.1', () => resolve());
		});
		this.port = this.server.address().port;
		return this;
	}

	session(sock) {
		this.sockets.add(sock);
		sock.on('close', () => this.sockets.delete(sock));
		sock.on('error', () => {});
		let buf = Buffer.alloc(0);
		let inData = false;
		let env = { mailFrom: null, rcpts: [] };
		let dataLines = [];
		let dataSize = 0;
		const reply = (line) => sock.write(line + '\r\n');

		reply('220 sink.test ESMTP evid browser-test sink');
		sock.on('data', (chunk) => {
			buf = Buffer.concat([buf, chunk]);
			let nl;
			while ((nl = buf.indexOf(0x0a)) >= 0) {
				let line = buf.subarray(0, nl);
				buf = buf.subarray(nl + 1);
				if (line.length && line[line.length - 1] === 0x0d)
					line = line.subarray(0, line.length - 1);
				if (inData) {
					if (line.length === 1 && line[0] === 0x2e) {
						inData = false;
						const data = Buffer.concat(dataLines.flatMap((l) =>
							[l, Buffer.from('\r\n')]));
						if (dataSize > MAX_MESSAGE) {
							reply('552 5.3.4 message too big');
						} else {
							const msg = {
								mailFrom: env.mailFrom, rcpts: env.rcpts.slice(), data,
								...parseMessage(data),
							};
							this.messages.push(msg);
							reply(`250 2.0.0 OK queued as ${this.messages.length}`);
						}
						env = { mailFrom: null, rcpts: [] };
						dataLines = [];
						dataSize = 0;
					} else {
						const l = line[0] === 0x2e ? line.subarray(1) : line;
						dataSize += l.length + 2;
						if (dataSize <= MAX_MESSAGE)
							dataLines.push(Buffer.from(l));
					}
					continue;
				}
				this.command(line.toString('utf8'), reply, env, () => {
					inData = true;
				}, (fresh) => {
					env = fresh;
				}, () => sock.end());
			}
		});
	}

	command(line, reply, env, startData, resetEnv, quit) {
		this.commands.push(line);
		const verb = line.split(' ', 1)[0].toUpperCase();
		const addr = () => {
			const m = /<([^>]*)>/.exec(line);
			return m ? m[1] : line.slice(line.indexOf(':') + 1).trim().split(' ')[0];
		};
		switch (verb) {
		case 'EHLO':
			reply('250-sink.test');
			reply('250-8BITMIME');
			reply('250-SMTPUTF8');
			reply(`250 SIZE ${MAX_MESSAGE}`);
			break;
		case 'HELO':
			reply('250 sink.test');
			break;
		case 'MAIL':
			resetEnv({ mailFrom: addr(), rcpts: [] });
			reply('250 2.1.0 OK');
			break;
		case 'RCPT':
			if (env.mailFrom === null) {
				reply('503 5.5.1 MAIL first');
				break;
			}
			env.rcpts.push(addr());
			reply('250 2.1.5 OK');
			break;
		case 'DATA':
			if (!env.rcpts.length) {
				reply('503 5.5.1 RCPT first');
				break;
			}
			reply('354 end with <CRLF>.<CRLF>');
			startData();
			break;
		case 'RSET':
			resetEnv({ mailFrom: null, rcpts: [] });
			reply('250 2.0.0 OK');
			break;
		case 'NOOP':
			reply('250 2.0.0 OK');
			break;
		case 'QUIT':
			reply('221 2.0.0 bye');
			quit();
			break;
		default:
			reply('502 5.5.2 not implemented');
		}
	}

	// Waits until a message for which pred(msg) is true has arrived; returns it.
	async waitFor(pred = () => true, timeoutMs = 15000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const m = this.messages.find(pred);
			if (m)
				return m;
			if (Date.now() > deadline) {
				throw new Error(`no matching message at the SMTP sink within ${timeoutMs} ms; ` +
					`${this.messages.length} arrived (subjects: ` +
					`${JSON.stringify(this.messages.map((x) => x.subject))}); ` +
					`commands: ${JSON.stringify(this.commands.slice(-20))}`);
			}
			await new Promise((r) => setTimeout(r, 50));
		}
	}

	async stop() {
		if (!this.server)
			return;
		for (const s of this.sockets)
			s.destroy();
		await new Promise((resolve) => this.server.close(() => resolve()));
		this.server = null;
	}
}
