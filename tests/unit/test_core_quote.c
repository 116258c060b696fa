/*
 * Unit tests for core/quote: where the quoted history of a reply starts.
 * A table of texts and the line the history should start with (NULL: no
 * history found, or nothing new above it, so nothing folds away).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/quote.h"

struct quote_case {
	const char *what;
	const char *text;
	const char *quote; /* what the text from quote_at on starts with, or NULL */
};

static const struct quote_case cases[] = {
    {"empty", "", NULL},
    {"one line, no newline", "Hvala!", NULL},
    {"plain text", "Pozdrav,\n\nprinter ne radi.\n\nIvan\n", NULL},
    {"gmail en",
     "Thanks.\n\nOn Mon, 19 Jan 2026 at 16:40, Ana <ana@firma.hr> wrote:\n> hi\n> there\n",
     "On Mon, 19 Jan 2026 at 16:40"},
    {"gmail en with CRLF",
     "Thanks.\r\n\r\nOn Mon, 19 Jan 2026, Ana <ana@firma.hr> wrote:\r\n> hi\r\n",
     "On Mon, 19 Jan 2026, Ana"},
    {"gmail attribution wrapped over two lines",
     "OK.\n\nOn Mon, 19 Jan 2026 at 16:40, Ana Kovac <\nana@firma.hr> wrote:\n\n> hi\n",
     "On Mon, 19 Jan 2026 at 16:40, Ana Kovac <\n"},
    {"gmail hr napisao je",
     "Hvala.\n\npon, 19. sij 2026. u 17:05 Ana <ana@firma.hr> napisao je:\n> Pozdrav\n",
     "pon, 19. sij 2026. u 17:05"},
    {"gmail hr napisala je",
     "Hvala.\n\nuto, 20. sij 2026. u 9:00 Ana <ana@firma.hr> napisala je:\n> x\n",
     "uto, 20. sij 2026."},
    {"gmail hr je napisao/la",
     "Hvala.\n\nsri, 21. sij 2026. u 08:10 Ivo <ivo@firma.hr> je napisao/la:\n> x\n",
     "sri, 21. sij 2026."},
    {"thunderbird hr", "U redu.\n\nDana 23.1.2026. u 9:15, Ana je napisao:\n> Kada?\n",
     "Dana 23.1.2026. u 9:15"},
    {"german schrieb", "Danke.\n\nAm 19.01.2026 um 10:00 schrieb Max <max@x.de>:\n> Hallo\n",
     "Am 19.01.2026 um 10:00"},
    {"attribution followed by unprefixed history",
     "Da.\n\nOn Mon, 19 Jan 2026 at 16:40, Ana <ana@firma.hr> wrote:\n\nPitanje bez navodnika.\n",
     "On Mon, 19 Jan 2026 at 16:40"},
    {"'wrote:' without a date or address is not an attribution", "Bob wrote:\nsomething\n", NULL},
    {"interleaved answers are not hidden",
     "On Mon, 19 Jan 2026, Ana <ana@firma.hr> wrote:\n> q1\nanswer 1\n> q2\nanswer 2\n", NULL},
    {"bottom posting keeps the answer below the quote",
     "On Mon, 19 Jan 2026, Ana <ana@firma.hr> wrote:\n> question\n\nmy answer\n", NULL},
    {"trailing > block", "Radi.\n\n> Javite ako\n> ne radi.\n\n", "> Javite ako"},
    {"trailing > block with blank quoted lines", "Da\n> a\n>\n> b\n", "> a"},
    {"indented > lines", "Da\n  > a\n  > b\n", "  > a"},
    {"a quote in the middle only is kept", "Vidi:\n> citat\nkraj poruke\n", NULL},
    {"all quote: nothing hidden", "> samo\n> citat\n", NULL},
    {"all quote after blank lines: nothing hidden", "\n\n> samo citat\n", NULL},
    {"outlook en with rule line",
     "Please order 5 more.\n\n________________________________\nFrom: Podrska <p@firma.hr>\n"
     "Sent: Monday, January 19, 2026 3:00 PM\nTo: Robert <r@k.hr>\nSubject: Licence\n\nHello\n",
     "________________________________\nFrom: Podrska"},
    {"outlook en without rule line",
     "Yes.\n\nFrom: Podrska <p@firma.hr>\nSent: Monday, January 19, 2026 3:00 PM\n"
     "To: Robert <r@k.hr>\nSubject: Licence\n\nHello\n",
     "From: Podrska"},
    {"outlook hr",
     "Riješeno.\n\nOd: Podrška <p@firma.hr>\nPoslano: ponedjeljak, 19. siječnja 2026. 14:10\n"
     "Prima: Sanja <s@k.hr>\nPredmet: Ispis\n\nPokušajte ponovno.\n",
     "Od: Podrška"},
    {"outlook hr Šalje/Datum",
     "Dogovoreno.\n\nŠalje: Podrška <p@firma.hr>\nDatum: 19. 1. 2026. 14:10\nZa: Sanja\n"
     "Predmet: Ispis\n\nx\n",
     "Šalje: Podrška"},
    {"outlook block from HTML with bold stars and blank lines",
     "OK\n\n*From:* Podrska <p@firma.hr>\n\n*Sent:* Monday, January 19, 2026\n\n*To:* Ana\n",
     "*From:* Podrska"},
    {"a lone From: line is not a block", "From: me\nI wrote this myself.\n", NULL},
    {"original message separator", "Može.\n\n-----Original Message-----\nFrom: x\nhello\n",
     "-----Original Message-----"},
    {"original message separator with spaces", "Ok\n----- Original Message -----\nx\n",
     "----- Original Message -----"},
    {"izvorna poruka separator", "Može u 10.\n\n-----Izvorna poruka-----\nŠalje: x\n",
     "-----Izvorna poruka-----"},
    {"gmail forward is content, not history",
     "Pogledajte.\n\n---------- Forwarded message ---------\nFrom: Tomo <t@k.hr>\n"
     "Date: Sun, 18 Jan 2026 at 22:10\nSubject: Kvar\nTo: Ivana <i@k.hr>\n\nServer je pao.\n",
     NULL},
    {"croatian gmail forward is content",
     "Vidi.\n\n---------- Proslijeđena poruka ---------\nOd: Tomo <t@k.hr>\n"
     "Date: ned, 18. sij 2026. u 22:10\nSubject: Kvar\nTo: Ivana <i@k.hr>\n\nServer je pao.\n",
     NULL},
    {"the earliest marker wins",
     "A\n\n-----Original Message-----\nFrom: x\n\nOn Mon, 1 Jan 2026, B <b@x.hr> wrote:\n> y\n",
     "-----Original Message-----"},
};

static void test_quote_table(void **state)
{
	size_t i, n, at;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct quote_case *c = &cases[i];

		n = strlen(c->text);
		at = quote_split(c->text, n);
		if (!c->quote) {
			if (at != n) {
				print_error("%s: quote_at %zu of %zu, want none ('%s')\n", c->what,
					    at, n, c->text + at);
				bad++;
			}
			continue;
		}
		if (at >= n || (at > 0 && c->text[at - 1] != '\n') ||
		    strncmp(c->text + at, c->quote, strlen(c->quote)) != 0) {
			print_error("%s: quote starts at %zu of %zu with '%.40s', want '%s'\n",
				    c->what, at, n, at < n ? c->text + at : "", c->quote);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_quote_bounds(void **state)
{
	static const char nul_inside[] = "Da\0\n> x\n";

	(void)state;
	assert_int_equal(quote_split(NULL, 0), 0);
	/* Only n bytes are looked at: the quote after them does not count. */
	assert_int_equal(quote_split("Da\n> x\n", 3), 3);
	/* NUL bytes are just bytes. */
	assert_int_equal(quote_split(nul_inside, sizeof(nul_inside) - 1), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quote_table),
	    cmocka_unit_test(test_quote_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
