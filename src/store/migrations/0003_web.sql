-- 0003_web: what the staff web application needs (issue 4): a ticket's
-- category, merging a ticket into another (the event kind 'merge'), the
-- full-text search of the queue and the indexes that keep the queue fast.
-- Same conventions as 0001_init.  The events table is rebuilt to let its
-- CHECK accept 'merge' (SQLite cannot change a CHECK in place), so this
-- migration runs with foreign keys off and checked before it commits:
-- evid-migration: foreign_keys off

-- ---- events: the kind 'merge' ----

CREATE TABLE events_new (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	kind TEXT NOT NULL CHECK (kind IN ('message_in', 'reply', 'note', 'status_change',
		'assignment', 'field_change', 'time_entry', 'time_correction', 'merge')),
	author_user_id INTEGER REFERENCES users(id),
	author_contact_id INTEGER REFERENCES contacts(id),
	created_at INTEGER NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	old_value TEXT NOT NULL DEFAULT '',
	new_value TEXT NOT NULL DEFAULT '',
	time_entry_id INTEGER REFERENCES time_entries(id),
	body TEXT
);
INSERT INTO events_new (id, ticket_id, kind, author_user_id, author_contact_id, created_at,
	field, old_value, new_value, time_entry_id, body)
SELECT id, ticket_id, kind, author_user_id, author_contact_id, created_at,
	field, old_value, new_value, time_entry_id, body FROM events;
-- Dropping the old table drops its index and its append-only triggers too.
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_ticket ON events(ticket_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: an event cannot be changed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: an event cannot be deleted');
END;

-- ---- tickets: category and merging ----

-- Free text, at most 100 bytes (CATEGORY_MAX_LEN); '' = none.
ALTER TABLE tickets ADD COLUMN category TEXT NOT NULL DEFAULT ''
	CHECK (length(CAST(category AS BLOB)) <= 100);
-- The ticket this one was merged into (store_ticket_merge); NULL = not merged.
ALTER TABLE tickets ADD COLUMN merged_into INTEGER REFERENCES tickets(id)
	CHECK (merged_into IS NULL OR merged_into <> id);

-- ---- the queue's indexes and counts ----

-- The active tickets (new, open, waiting) are the queue people look at all
-- day, and their number does not grow with the years of history: this
-- index holds every column the queue filters and sorts them by, so a page
-- of them in any order, or their count, reads this index alone (and the
-- default order, last changed first, reads only a page of it).  The
-- queries spell the WHERE exactly like this and name the index.
CREATE INDEX tickets_active ON tickets(updated_at, created_at, priority, number, status,
	assignee_id, client_id, contact_id, channel, billing, category)
	WHERE status IN ('new', 'open', 'waiting');
-- One person's tickets (or nobody's) and a category, of all time: with the
-- status and the sort columns, so the counts and the orders need no row.
DROP INDEX tickets_assignee;
CREATE INDEX tickets_assignee ON tickets(assignee_id, updated_at, status, created_at, priority,
	number);
CREATE INDEX tickets_category ON tickets(category, updated_at, status, created_at, priority,
	number);
CREATE INDEX tickets_merged ON tickets(merged_into) WHERE merged_into IS NOT NULL;
-- Sorting by priority (low < normal < high < urgent) reads this in order.
CREATE INDEX tickets_priority ON tickets((CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2
	WHEN 'normal' THEN 1 ELSE 0 END), updated_at);

-- How many tickets have each status, kept by the triggers below: the
-- counts above the queue and the number of active tickets, unfiltered,
-- without counting 100,000 rows on every page.
CREATE TABLE ticket_status_counts (
	status TEXT PRIMARY KEY,
	n INTEGER NOT NULL CHECK (n >= 0)
) WITHOUT ROWID;
INSERT INTO ticket_status_counts (status, n)
SELECT status, count(*) FROM tickets GROUP BY status;

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets
BEGIN
	INSERT INTO ticket_status_counts (status, n) VALUES (new.status, 1)
	ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_count_update AFTER UPDATE OF status ON tickets
WHEN old.status IS NOT new.status
BEGIN
	UPDATE ticket_status_counts SET n = n - 1 WHERE status = old.status;
	INSERT INTO ticket_status_counts (status, n) VALUES (new.status, 1)
	ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets
BEGIN
	UPDATE ticket_status_counts SET n = n - 1 WHERE status = old.status;
END;

-- ---- full-text search ----

-- One document per ticket subject and per message, reply and note, found
-- by a search when it holds every word (store_ticket_list).  A message's
-- document holds the ticket's subject too, so "printer laserjet" finds a
-- ticket called "Printer" whose message names the LaserJet.  Contentless:
-- the text stays in its own table only.  The rowid says whose document it
-- is: the ticket id times 2^32, plus 0 for the subject or 1 + (event id
-- mod 2^32 - 1) for an event, so a search needs no other table to find
-- its tickets (rowid >> 32).  unicode61 with remove_diacritics 2 folds
-- case and most diacritics ("racun" finds "Račun"); it leaves đ alone (it
-- has no decomposition), so the text goes in with đ as d, and the queries
-- are folded the same way.  prefix: the first 2 and 3 letters of each word
-- are indexed too, for a fast "ra*".
CREATE VIRTUAL TABLE search_fts USING fts5(text, content = '',
	tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets
BEGIN
	INSERT INTO search_fts (rowid, text)
	VALUES (new.id << 32, replace(replace(new.subject, 'đ', 'd'), 'Đ', 'D'));
END;

-- A contentless table forgets a document by being told what it held.  A
-- new subject is written into the ticket's every document (subjects change
-- seldom), so each holds the subject the ticket has now.
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets
WHEN old.subject IS NOT new.subject
BEGIN
	INSERT INTO search_fts (search_fts, rowid, text)
	VALUES ('delete', old.id << 32, replace(replace(old.subject, 'đ', 'd'), 'Đ', 'D'));
	INSERT INTO search_fts (rowid, text)
	VALUES (new.id << 32, replace(replace(new.subject, 'đ', 'd'), 'Đ', 'D'));
	INSERT INTO search_fts (search_fts, rowid, text)
	SELECT 'delete', (old.id << 32) + 1 + e.id % 4294967295,
		replace(replace(old.subject || char(10) || e.body, 'đ', 'd'), 'Đ', 'D')
	FROM events e WHERE e.ticket_id = old.id
	AND e.kind IN ('message_in', 'reply', 'note') AND e.body IS NOT NULL;
	INSERT INTO search_fts (rowid, text)
	SELECT (new.id << 32) + 1 + e.id % 4294967295,
		replace(replace(new.subject || char(10) || e.body, 'đ', 'd'), 'Đ', 'D')
	FROM events e WHERE e.ticket_id = new.id
	AND e.kind IN ('message_in', 'reply', 'note') AND e.body IS NOT NULL;
END;

CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets
BEGIN
	INSERT INTO search_fts (search_fts, rowid, text)
	VALUES ('delete', old.id << 32, replace(replace(old.subject, 'đ', 'd'), 'Đ', 'D'));
END;

-- Events are append-only (the triggers above), so an insert is all there is.
CREATE TRIGGER events_fts_insert AFTER INSERT ON events
WHEN new.kind IN ('message_in', 'reply', 'note') AND new.body IS NOT NULL
BEGIN
	INSERT INTO search_fts (rowid, text)
	SELECT (new.ticket_id << 32) + 1 + new.id % 4294967295,
		replace(replace(t.subject || char(10) || new.body, 'đ', 'd'), 'Đ', 'D')
	FROM tickets t WHERE t.id = new.ticket_id;
END;

-- What was there before this migration.
INSERT INTO search_fts (rowid, text)
SELECT id << 32, replace(replace(subject, 'đ', 'd'), 'Đ', 'D') FROM tickets;
INSERT INTO search_fts (rowid, text)
SELECT (e.ticket_id << 32) + 1 + e.id % 4294967295,
	replace(replace(t.subject || char(10) || e.body, 'đ', 'd'), 'Đ', 'D')
FROM events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.kind IN ('message_in', 'reply', 'note') AND e.body IS NOT NULL;
