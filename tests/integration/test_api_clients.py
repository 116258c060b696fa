"""Client companies and their contacts through the JSON API: create, get,
update, list with search and paging, and the refusals (bad OIB, duplicate
name or email, unknown client) that change nothing."""
import sqlite3


def oib_with_check(first10):
    """Complete 10 digits with the ISO 7064 MOD 11,10 check digit."""
    a = 10
    for ch in first10:
        a = (a + int(ch)) % 10
        if a == 0:
            a = 10
        a = (a * 2) % 11
    return first10 + str((11 - a) % 10)


OIB = oib_with_check("1234567890")
BAD_OIB = OIB[:10] + str((int(OIB[10]) + 1) % 10)


def count(server, table):
    con = sqlite3.connect(server.evid.db)
    try:
        return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


def test_client_create_get_update(server):
    tok = server.admin_token
    body = {"name": "Gama d.d.", "oib": OIB, "vat_id": "HR" + OIB,
            "address": "Ilica 1\n10000 Zagreb", "email_domains": "Gama.hr,gama.com",
            "billing_email": "Racuni@Gama.hr", "notes": "VIP"}
    r = server.request("POST", "/api/v1/clients", body, token=tok)
    assert r.status == 201, r
    c = r.json["client"]
    assert c["name"] == "Gama d.d." and c["oib"] == OIB and c["vat_id"] == "HR" + OIB
    assert c["address"] == "Ilica 1\n10000 Zagreb"
    assert c["email_domains"] == "gama.hr,gama.com"
    assert c["billing_email"] == "racuni@gama.hr"
    assert c["active"] is True
    assert c["created_at"] and c["updated_at"]

    path = "/api/v1/clients/%d" % c["id"]
    g = server.request("GET", path, token=tok)
    assert g.status == 200 and g.json["client"] == c

    r = server.request("PATCH", path, {"notes": "", "active": False, "oib": None}, token=tok)
    assert r.status == 200, r
    u = r.json["client"]
    assert u["notes"] == "" and u["active"] is False and u["oib"] == ""
    assert u["name"] == "Gama d.d." and u["address"] == c["address"]
    assert server.request("GET", path, token=tok).json["client"] == u


def test_client_refusals_change_nothing(server):
    tok = server.admin_token
    c = server.request("POST", "/api/v1/clients", {"name": "Delta", "oib": OIB},
                       token=tok).json["client"]
    path = "/api/v1/clients/%d" % c["id"]
    for body, status, word in (
            ({"name": "Epsilon", "oib": BAD_OIB}, 400, "oib"),
            ({"name": "Epsilon", "oib": "123"}, 400, "oib"),
            ({"name": "delta"}, 409, ""),            # names are unique, any case
            ({"name": "Epsilon", "oib": OIB}, 409, ""),
            ({"name": "Epsilon", "billing_email": "not-an-email"}, 400, "billing_email"),
            ({"name": "Epsilon", "email_domains": "bad domain"}, 400, "email_domains"),
            ({"name": "Epsilon", "active": "yes"}, 400, "active"),
            ({"name": "Epsilon", "iban": "HR12"}, 400, "'iban'"),
            ({"name": "   "}, 400, "name"),
            ({"oib": OIB}, 400, "name")):
        r = server.request("POST", "/api/v1/clients", body, token=tok)
        assert r.status == status, (body, r)
        assert word in r.json["error"]["message"], (body, r.json)
    assert count(server, "clients") == 1
    for body, word in (({"oib": BAD_OIB}, "oib"), ({"name": None}, "name"),
                       ({"name": 7}, "name"), ({"tags": []}, "'tags'"), ({}, "nothing")):
        r = server.request("PATCH", path, body, token=tok)
        assert r.status == 400 and word in r.json["error"]["message"], (body, r.json)
    assert server.request("GET", path, token=tok).json["client"] == c
    assert server.request("GET", "/api/v1/clients/999", token=tok).status == 404
    assert server.request("PATCH", "/api/v1/clients/999", {"notes": "x"},
                          token=tok).status == 404


def test_client_list_search_and_paging(server):
    tok = server.admin_token
    for name in ("Alfa", "Beta", "Alfabet", "Gama", "Delta"):
        assert server.request("POST", "/api/v1/clients", {"name": name},
                              token=tok).status == 201
    server.request("PATCH", "/api/v1/clients/4", {"active": False}, token=tok)
    r = server.request("GET", "/api/v1/clients", token=tok)
    assert r.status == 200 and r.json["total"] == 5 and len(r.json["clients"]) == 5
    r = server.request("GET", "/api/v1/clients?q=alfa", token=tok)
    assert sorted(c["name"] for c in r.json["clients"]) == ["Alfa", "Alfabet"]
    r = server.request("GET", "/api/v1/clients?active_only=true", token=tok)
    assert "Gama" not in [c["name"] for c in r.json["clients"]] and r.json["total"] == 4
    seen = []
    for page in (1, 2, 3):
        r = server.request("GET", "/api/v1/clients?per_page=2&page=%d" % page, token=tok)
        assert r.json["total"] == 5 and r.json["page"] == page
        seen += [c["name"] for c in r.json["clients"]]
    assert sorted(seen) == ["Alfa", "Alfabet", "Beta", "Delta", "Gama"]
    for q in ("?per_page=500", "?active_only=maybe", "?name=x"):
        assert server.request("GET", "/api/v1/clients" + q, token=tok).status == 400


def test_contacts_crud(server):
    tok = server.admin_token
    c1 = server.request("POST", "/api/v1/clients", {"name": "Alfa"}, token=tok).json["client"]
    c2 = server.request("POST", "/api/v1/clients", {"name": "Beta"}, token=tok).json["client"]
    r = server.request("POST", "/api/v1/contacts",
                       {"client_id": c1["id"], "name": "Marko Marić", "email": "Marko@Alfa.hr",
                        "phone": "+385 1 2345 678", "sees_all": True}, token=tok)
    assert r.status == 201, r
    k = r.json["contact"]
    assert k["client_id"] == c1["id"] and k["client_name"] == "Alfa"
    assert k["email"] == "marko@alfa.hr" and k["sees_all"] is True and k["active"] is True
    path = "/api/v1/contacts/%d" % k["id"]
    assert server.request("GET", path, token=tok).json["contact"] == k

    # A contact without an email (phone only) is fine, twice.
    for name in ("Phone One", "Phone Two"):
        r = server.request("POST", "/api/v1/contacts", {"client_id": c2["id"], "name": name},
                           token=tok)
        assert r.status == 201, r
        assert r.json["contact"]["email"] == ""

    for body, status, word in (
            ({"client_id": c1["id"], "name": "Dup", "email": "MARKO@alfa.hr"}, 409, ""),
            ({"client_id": 999, "name": "X"}, 400, "client_id"),
            ({"client_id": c1["id"], "name": "X", "email": "x@"}, 400, "email"),
            ({"name": "X"}, 400, "client_id"),
            ({"client_id": c1["id"], "name": "X", "phone": "1\n2"}, 400, "phone"),
            ({"client_id": c1["id"], "name": "X", "fax": "1"}, 400, "'fax'")):
        r = server.request("POST", "/api/v1/contacts", body, token=tok)
        assert r.status == status, (body, r)
        assert word in r.json["error"]["message"], (body, r.json)
    assert count(server, "contacts") == 3

    r = server.request("PATCH", path, {"client_id": c2["id"], "phone": "", "sees_all": False},
                       token=tok)
    assert r.status == 200, r
    u = r.json["contact"]
    assert u["client_id"] == c2["id"] and u["client_name"] == "Beta"
    assert u["phone"] == "" and u["sees_all"] is False and u["email"] == "marko@alfa.hr"
    r = server.request("PATCH", path, {"client_id": 999}, token=tok)
    assert r.status == 400 and "client_id" in r.json["error"]["message"]
    assert server.request("GET", path, token=tok).json["contact"] == u
    assert server.request("GET", "/api/v1/contacts/999", token=tok).status == 404

    r = server.request("GET", "/api/v1/contacts?client_id=%d" % c2["id"], token=tok)
    assert r.json["total"] == 3
    r = server.request("GET", "/api/v1/contacts?client_id=%d" % c1["id"], token=tok)
    assert r.json["total"] == 0 and r.json["contacts"] == []
    r = server.request("GET", "/api/v1/contacts?q=marko", token=tok)
    assert [x["id"] for x in r.json["contacts"]] == [k["id"]]
    r = server.request("GET", "/api/v1/contacts?per_page=1&page=2", token=tok)
    assert r.json["total"] == 3 and len(r.json["contacts"]) == 1
