"""`evid client` and `evid contact`: adding and listing with --json, and
input the validators refuse (bad OIB, email, domains, unknown client,
duplicates) leaving the database as it was."""
import sqlite3

VALID_OIB = "69435151530"


def count(db, table):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


def add_client(evid, name="Servis Horvat d.o.o.", *extra):
    return evid.json("client", "add", "--name", name, *extra)["client"]


def test_client_add_and_list(evid):
    c = add_client(evid, "Servis Horvat d.o.o.", "--oib", VALID_OIB, "--vat-id",
                   "HR" + VALID_OIB, "--address", "Ilica 1, 10000 Zagreb", "--domains",
                   "Servis-Horvat.HR,servis.com", "--billing-email", "Racuni@Servis-Horvat.hr",
                   "--notes", "Ugovor do kraja godine.\nZvati prije podne.")
    assert c["id"] > 0
    assert c["name"] == "Servis Horvat d.o.o."
    assert c["oib"] == VALID_OIB
    assert c["vat_id"] == "HR" + VALID_OIB
    assert c["email_domains"] == "servis-horvat.hr,servis.com"
    assert c["billing_email"] == "racuni@servis-horvat.hr"
    assert c["notes"] == "Ugovor do kraja godine.\nZvati prije podne."
    assert c["active"] is True

    p = evid.run("client", "add", "--name", "Druga firma")
    assert p.stdout.startswith("created client 2: Druga firma")
    listed = evid.json("client", "list")
    assert listed["total"] == 2
    assert [x["name"] for x in listed["clients"]] == ["Druga firma", "Servis Horvat d.o.o."]
    assert listed["clients"][1] == c

    table = evid.run("client", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["ID", "NAME", "OIB"]
    assert any(VALID_OIB in line for line in table[1:])


def test_bad_client_input_changes_nothing(evid):
    add_client(evid, "Postojeća d.o.o.", "--oib", VALID_OIB)
    cases = [
        (["--oib", "69435151531"], "not a valid OIB"),
        (["--oib", "1234"], "not a valid OIB"),
        (["--billing-email", "racuni(at)firma.hr"], "not a valid email"),
        (["--domains", "firma .hr"], "not a comma-separated list of domains"),
        (["--domains", "firma"], "not a comma-separated list of domains"),
        (["--vat-id", "HR 123"], "VAT id"),
    ]
    for args, message in cases:
        p = evid.run("client", "add", "--name", "Nova d.o.o.", *args, check=False)
        assert p.returncode == 1, args
        assert message in p.stderr, (args, p.stderr)
    p = evid.run("client", "add", "--name", "Postojeća D.O.O.", check=False)
    assert p.returncode == 1  # the same name, in another case
    assert "already exists" in p.stderr
    p = evid.run("client", "add", "--name", "Nova", "--oib", VALID_OIB, check=False)
    assert p.returncode == 1  # the OIB of another client
    p = evid.run("client", "add", "--oib", VALID_OIB, check=False)
    assert p.returncode == 2
    assert "needs --name" in p.stderr
    assert count(evid.db, "clients") == 1


def test_contact_add_and_list(evid):
    a = add_client(evid, "Alfa d.o.o.")
    b = add_client(evid, "Beta d.o.o.")
    c = evid.json("contact", "add", "--client", str(a["id"]), "--name", "Marija Marić",
                  "--email", "Marija.Maric@Alfa.hr", "--phone", "+385 1 234 5678",
                  "--sees-all")["contact"]
    assert c["client_id"] == a["id"]
    assert c["client_name"] == "Alfa d.o.o."
    assert c["email"] == "marija.maric@alfa.hr"
    assert c["phone"] == "+385 1 234 5678"
    assert c["sees_all"] is True
    p = evid.run("contact", "add", "--client", str(b["id"]), "--name", "Pero Perić",
                 "--email", "pero@beta.hr")
    assert "created contact" in p.stdout and "Beta d.o.o." in p.stdout

    everyone = evid.json("contact", "list")
    assert everyone["total"] == 2
    assert sorted(x["email"] for x in everyone["contacts"]) == ["marija.maric@alfa.hr",
                                                                "pero@beta.hr"]
    only_b = evid.json("contact", "list", "--client", str(b["id"]))
    assert [(x["name"], x["sees_all"]) for x in only_b["contacts"]] == [("Pero Perić", False)]
    assert only_b["total"] == 1


def test_bad_contact_input_changes_nothing(evid):
    a = add_client(evid, "Alfa d.o.o.")
    evid.run("contact", "add", "--client", str(a["id"]), "--name", "Ana", "--email",
             "ana@alfa.hr")
    cases = [
        (["--client", str(a["id"]), "--name", "X", "--email", "x@@alfa.hr"],
         "not a valid email", 1),
        (["--client", str(a["id"]), "--name", "X", "--email", "x alfa.hr"],
         "not a valid email", 1),
        (["--client", "999", "--name", "X", "--email", "x@alfa.hr"], "no client with id 999", 1),
        (["--client", "abc", "--name", "X", "--email", "x@alfa.hr"], "not a client id", 1),
        (["--client", str(a["id"]), "--name", "Druga Ana", "--email", "ANA@alfa.hr"],
         "already used", 1),
        (["--client", str(a["id"]), "--email", "x@alfa.hr"], "--name", 2),
    ]
    for args, message, rc in cases:
        p = evid.run("contact", "add", *args, check=False)
        assert p.returncode == rc, (args, p.returncode, p.stderr)
        assert message in p.stderr, (args, p.stderr)
    assert count(evid.db, "contacts") == 1
