-- 0007: staff are listed by name (Q_USER_LIST: name COLLATE NOCASE, then
-- id), and every page with an assignee choice lists them.  Without an index
-- in that order SQLite sorted them for each page, which cost about a seventh
-- of the queue page's time; with it, the list is read in order.
CREATE INDEX users_name ON users(name COLLATE NOCASE, id);
