-- 0001_init: the whole first schema of Evidencija.
-- Enums are stored as their API names (status_name() etc.), instants as INTEGER
-- UTC seconds, emails lowercase.  An id column that may be "none" holds NULL.
-- The migration runner (store_sqlite.c) wraps this file in one transaction and
-- records it in schema_version; the file itself holds no BEGIN/COMMIT.

-- Staff: admins and technicians.  pwhash is an argon2id string ('' = no password).
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
	name TEXT NOT NULL CHECK (name <> ''),
	role TEXT NOT NULL CHECK (role IN ('admin', 'technician')),
	pwhash TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	lang TEXT NOT NULL DEFAULT 'hr' CHECK (lang IN ('hr', 'en')),
	created_at INTEGER NOT NULL
);

-- Login sessions and API tokens, found by the SHA-256 hex of their secret.
CREATE TABLE sessions (
	hash TEXT PRIMARY KEY CHECK (length(hash) = 64),
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
	name TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Client companies.  email_domains is "firma.hr,firma.com" (lowercase).
CREATE TABLE clients (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
	oib TEXT NOT NULL DEFAULT ''
		CHECK (oib = '' OR (length(oib) = 11 AND oib NOT GLOB '*[^0-9]*')),
	vat_id TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	email_domains TEXT NOT NULL DEFAULT '' CHECK (email_domains = lower(email_domains)),
	billing_email TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX clients_oib ON clients(oib) WHERE oib <> '';

-- People at a client.  A contact without an email (phone, walk-in) has NULL.
CREATE TABLE contacts (
	id INTEGER PRIMARY KEY,
	client_id INTEGER NOT NULL REFERENCES clients(id),
	name TEXT NOT NULL CHECK (name <> ''),
	email TEXT UNIQUE CHECK (email IS NULL OR (email <> '' AND email = lower(email))),
	phone TEXT NOT NULL DEFAULT '',
	sees_all INTEGER NOT NULL DEFAULT 0 CHECK (sees_all IN (0, 1)),
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX contacts_client ON contacts(client_id);

-- The last ticket sequence number given out in each year.
CREATE TABLE ticket_seq (
	year INTEGER PRIMARY KEY CHECK (year BETWEEN 1000 AND 9999),
	last INTEGER NOT NULL CHECK (last >= 0)
);

CREATE TABLE tickets (
	id INTEGER PRIMARY KEY,
	number TEXT NOT NULL UNIQUE CHECK (length(number) >= 11),
	subject TEXT NOT NULL CHECK (subject <> ''),
	status TEXT NOT NULL DEFAULT 'new'
		CHECK (status IN ('new', 'open', 'waiting', 'resolved', 'closed')),
	priority TEXT NOT NULL DEFAULT 'normal'
		CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
	channel TEXT NOT NULL
		CHECK (channel IN ('email', 'web', 'phone', 'fax', 'sms', 'walk_in', 'api')),
	billing TEXT NOT NULL DEFAULT 'billable'
		CHECK (billing IN ('billable', 'free', 'warranty')),
	client_id INTEGER REFERENCES clients(id),
	contact_id INTEGER REFERENCES contacts(id),
	assignee_id INTEGER REFERENCES users(id),
	created_by INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	closed_at INTEGER,
	CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- The list filters, each with the default sort so a filtered page needs no sort step.
CREATE INDEX tickets_updated ON tickets(updated_at);
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_status ON tickets(status, updated_at);
CREATE INDEX tickets_assignee ON tickets(assignee_id, updated_at);
CREATE INDEX tickets_client ON tickets(client_id, updated_at);
CREATE INDEX tickets_contact ON tickets(contact_id, updated_at);

CREATE TABLE time_entries (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	started_at INTEGER NOT NULL,
	ended_at INTEGER NOT NULL CHECK (ended_at >= started_at),
	seconds INTEGER NOT NULL CHECK (seconds = ended_at - started_at),
	note TEXT NOT NULL DEFAULT '',
	billable INTEGER NOT NULL DEFAULT 1 CHECK (billable IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX time_entries_ticket ON time_entries(ticket_id, started_at);
CREATE INDEX time_entries_user ON time_entries(user_id, started_at);

-- A ticket's history.  Append-only: the triggers below refuse any change.
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	kind TEXT NOT NULL CHECK (kind IN ('message_in', 'reply', 'note', 'status_change',
		'assignment', 'field_change', 'time_entry', 'time_correction')),
	author_user_id INTEGER REFERENCES users(id),
	author_contact_id INTEGER REFERENCES contacts(id),
	created_at INTEGER NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	old_value TEXT NOT NULL DEFAULT '',
	new_value TEXT NOT NULL DEFAULT '',
	time_entry_id INTEGER REFERENCES time_entries(id),
	body TEXT
);
CREATE INDEX events_ticket ON events(ticket_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: an event cannot be changed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: an event cannot be deleted');
END;

-- Running stopwatches: at most one per user, so the user is the key.
CREATE TABLE timers (
	user_id INTEGER PRIMARY KEY REFERENCES users(id),
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	started_at INTEGER NOT NULL
);
CREATE INDEX timers_ticket ON timers(ticket_id);

CREATE TABLE attachments (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	event_id INTEGER REFERENCES events(id),
	filename TEXT NOT NULL CHECK (filename <> ''),
	media_type TEXT NOT NULL CHECK (media_type <> ''),
	size INTEGER NOT NULL CHECK (size = length(data)),
	sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
	data BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments(ticket_id, id);
