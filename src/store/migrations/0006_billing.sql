-- 0006_billing: contracts, prepayment and the month-end specification (issue 5).
-- Same conventions as 0001_init.  Money is INTEGER cents, quantities INTEGER
-- thousandths, VAT whole percents (25, 13, 5, 0).  A day is a day number
-- (days since 1970-01-01) of a local date in the business time zone, a month
-- a month index (year * 12 + month - 1), both as core/calendar.h counts them;
-- the years 1900..9999 make the bounds below (days -25567..2932896, months
-- 22800..119999).  Nothing is deleted but contract lines that were never
-- prepaid, extras of open months and rate overrides: services and rates are
-- deactivated, contracts ended.

-- ---- the catalogue ----

-- What the company sells: code [a-z0-9_.-]{1,32}, price in cents per unit.
CREATE TABLE services (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE
		CHECK (code <> '' AND length(code) <= 32 AND code NOT GLOB '*[^a-z0-9_.-]*'),
	name TEXT NOT NULL CHECK (name <> '' AND length(CAST(name AS BLOB)) <= 200),
	unit TEXT NOT NULL CHECK (unit IN ('month', 'day', 'hour', 'piece')),
	price INTEGER NOT NULL CHECK (price BETWEEN 0 AND 10000000000),
	vat INTEGER NOT NULL CHECK (vat IN (25, 13, 5, 0)),
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- Hourly rates of ticket work by kind ("remote", "on_site"), cents per hour.
CREATE TABLE rates (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE
		CHECK (code <> '' AND length(code) <= 32 AND code NOT GLOB '*[^a-z0-9_.-]*'),
	name TEXT NOT NULL CHECK (name <> '' AND length(CAST(name AS BLOB)) <= 200),
	hourly INTEGER NOT NULL CHECK (hourly BETWEEN 0 AND 10000000000),
	vat INTEGER NOT NULL CHECK (vat IN (25, 13, 5, 0)),
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- ---- contracts ----

-- end_day NULL: open-ended.  The terms of its ticket work: increment and
-- minimum in seconds (at most a day), included support seconds per month (at
-- most 744 h), overage_hourly in cents (0 = the normal rate).
CREATE TABLE contracts (
	id INTEGER PRIMARY KEY,
	client_id INTEGER NOT NULL REFERENCES clients(id),
	number TEXT NOT NULL UNIQUE
		CHECK (number <> '' AND length(CAST(number AS BLOB)) <= 32),
	start_day INTEGER NOT NULL CHECK (start_day BETWEEN -25567 AND 2932896),
	end_day INTEGER CHECK (end_day IS NULL OR end_day BETWEEN start_day AND 2932896),
	proration TEXT NOT NULL CHECK (proration IN ('monthly', 'daily')),
	cycle TEXT NOT NULL CHECK (cycle IN ('monthly', 'quarterly', 'half_yearly', 'yearly')),
	prepaid INTEGER NOT NULL CHECK (prepaid IN (0, 1)),
	increment INTEGER NOT NULL CHECK (increment BETWEEN 0 AND 86400),
	round_mode TEXT NOT NULL CHECK (round_mode IN ('up', 'nearest')),
	round_per TEXT NOT NULL CHECK (round_per IN ('entry', 'ticket')),
	minimum INTEGER NOT NULL CHECK (minimum BETWEEN 0 AND 86400),
	included INTEGER NOT NULL CHECK (included BETWEEN 0 AND 2678400),
	overage_hourly INTEGER NOT NULL CHECK (overage_hourly BETWEEN 0 AND 10000000000),
	notes TEXT NOT NULL DEFAULT '' CHECK (length(CAST(notes AS BLOB)) <= 4000),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX contracts_client ON contracts(client_id, number);
-- The contracts that cover a month: those that started by its last day.
CREATE INDEX contracts_start ON contracts(start_day, end_day);

-- A contract's lines: quantity (thousandths) x monthly price (cents per unit
-- per month), with the text and VAT the line was made with.
CREATE TABLE contract_lines (
	id INTEGER PRIMARY KEY,
	contract_id INTEGER NOT NULL REFERENCES contracts(id),
	service_id INTEGER NOT NULL REFERENCES services(id),
	description TEXT NOT NULL
		CHECK (description <> '' AND length(CAST(description AS BLOB)) <= 200),
	quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000000000),
	monthly_price INTEGER NOT NULL CHECK (monthly_price BETWEEN 0 AND 10000000000),
	vat INTEGER NOT NULL CHECK (vat IN (25, 13, 5, 0))
);
CREATE INDEX contract_lines_contract ON contract_lines(contract_id, id);
CREATE INDEX contract_lines_service ON contract_lines(service_id);

-- A rate's price for one client or for one contract: exactly one of the two.
CREATE TABLE rate_overrides (
	id INTEGER PRIMARY KEY,
	rate_id INTEGER NOT NULL REFERENCES rates(id),
	client_id INTEGER REFERENCES clients(id),
	contract_id INTEGER REFERENCES contracts(id),
	hourly INTEGER NOT NULL CHECK (hourly BETWEEN 0 AND 10000000000),
	CHECK ((client_id IS NULL) <> (contract_id IS NULL))
);
CREATE UNIQUE INDEX rate_overrides_client ON rate_overrides(client_id, rate_id)
	WHERE client_id IS NOT NULL;
CREATE UNIQUE INDEX rate_overrides_contract ON rate_overrides(contract_id, rate_id)
	WHERE contract_id IS NOT NULL;

-- ---- ticket work ----

-- The kind of work of a time entry; NULL = the default rate ([billing]).
ALTER TABLE time_entries ADD COLUMN rate_id INTEGER REFERENCES rates(id);
-- A month's entries are those that started in its UTC range: read in this
-- index's order, with every column the month-end needs of an entry.
CREATE INDEX time_entries_started ON time_entries(started_at, ticket_id, user_id, seconds,
	billable, rate_id);

-- Extra items on a ticket (material, travel): quantity in thousandths x unit
-- price in cents, on the local day `day`; they belong to that day's month.
CREATE TABLE extras (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	day INTEGER NOT NULL CHECK (day BETWEEN -25567 AND 2932896),
	description TEXT NOT NULL
		CHECK (description <> '' AND length(CAST(description AS BLOB)) <= 200),
	quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000000000),
	unit_price INTEGER NOT NULL CHECK (unit_price BETWEEN 0 AND 10000000000),
	vat INTEGER NOT NULL CHECK (vat IN (25, 13, 5, 0)),
	created_by INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL
);
CREATE INDEX extras_ticket ON extras(ticket_id, id);
CREATE INDEX extras_day ON extras(day, ticket_id);

-- ---- prepayment ----

-- A contract's billing period first_month..last_month invoiced in advance in
-- `month` (the month the period starts), at issued_at.
CREATE TABLE prepayments (
	id INTEGER PRIMARY KEY,
	contract_id INTEGER NOT NULL REFERENCES contracts(id),
	month INTEGER NOT NULL CHECK (month BETWEEN 22800 AND 119999),
	first_month INTEGER NOT NULL CHECK (first_month BETWEEN 22800 AND 119999),
	last_month INTEGER NOT NULL CHECK (last_month BETWEEN first_month AND first_month + 11),
	issued_at INTEGER NOT NULL
);
CREATE INDEX prepayments_contract ON prepayments(contract_id, first_month);
CREATE INDEX prepayments_month ON prepayments(month, id);

-- What a prepayment invoiced for one contract line and one month of its period.
CREATE TABLE prepayment_items (
	id INTEGER PRIMARY KEY,
	prepayment_id INTEGER NOT NULL REFERENCES prepayments(id),
	line_id INTEGER NOT NULL REFERENCES contract_lines(id),
	month INTEGER NOT NULL CHECK (month BETWEEN 22800 AND 119999),
	amount INTEGER NOT NULL CHECK (amount >= 0),
	UNIQUE (line_id, month)
);
CREATE INDEX prepayment_items_prepayment ON prepayment_items(prepayment_id, line_id, month);
CREATE INDEX prepayment_items_month ON prepayment_items(month);

-- ---- corrections and closed months ----

-- A correction of closed month corrects_month, charged (or, negative,
-- credited) in the open month `month`.
CREATE TABLE adjustments (
	id INTEGER PRIMARY KEY,
	client_id INTEGER NOT NULL REFERENCES clients(id),
	month INTEGER NOT NULL CHECK (month BETWEEN 22800 AND 119999),
	corrects_month INTEGER NOT NULL CHECK (corrects_month BETWEEN 22800 AND month - 1),
	description TEXT NOT NULL
		CHECK (description <> '' AND length(CAST(description AS BLOB)) <= 200),
	amount INTEGER NOT NULL CHECK (amount BETWEEN -10000000000 AND 10000000000),
	vat INTEGER NOT NULL CHECK (vat IN (25, 13, 5, 0)),
	ticket_id INTEGER REFERENCES tickets(id),
	created_by INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL
);
CREATE INDEX adjustments_month ON adjustments(month, client_id, id);

-- A closed month: its UTC range [from_ts, to_ts) (the instants its first day
-- starts and the next month's first day starts, in the business zone), its
-- days from_day..to_day, who closed it when, and the run's summary as the
-- JSON text it was written as.  Months close in order (store_month_close).
CREATE TABLE billing_months (
	month INTEGER PRIMARY KEY CHECK (month BETWEEN 22800 AND 119999),
	from_ts INTEGER NOT NULL,
	to_ts INTEGER NOT NULL CHECK (to_ts > from_ts),
	from_day INTEGER NOT NULL,
	to_day INTEGER NOT NULL CHECK (to_day BETWEEN from_day + 27 AND from_day + 30),
	closed_at INTEGER NOT NULL,
	closed_by INTEGER REFERENCES users(id),
	summary_json TEXT NOT NULL
);
CREATE UNIQUE INDEX billing_months_from_ts ON billing_months(from_ts, to_ts);
CREATE UNIQUE INDEX billing_months_from_day ON billing_months(from_day, to_day);

-- Each client's specification of a closed month, as the JSON text it was
-- written as when the month closed; later runs of the month read it back.
CREATE TABLE billing_specs (
	month INTEGER NOT NULL REFERENCES billing_months(month) DEFERRABLE INITIALLY DEFERRED,
	client_id INTEGER NOT NULL REFERENCES clients(id),
	json TEXT NOT NULL,
	PRIMARY KEY (month, client_id)
) WITHOUT ROWID;

-- A closed month stays closed, and what it stored stays as it was.
CREATE TRIGGER billing_months_no_update BEFORE UPDATE ON billing_months
BEGIN
	SELECT RAISE(ABORT, 'a closed month cannot be changed or reopened');
END;
CREATE TRIGGER billing_months_no_delete BEFORE DELETE ON billing_months
BEGIN
	SELECT RAISE(ABORT, 'a closed month cannot be changed or reopened');
END;
CREATE TRIGGER billing_specs_no_update BEFORE UPDATE ON billing_specs
BEGIN
	SELECT RAISE(ABORT, 'a closed month''s specification cannot be changed');
END;
CREATE TRIGGER billing_specs_no_delete BEFORE DELETE ON billing_specs
BEGIN
	SELECT RAISE(ABORT, 'a closed month''s specification cannot be changed');
END;
-- Specifications are stored only together with their month (store_month_close
-- inserts the month last, in the same transaction).
CREATE TRIGGER billing_specs_closed_only BEFORE INSERT ON billing_specs
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE m.month = new.month)
BEGIN
	SELECT RAISE(ABORT, 'a closed month''s specification cannot be changed');
END;

-- ---- what a closed month refuses ----

-- Once a month is closed, nothing it billed may change: the time entries that
-- started in its UTC range, the extras of its days, the prepayments issued in
-- it and the adjustments charged in it.  Every one of these triggers raises
-- the same text; SQLite 3.40 takes only a literal in RAISE, so the store
-- puts the month into it (store_sqlite_billing.c, sq_closed_month_explain),
-- reading it from billing_months with the same ranges.  Keep the text in
-- step with SQ_CLOSED_MONTH in sqlite_internal.h.

CREATE TRIGGER time_entries_closed_insert BEFORE INSERT ON time_entries
WHEN EXISTS (SELECT 1 FROM billing_months m
	WHERE m.from_ts <= new.started_at AND m.to_ts > new.started_at)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER time_entries_closed_update BEFORE UPDATE ON time_entries
WHEN EXISTS (SELECT 1 FROM billing_months m
	WHERE (m.from_ts <= old.started_at AND m.to_ts > old.started_at)
	OR (m.from_ts <= new.started_at AND m.to_ts > new.started_at))
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER time_entries_closed_delete BEFORE DELETE ON time_entries
WHEN EXISTS (SELECT 1 FROM billing_months m
	WHERE m.from_ts <= old.started_at AND m.to_ts > old.started_at)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;

CREATE TRIGGER extras_closed_insert BEFORE INSERT ON extras
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE new.day BETWEEN m.from_day AND m.to_day)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER extras_closed_update BEFORE UPDATE ON extras
WHEN EXISTS (SELECT 1 FROM billing_months m
	WHERE old.day BETWEEN m.from_day AND m.to_day OR new.day BETWEEN m.from_day AND m.to_day)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER extras_closed_delete BEFORE DELETE ON extras
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE old.day BETWEEN m.from_day AND m.to_day)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;

CREATE TRIGGER prepayments_closed_insert BEFORE INSERT ON prepayments
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE m.month = new.month)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER prepayments_closed_update BEFORE UPDATE ON prepayments
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE m.month IN (old.month, new.month))
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER prepayments_closed_delete BEFORE DELETE ON prepayments
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE m.month = old.month)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
-- A prepayment's items go with it: refused when it was issued in a closed month.
CREATE TRIGGER prepayment_items_closed_insert BEFORE INSERT ON prepayment_items
WHEN EXISTS (SELECT 1 FROM prepayments p JOIN billing_months m ON m.month = p.month
	WHERE p.id = new.prepayment_id)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER prepayment_items_closed_update BEFORE UPDATE ON prepayment_items
WHEN EXISTS (SELECT 1 FROM prepayments p JOIN billing_months m ON m.month = p.month
	WHERE p.id IN (old.prepayment_id, new.prepayment_id))
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER prepayment_items_closed_delete BEFORE DELETE ON prepayment_items
WHEN EXISTS (SELECT 1 FROM prepayments p JOIN billing_months m ON m.month = p.month
	WHERE p.id = old.prepayment_id)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;

CREATE TRIGGER adjustments_closed_insert BEFORE INSERT ON adjustments
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE m.month = new.month)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER adjustments_closed_update BEFORE UPDATE ON adjustments
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE m.month IN (old.month, new.month))
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
CREATE TRIGGER adjustments_closed_delete BEFORE DELETE ON adjustments
WHEN EXISTS (SELECT 1 FROM billing_months m WHERE m.month = old.month)
BEGIN
	SELECT RAISE(ABORT, 'month is closed; record a correction as an adjustment in an open month');
END;
