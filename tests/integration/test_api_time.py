"""The stopwatch and time entries through the JSON API: start, switch,
stop, status, one technician's stopwatch untouched by another, closing a
ticket stops it, entries added by hand and corrected with a reason."""
import datetime
import time

A_EMAIL, B_EMAIL = "ante@example.hr", "branka@example.hr"


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def techs(server):
    server.evid.add_user(A_EMAIL, "Ante", "technician", "ante-password-1")
    server.evid.add_user(B_EMAIL, "Branka", "technician", "branka-password-1")
    return server.evid.token(A_EMAIL), server.evid.token(B_EMAIL)


def new_ticket(server, subject="work", **kw):
    r = server.request("POST", "/api/v1/tickets", dict(subject=subject, **kw),
                       token=server.admin_token)
    assert r.status == 201, r
    return r.json["ticket"]


def test_start_switch_stop_and_status(server):
    a, _ = techs(server)
    t1, t2 = new_ticket(server, "first"), new_ticket(server, "second")
    r = server.request("GET", "/api/v1/timer", token=a)
    assert r.status == 200 and r.json == {"timer": None}

    r = server.request("POST", "/api/v1/tickets/%d/timer/start" % t1["id"], token=a)
    assert r.status == 200, r
    assert r.json["stopped"] is None
    assert r.json["timer"]["ticket_id"] == t1["id"]
    assert r.json["timer"]["ticket_number"] == t1["number"]
    assert r.json["timer"]["ticket_subject"] == "first"
    started = r.json["timer"]["started_at"]

    r = server.request("GET", "/api/v1/timer", token=a)
    assert r.json["timer"]["ticket_id"] == t1["id"]
    assert r.json["timer"]["started_at"] == started
    assert r.json["timer"]["elapsed_seconds"] >= 0

    # Starting again on the same ticket leaves it running.
    r = server.request("POST", "/api/v1/tickets/%d/timer/start" % t1["id"], token=a)
    assert r.status == 200 and r.json["stopped"] is None
    assert r.json["timer"]["started_at"] == started

    time.sleep(1.1)
    # Starting on another ticket stops the first one into an entry.
    r = server.request("POST", "/api/v1/tickets/%d/timer/start" % t2["id"], token=a)
    assert r.status == 200
    stopped = r.json["stopped"]
    assert stopped["ticket_id"] == t1["id"]
    assert stopped["seconds"] >= 1
    assert stopped["started_at"] == started
    assert stopped["user_name"] == "Ante"
    assert r.json["timer"]["ticket_id"] == t2["id"]

    time.sleep(1.1)
    r = server.request("POST", "/api/v1/tickets/%d/timer/stop" % t2["id"], token=a)
    assert r.status == 200, r
    e = r.json["time_entry"]
    assert e["ticket_id"] == t2["id"] and e["seconds"] >= 1
    assert e["seconds"] == (parse(e["ended_at"]) - parse(e["started_at"])).total_seconds()
    assert e["billable"] is True
    assert server.request("GET", "/api/v1/timer", token=a).json == {"timer": None}

    # Stopping again: nothing runs.
    r = server.request("POST", "/api/v1/tickets/%d/timer/stop" % t2["id"], token=a)
    assert r.status == 409
    assert r.json["error"]["code"] == "conflict"

    g = server.request("GET", "/api/v1/tickets/%d" % t1["id"], token=a).json["ticket"]
    assert g["time_seconds"] == stopped["seconds"]
    assert [x["kind"] for x in g["events"]] == ["time_entry"]
    assert g["events"][0]["time_entry_id"] == stopped["id"]
    lst = server.request("GET", "/api/v1/tickets/%d/time" % t1["id"], token=a).json
    assert [x["id"] for x in lst["time_entries"]] == [stopped["id"]]
    assert lst["total_seconds"] == stopped["seconds"]


def test_another_technicians_stopwatch_is_untouched(server):
    a, b = techs(server)
    t = new_ticket(server)
    r = server.request("POST", "/api/v1/tickets/%d/timer/start" % t["id"], token=a)
    assert r.status == 200
    started = r.json["timer"]["started_at"]
    r = server.request("POST", "/api/v1/tickets/%d/timer/stop" % t["id"], token=b)
    assert r.status == 409
    assert server.request("GET", "/api/v1/timer", token=b).json == {"timer": None}
    r = server.request("GET", "/api/v1/timer", token=a)
    assert r.json["timer"]["ticket_id"] == t["id"]
    assert r.json["timer"]["started_at"] == started
    # B starting on the same ticket runs B's own stopwatch beside A's.
    r = server.request("POST", "/api/v1/tickets/%d/timer/start" % t["id"], token=b)
    assert r.status == 200 and r.json["stopped"] is None
    assert r.json["timer"]["user_id"] != server.request(
        "GET", "/api/v1/timer", token=a).json["timer"]["user_id"]
    assert server.request("GET", "/api/v1/timer", token=a).json["timer"]["started_at"] == started
    lst = server.request("GET", "/api/v1/tickets/%d/time" % t["id"], token=a).json
    assert lst["time_entries"] == []


def test_closing_a_ticket_stops_its_stopwatches(server):
    a, b = techs(server)
    t = new_ticket(server)
    for tok in (a, b):
        assert server.request("POST", "/api/v1/tickets/%d/timer/start" % t["id"],
                              token=tok).status == 200
    r = server.request("PATCH", "/api/v1/tickets/%d" % t["id"], {"status": "closed"}, token=a)
    assert r.status == 200
    for tok in (a, b):
        assert server.request("GET", "/api/v1/timer", token=tok).json == {"timer": None}
    lst = server.request("GET", "/api/v1/tickets/%d/time" % t["id"], token=a).json
    assert len(lst["time_entries"]) == 2
    assert {e["user_name"] for e in lst["time_entries"]} == {"Ante", "Branka"}
    # A closed ticket takes no new stopwatch.
    r = server.request("POST", "/api/v1/tickets/%d/timer/start" % t["id"], token=a)
    assert r.status == 409
    assert server.request("GET", "/api/v1/timer", token=a).json == {"timer": None}


def test_timer_errors(server):
    a, _ = techs(server)
    r = server.request("POST", "/api/v1/tickets/999/timer/start", token=a)
    assert r.status == 404
    r = server.request("POST", "/api/v1/tickets/999/timer/stop", token=a)
    assert r.status == 404
    t = new_ticket(server)
    r = server.request("POST", "/api/v1/tickets/%d/timer/start" % t["id"], {"ticket_id": 3},
                       token=a)
    assert r.status == 400 and "ticket_id" in r.json["error"]["message"]
    assert server.request("GET", "/api/v1/timer", token=a).json == {"timer": None}


def test_manual_time_and_correction(server):
    a, b = techs(server)
    t = new_ticket(server)
    free = new_ticket(server, "free one", billing="free")
    path = "/api/v1/tickets/%d/time" % t["id"]
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - \
        datetime.timedelta(hours=3)

    r = server.request("POST", path, {"started_at": rfc3339(start), "seconds": 1800,
                                      "note": "remote session"}, token=a)
    assert r.status == 201, r
    e = r.json["time_entry"]
    assert e["seconds"] == 1800
    assert e["started_at"] == rfc3339(start)
    assert e["ended_at"] == rfc3339(start + datetime.timedelta(seconds=1800))
    assert e["note"] == "remote session" and e["billable"] is True
    assert e["user_name"] == "Ante"

    # With ended_at and a zone offset instead of seconds.
    local = (start + datetime.timedelta(hours=1)).astimezone(
        datetime.timezone(datetime.timedelta(hours=1)))
    r = server.request("POST", path, {"started_at": local.isoformat(),
                                      "ended_at": rfc3339(start + datetime.timedelta(hours=1, minutes=15))},
                       token=a)
    assert r.status == 201, r
    assert r.json["time_entry"]["seconds"] == 900
    r = server.request("POST", "/api/v1/tickets/%d/time" % free["id"],
                       {"started_at": rfc3339(start), "seconds": 60}, token=a)
    assert r.json["time_entry"]["billable"] is False

    for bad, word in (({"started_at": rfc3339(start)}, "seconds"),
                      ({"started_at": rfc3339(start), "seconds": 60,
                        "ended_at": rfc3339(start)}, "either"),
                      ({"started_at": "yesterday", "seconds": 60}, "started_at"),
                      ({"started_at": rfc3339(start), "seconds": 0}, "seconds"),
                      ({"started_at": rfc3339(start), "seconds": 24 * 3600 + 1}, "seconds"),
                      ({"started_at": rfc3339(start), "seconds": "60"}, "seconds"),
                      ({"started_at": rfc3339(start), "ended_at": rfc3339(start)}, "ended_at"),
                      ({"started_at": rfc3339(start + datetime.timedelta(hours=5)),
                        "seconds": 3600}, "future"),
                      ({"seconds": 60}, "started_at"),
                      ({"started_at": rfc3339(start), "seconds": 60, "user_id": 1}, "user_id")):
        r = server.request("POST", path, bad, token=a)
        assert r.status in (400, 403), (bad, r)
        assert word in r.json["error"]["message"], (bad, r.json)
    r = server.request("POST", "/api/v1/tickets/999/time",
                       {"started_at": rfc3339(start), "seconds": 60}, token=a)
    assert r.status == 404
    lst = server.request("GET", path, token=a).json
    assert len(lst["time_entries"]) == 2 and lst["total_seconds"] == 2700

    # Correction: reason required, recorded in the history.
    epath = "/api/v1/time/%d" % e["id"]
    r = server.request("PATCH", epath, {"seconds": 1200}, token=a)
    assert r.status == 400 and "reason" in r.json["error"]["message"]
    r = server.request("PATCH", epath, {"seconds": 1200, "reason": "  "}, token=a)
    assert r.status == 400 and "reason" in r.json["error"]["message"]
    r = server.request("PATCH", epath, {"reason": "nothing"}, token=a)
    assert r.status == 400
    assert server.request("GET", path, token=a).json["total_seconds"] == 2700

    r = server.request("PATCH", epath, {"seconds": 1200, "billable": False,
                                        "reason": "half of it was a lunch break"}, token=b)
    assert r.status == 403
    r = server.request("PATCH", epath, {"seconds": 1200, "billable": False,
                                        "reason": "half of it was a lunch break"}, token=a)
    assert r.status == 200, r
    c = r.json["time_entry"]
    assert c["seconds"] == 1200 and c["billable"] is False
    assert c["started_at"] == e["started_at"]
    assert server.request("GET", path, token=a).json["total_seconds"] == 2100
    events = server.request("GET", "/api/v1/tickets/%d" % t["id"], token=a).json["ticket"]["events"]
    corr = [x for x in events if x["kind"] == "time_correction"]
    assert len(corr) == 1
    assert corr[0]["body"] == "half of it was a lunch break"
    assert corr[0]["time_entry_id"] == e["id"]
    assert corr[0]["author_name"] == "Ante"

    # An admin may correct anyone's entry and add time for another technician.
    r = server.request("PATCH", epath, {"note": "edited by admin", "reason": "typo"},
                       token=server.admin_token)
    assert r.status == 200 and r.json["time_entry"]["note"] == "edited by admin"
    users = server.request("GET", "/api/v1/users", token=a).json["users"]
    b_id = next(u["id"] for u in users if u["email"] == B_EMAIL)
    r = server.request("POST", path, {"started_at": rfc3339(start), "seconds": 60,
                                      "user_id": b_id}, token=server.admin_token)
    assert r.status == 201 and r.json["time_entry"]["user_name"] == "Branka"
    assert server.request("PATCH", "/api/v1/time/999", {"note": "x", "reason": "y"},
                          token=a).status == 404
