-- 0002_mail: email (issue 3).  The raw messages kept, every message in and out
-- of a ticket, the addresses that were on a ticket's mail, links between
-- tickets, the sender of a ticket opened by mail, the quarantine, the outbox,
-- the log of automatic answers and the IMAP position.  Same conventions as
-- 0001_init; the history (events) is unchanged: a mail's event is found
-- through mail_messages.event_id, a bounce or a link is an EVENT_FIELD_CHANGE.

-- Raw messages as they came, once each (by SHA-256 of the bytes).
CREATE TABLE mail_raw (
	id INTEGER PRIMARY KEY,
	sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
	size INTEGER NOT NULL CHECK (size = length(data)),
	data BLOB NOT NULL,
	created_at INTEGER NOT NULL
);

-- The outbox: a message to send, durable until it is sent or fails for good.
-- raw is NULL until the message has been rendered (once; retries send the same bytes).
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	event_id INTEGER REFERENCES events(id),
	kind TEXT NOT NULL CHECK (kind IN ('ack', 'notify_new', 'notify_reply', 'reply')),
	status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
	to_addrs TEXT NOT NULL CHECK (to_addrs <> ''),
	cc_addrs TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	sent_at INTEGER,
	raw BLOB,
	CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at, id);
CREATE INDEX outbox_ticket ON outbox(ticket_id, id);

-- Every message of a ticket, in ('in': imported) and out ('out': queued in the
-- outbox, its Message-ID made by us).  message_id is without angle brackets;
-- NULL for an incoming message that had none (then content_hash finds it again).
CREATE TABLE mail_messages (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	event_id INTEGER REFERENCES events(id),
	direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
	message_id TEXT UNIQUE CHECK (message_id IS NULL OR message_id <> ''),
	content_hash TEXT CHECK (content_hash IS NULL OR length(content_hash) = 64),
	from_addr TEXT NOT NULL DEFAULT '',
	from_name TEXT NOT NULL DEFAULT '',
	to_addrs TEXT NOT NULL DEFAULT '',
	cc_addrs TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	date INTEGER,
	raw_id INTEGER REFERENCES mail_raw(id),
	outbox_id INTEGER UNIQUE REFERENCES outbox(id),
	source TEXT CHECK (source IS NULL OR source IN ('pipe', 'imap', 'reprocess')),
	quote_at INTEGER,              -- where the quoted history starts in the event's body
	text_from_html INTEGER NOT NULL DEFAULT 0 CHECK (text_from_html IN (0, 1)),
	files_dropped INTEGER NOT NULL DEFAULT 0 CHECK (files_dropped >= 0),
	delivery TEXT NOT NULL DEFAULT 'ok' CHECK (delivery IN ('ok', 'undelivered')),
	sent_at INTEGER,               -- 'out': when the outbox handed it to the server
	created_at INTEGER NOT NULL,
	CHECK ((direction = 'out') = (outbox_id IS NOT NULL))
);
CREATE INDEX mail_messages_ticket ON mail_messages(ticket_id, id);
CREATE INDEX mail_messages_event ON mail_messages(event_id) WHERE event_id IS NOT NULL;
CREATE INDEX mail_messages_hash ON mail_messages(content_hash) WHERE content_hash IS NOT NULL;

-- The addresses (lowercase) that were on a ticket's mail, ours left out: a
-- subject tag alone is trusted from these.
CREATE TABLE ticket_addresses (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	addr TEXT NOT NULL CHECK (addr <> '' AND addr = lower(addr)),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, addr)
) WITHOUT ROWID;

-- A ticket that links to an earlier one: why is 'unknown_sender' (the
-- subject named it, the sender was not known there) or 'closed' (a reply
-- came after the reopening window).
CREATE TABLE ticket_links (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	linked_ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	why TEXT NOT NULL CHECK (why IN ('unknown_sender', 'closed')),
	created_at INTEGER NOT NULL,
	UNIQUE (ticket_id, linked_ticket_id),
	CHECK (ticket_id <> linked_ticket_id)
);
CREATE INDEX ticket_links_linked ON ticket_links(linked_ticket_id);

-- Who wrote the message that opened a ticket.  A ticket from an unknown
-- sender has client_id and contact_id NULL (it waits in triage); this row
-- keeps the address and name to create the contact from.
CREATE TABLE ticket_mail_origin (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
	from_addr TEXT NOT NULL,
	from_name TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

-- Raw messages that could not be parsed or were too big, for an admin to see
-- and re-process.
CREATE TABLE quarantine (
	id INTEGER PRIMARY KEY,
	raw_id INTEGER NOT NULL UNIQUE REFERENCES mail_raw(id),
	received_at INTEGER NOT NULL,
	source TEXT NOT NULL CHECK (source IN ('pipe', 'imap', 'reprocess')),
	reason TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'imported')),
	ticket_id INTEGER REFERENCES tickets(id),
	done_at INTEGER,
	CHECK ((status = 'imported') = (done_at IS NOT NULL))
);
CREATE INDEX quarantine_status ON quarantine(status, id);

-- Automatic answers sent, per recipient, for the per-hour cap.
CREATE TABLE autoreply_log (
	id INTEGER PRIMARY KEY,
	addr TEXT NOT NULL CHECK (addr = lower(addr)),
	sent_at INTEGER NOT NULL
);
CREATE INDEX autoreply_log_addr ON autoreply_log(addr, sent_at);
CREATE INDEX autoreply_log_sent ON autoreply_log(sent_at);

-- How far each IMAP mailbox has been imported.
CREATE TABLE imap_state (
	mailbox TEXT PRIMARY KEY CHECK (mailbox <> ''),
	uidvalidity INTEGER NOT NULL CHECK (uidvalidity >= 0),
	last_uid INTEGER NOT NULL CHECK (last_uid >= 0),
	updated_at INTEGER NOT NULL
);
