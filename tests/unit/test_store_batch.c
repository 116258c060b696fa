/*
 * Unit tests for store_batch_begin / store_batch_end: the calls of a batch
 * are one transaction, invisible to another connection (whose writes wait)
 * until the batch ends; a call that fails inside undoes only itself; an
 * ended-without-commit batch leaves nothing; misuse is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_mail.h"
#include "util/crypto.h"
#include "testdb.h"

#define NOW 1772438400LL

struct fx {
	char dir[TESTDB_DIR_MAX];
	char path[TESTDB_PATH_MAX];
	struct store *st, *other;
};

static int fx_setup(void **state)
{
	static struct fx fx;

	memset(&fx, 0, sizeof(fx));
	if (testdb_make(fx.dir, fx.path, "batch") != 0 || testdb_open(fx.path, &fx.st, 1) != 0 ||
	    testdb_open(fx.path, &fx.other, 0) != 0 ||
	    store_set_busy_timeout(fx.other, 0) != STORE_OK)
		return -1;
	*state = &fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	store_close(fx->other);
	testdb_remove(fx->dir, fx->path);
	return 0;
}

static int64_t last_uid(struct store *st, const char *mailbox)
{
	int64_t v = 0, last = -1;

	if (store_imap_get(st, mailbox, &v, &last) != STORE_OK)
		return -1;
	return last;
}

static void test_visible_only_after_the_commit(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(store_imap_set(fx->st, "a", 7, 10), STORE_OK);
	assert_int_equal(store_imap_set(fx->st, "a", 7, 11), STORE_OK);
	assert_int_equal(last_uid(fx->st, "a"), 11); /* the batch sees its own writes */
	assert_int_equal(last_uid(fx->other, "a"), -1);
	/* another writer waits (here: gives up at once, busy_timeout 0) */
	assert_int_equal(store_imap_set(fx->other, "b", 1, 1), STORE_BUSY);
	assert_int_equal(store_batch_end(fx->st, 1), STORE_OK);
	assert_int_equal(last_uid(fx->other, "a"), 11);
	assert_int_equal(store_imap_set(fx->other, "b", 1, 1), STORE_OK);
	/* and without a batch every call commits on its own again */
	assert_int_equal(store_imap_set(fx->st, "a", 7, 12), STORE_OK);
	assert_int_equal(last_uid(fx->other, "a"), 12);
}

static void test_end_without_commit_undoes_everything(void **state)
{
	struct fx *fx = *state;
	char hash[CRYPTO_SHA256_HEX];
	struct quarantine_list l = {0};

	crypto_sha256_hex("x", 1, hash);
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(store_imap_set(fx->st, "c", 1, 5), STORE_OK);
	assert_int_equal(
	    store_quarantine_add(fx->st, "x", 1, hash, "test", MAIL_SOURCE_IMAP, NOW, NULL),
	    STORE_OK);
	assert_int_equal(store_batch_end(fx->st, 0), STORE_OK);
	assert_int_equal(last_uid(fx->st, "c"), -1);
	assert_int_equal(store_quarantine_list(fx->st, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	quarantine_list_free(&l);
}

static void test_a_failed_call_undoes_only_itself(void **state)
{
	struct fx *fx = *state;
	char hash[CRYPTO_SHA256_HEX];
	struct quarantine_list l = {0};
	int64_t id = 0;

	crypto_sha256_hex("y", 1, hash);
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(
	    store_quarantine_add(fx->st, "y", 1, hash, "kept", MAIL_SOURCE_IMAP, NOW, &id),
	    STORE_OK);
	/* a transaction of its own inside the batch that fails: a missing ticket */
	assert_int_equal(store_quarantine_done(fx->st, id, 999, NOW), STORE_INVALID);
	assert_int_equal(store_quarantine_done(fx->st, id + 100, 0, NOW), STORE_NOT_FOUND);
	assert_int_equal(store_imap_set(fx->st, "d", 1, 3), STORE_OK);
	assert_int_equal(store_batch_end(fx->st, 1), STORE_OK);
	assert_int_equal(last_uid(fx->other, "d"), 3);
	assert_int_equal(store_quarantine_list(fx->other, 1, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].reason, "kept");
	assert_string_equal(l.items[0].status, "held");
	quarantine_list_free(&l);
}

static void test_misuse_is_refused(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(store_batch_end(fx->st, 1), STORE_ERROR);
	assert_string_equal(store_errmsg(fx->st), "no batch is open");
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(store_batch_begin(fx->st), STORE_ERROR);
	/* the other connection cannot start one while this one holds the lock */
	assert_int_equal(store_batch_begin(fx->other), STORE_BUSY);
	assert_int_equal(store_batch_end(fx->st, 1), STORE_OK);
	assert_int_equal(store_batch_begin(fx->other), STORE_OK);
	assert_int_equal(store_batch_end(fx->other, 1), STORE_OK);
}

static void test_a_snapshot_reads_one_state(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(store_imap_set(fx->other, "s", 1, 1), STORE_OK);
	assert_int_equal(store_read_begin(fx->st), STORE_OK);
	assert_int_equal(last_uid(fx->st, "s"), 1);
	/* Another connection writes meanwhile (a snapshot does not hold writers up)... */
	assert_int_equal(store_imap_set(fx->other, "s", 1, 2), STORE_OK);
	/* ...and the snapshot still reads the state it began with, */
	assert_int_equal(last_uid(fx->st, "s"), 1);
	/* also in a snapshot begun inside it, which joins it and ends on its own. */
	assert_int_equal(store_read_begin(fx->st), STORE_OK);
	assert_int_equal(last_uid(fx->st, "s"), 1);
	assert_int_equal(store_read_end(fx->st), STORE_OK);
	assert_int_equal(last_uid(fx->st, "s"), 1);
	assert_int_equal(store_read_end(fx->st), STORE_OK);
	assert_int_equal(last_uid(fx->st, "s"), 2);
	assert_int_equal(store_read_end(fx->st), STORE_ERROR);
	/* A snapshot cannot begin inside a writing batch, nor a batch inside a snapshot. */
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(store_read_begin(fx->st), STORE_ERROR);
	assert_int_equal(store_batch_end(fx->st, 1), STORE_OK);
	assert_int_equal(store_read_begin(fx->st), STORE_OK);
	assert_int_equal(store_batch_begin(fx->st), STORE_ERROR);
	assert_int_equal(store_read_end(fx->st), STORE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_visible_only_after_the_commit, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_end_without_commit_undoes_everything, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_a_failed_call_undoes_only_itself, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_misuse_is_refused, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_a_snapshot_reads_one_state, fx_setup, fx_teardown),
	};

	if (crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
