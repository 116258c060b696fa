-- 0004: the count of each status per assignee, kept by triggers like
-- ticket_status_counts (0003), so that "my tickets" and "unassigned" -- the
-- queue's most used filters -- show their counts and totals without
-- counting a person's whole history on every page.  assignee_id 0 stands
-- for "nobody".
CREATE TABLE ticket_assignee_counts (
	assignee_id INTEGER NOT NULL,
	status TEXT NOT NULL,
	n INTEGER NOT NULL CHECK (n >= 0),
	PRIMARY KEY (assignee_id, status)
) WITHOUT ROWID;
INSERT INTO ticket_assignee_counts (assignee_id, status, n)
SELECT coalesce(assignee_id, 0), status, count(*) FROM tickets
GROUP BY coalesce(assignee_id, 0), status;

CREATE TRIGGER tickets_assignee_count_insert AFTER INSERT ON tickets
BEGIN
	INSERT INTO ticket_assignee_counts (assignee_id, status, n)
	VALUES (coalesce(new.assignee_id, 0), new.status, 1)
	ON CONFLICT (assignee_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_assignee_count_update AFTER UPDATE OF status, assignee_id ON tickets
WHEN old.status IS NOT new.status OR old.assignee_id IS NOT new.assignee_id
BEGIN
	UPDATE ticket_assignee_counts SET n = n - 1
	WHERE assignee_id = coalesce(old.assignee_id, 0) AND status = old.status;
	INSERT INTO ticket_assignee_counts (assignee_id, status, n)
	VALUES (coalesce(new.assignee_id, 0), new.status, 1)
	ON CONFLICT (assignee_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_assignee_count_delete AFTER DELETE ON tickets
BEGIN
	UPDATE ticket_assignee_counts SET n = n - 1
	WHERE assignee_id = coalesce(old.assignee_id, 0) AND status = old.status;
END;
