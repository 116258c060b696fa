-- 0005: the queue's default order is "last changed first, then the higher
-- number first" (updated_at DESC, id DESC).  An index whose columns go on
-- after updated_at does not give SQLite the id order among tickets changed
-- in the same second, so it sorted every such group on every page (about
-- twenty sorts for a page of one technician's tickets).  These indexes put
-- id right after updated_at: the default order is the index's own order,
-- and a page reads just its rows.
DROP INDEX tickets_active;
CREATE INDEX tickets_active ON tickets(updated_at, id, created_at, priority, number, status,
	assignee_id, client_id, contact_id, channel, billing, category)
	WHERE status IN ('new', 'open', 'waiting');
DROP INDEX tickets_assignee;
CREATE INDEX tickets_assignee ON tickets(assignee_id, updated_at, id, status, created_at,
	priority, number);
DROP INDEX tickets_category;
CREATE INDEX tickets_category ON tickets(category, updated_at, id, status, created_at, priority,
	number);
-- The queue shows each ticket's time: with the seconds in the index of a
-- ticket's entries, that sum reads the index alone, not each entry's row.
DROP INDEX time_entries_ticket;
CREATE INDEX time_entries_ticket ON time_entries(ticket_id, started_at, seconds);
