/*
 * Unit tests for core/html_text: readable text from mail HTML.  A table of
 * HTML snippets and the exact text each must give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/html_text.h"
#include "core/validate.h"

struct html_case {
	const char *what;
	const char *html;
	const char *text;
};

static const struct html_case cases[] = {
    {"empty", "", ""},
    {"plain text passes", "Hello world", "Hello world"},
    {"white space collapses", "  a \n\t b   c  ", "a b c"},
    {"br breaks lines", "a<br>b<BR/>c", "a\nb\nc"},
    {"two br make a blank line", "a<br><br>b", "a\n\nb"},
    {"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
    {"divs are lines", "<div>one</div><div>two</div>", "one\ntwo"},
    {"gmail blank line", "<div>a</div><div><br></div><div>b</div>", "a\n\nb"},
    {"outlook MsoNormal paragraphs are lines",
     "<p class=\"MsoNormal\">Line one<o:p></o:p></p><p class=MsoNormal>Line two</p>",
     "Line one\nLine two"},
    {"headings", "<h1>Title</h1>text", "Title\n\ntext"},
    {"named references", "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &euro;5",
     "a & b <c> \"d\" 'e' €5"},
    {"croatian named references", "&scaron;&Scaron;&zcaron;&Zcaron;&ccaron;&cacute;&dstrok;",
     "šŠžŽčćđ"},
    {"numeric references", "&#353;&#x17E;&#X10D;&#99;", "šžčc"},
    {"cp1252 numeric range", "a&#150;b&#147;c&#148;", "a–b“c”"},
    {"bad references", "&#0; &#xD800; &#99999999999; &bogus; & x",
     "\xef\xbf\xbd \xef\xbf\xbd "
     "\xef\xbf\xbd &bogus; & x"},
    {"reference without semicolon", "&amp x &ampx", "& x &ampx"},
    {"nbsp is a space",
     "a&nbsp;&nbsp;b\xc2\xa0"
     "c",
     "a b c"},
    {"script style head title go",
     "<html><head><title>T</title><style>p{}</style></head><body><script>x<y</script>"
     "<p>ok</p></body></html>",
     "ok"},
    {"comments and conditionals go", "a<!-- hidden <b>x</b> -->b<![if !supportLists]>c<![endif]>",
     "abc"},
    {"unterminated comment", "a<!-- never closed", "a"},
    {"unordered list", "<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
    {"ordered list", "<ol><li>one<li>two</ol>after", "1. one\n2. two\n\nafter"},
    {"nested list", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  - b\n- c"},
    {"link with other text", "see <a href=\"https://x.hr/a?b=1&amp;c=2\">here</a>.",
     "see here <https://x.hr/a?b=1&c=2>."},
    {"link with its own url", "<a href=\"https://x.hr/\">https://x.hr/</a>", "https://x.hr/"},
    {"link text without scheme", "<a href=\"http://x.hr\">x.hr</a>", "x.hr"},
    {"mailto link", "<a href=\"mailto:ana@x.hr\">ana@x.hr</a>", "ana@x.hr"},
    {"mailto link with a name", "<a href='mailto:ana@x.hr'>Ana</a>", "Ana <ana@x.hr>"},
    {"javascript and anchors are dropped", "<a href=\"javascript:x()\">a</a> <a href=#top>b</a>",
     "a b"},
    {"link without text", "<a href=\"https://x.hr\"></a>", "https://x.hr"},
    {"pre keeps white space", "<pre>a  b\n  c</pre>d", "a  b\n  c\n\nd"},
    {"blockquote is quoted", "Yes<blockquote><div>q1</div><div>q2</div></blockquote>",
     "Yes\n>\n> q1\n> q2"},
    {"nested blockquote", "<blockquote>a<blockquote>b</blockquote></blockquote>", "> a\n>>\n>> b"},
    {"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
    {"uppercase tags and attributes", "<P CLASS=x>A</P><DIV>B</DIV>", "A\n\nB"},
    {"attribute value with >", "<a title=\"x>y\" href=\"https://x.hr\">t</a>", "t <https://x.hr>"},
    {"literal less-than", "a < b and 1<2", "a < b and 1<2"},
    {"unfinished tag at the end", "text<b", "text"},
    {"images give nothing", "a<img src=\"cid:x\" alt=\"logo\">b", "ab"},
    {"invalid utf-8 becomes U+FFFD", "caf\xe9 ok", "caf\xef\xbf\xbd ok"},
    {"controls dropped",
     "a\x01"
     "b\x7f"
     "c",
     "abc"},
};

static void test_html_table(void **state)
{
	size_t i, len;
	char *out;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct html_case *c = &cases[i];

		out = html_to_text(c->html, strlen(c->html), &len);
		assert_non_null(out);
		if (strcmp(out, c->text) != 0 || len != strlen(out) || !valid_utf8(out, len)) {
			print_error("%s:\n  got  '%s'\n  want '%s'\n", c->what, out, c->text);
			bad++;
		}
		free(out);
	}
	assert_int_equal(bad, 0);
}

static void test_html_bounds(void **state)
{
	static const char with_nul[] = "a\0b<p>c";
	size_t len = 99;
	char *out;

	(void)state;
	out = html_to_text(NULL, 0, &len);
	assert_string_equal(out, "");
	assert_int_equal(len, 0);
	free(out);
	/* Only n bytes are read. */
	out = html_to_text("abc<p>def", 3, NULL);
	assert_string_equal(out, "abc");
	free(out);
	/* A NUL inside is dropped like any control character. */
	out = html_to_text(with_nul, sizeof(with_nul) - 1, &len);
	assert_string_equal(out, "ab\n\nc");
	assert_int_equal(len, 5);
	free(out);
}

/* Deep nesting and long runs stay linear and bounded. */
static void test_html_deep(void **state)
{
	size_t n = 200000, i, len;
	char *html = malloc(n * 12 + 1), *out;
	size_t o = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		memcpy(html + o, "<blockquote>", 12);
		o += 12;
	}
	html[o] = '\0';
	out = html_to_text(html, o, &len);
	assert_int_equal(len, 0);
	free(out);
	o = 0;
	for (i = 0; i < n; i++) {
		memcpy(html + o, "<ul><li>x", 9);
		o += 9;
	}
	out = html_to_text(html, o, &len);
	assert_true(len > 0 && valid_utf8(out, len));
	free(out);
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_html_table),
	    cmocka_unit_test(test_html_bounds),
	    cmocka_unit_test(test_html_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
