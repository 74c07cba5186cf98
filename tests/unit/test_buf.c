/*
 * test_buf.c: the bounded growable buffer: appends up to the hard maximum,
 * refusals that leave the contents as they were, printf growth past the
 * 512-byte stack buffer, and the detach/reset/release lifecycle.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

Test(buf, init_is_empty)
{
	struct buf b;
	buf_init(&b, 100);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.max, 100);
	buf_release(&b);
}

Test(buf, append_up_to_max_exactly)
{
	struct buf b;
	buf_init(&b, 10);
	cr_assert_eq(buf_append(&b, "12345", 5), 0);
	cr_assert_eq(buf_append(&b, "67890", 5), 0);
	cr_assert_eq(b.len, 10);
	cr_assert_str_eq(b.data, "1234567890");
	cr_assert_eq(b.data[10], '\0', "contents are NUL-terminated");
	buf_release(&b);
}

Test(buf, one_byte_over_fails_and_leaves_contents)
{
	struct buf b;
	buf_init(&b, 10);
	cr_assert_eq(buf_puts(&b, "1234567890"), 0);
	cr_assert_eq(buf_append(&b, "x", 1), -1);
	cr_assert_eq(buf_puts(&b, "xy"), -1);
	cr_assert_eq(buf_printf(&b, "%d", 7), -1);
	cr_assert_eq(b.len, 10);
	cr_assert_str_eq(b.data, "1234567890");
	/* An empty append still fits. */
	cr_assert_eq(buf_append(&b, "", 0), 0);
	cr_assert_eq(b.len, 10);
	buf_release(&b);
}

Test(buf, oversized_first_append_fails)
{
	struct buf b;
	buf_init(&b, 4);
	cr_assert_eq(buf_puts(&b, "12345"), -1);
	cr_assert_eq(b.len, 0);
	cr_assert(b.data == NULL || b.data[0] == '\0');
	cr_assert_eq(buf_puts(&b, "1234"), 0);
	cr_assert_str_eq(b.data, "1234");
	buf_release(&b);
}

Test(buf, huge_length_does_not_wrap)
{
	/* A length near SIZE_MAX must be refused, not wrap around the check. */
	struct buf b;
	buf_init(&b, 64);
	buf_puts(&b, "abc");
	cr_assert_eq(buf_append(&b, "x", (size_t)-1), -1);
	cr_assert_eq(buf_append(&b, "x", (size_t)-1 - 2), -1);
	cr_assert_str_eq(b.data, "abc");
	buf_release(&b);
}

Test(buf, empty_append_terminates)
{
	struct buf b;
	buf_init(&b, 8);
	cr_assert_eq(buf_append(&b, NULL, 0), 0);
	cr_assert_not_null(b.data, "data is NUL-terminated after any append");
	cr_assert_str_eq(b.data, "");
	buf_release(&b);
}

Test(buf, zero_max_holds_nothing)
{
	struct buf b;
	buf_init(&b, 0);
	cr_assert_eq(buf_append(&b, "", 0), 0);
	cr_assert_eq(buf_append(&b, "a", 1), -1);
	cr_assert_eq(b.len, 0);
	buf_release(&b);
}

Test(buf, binary_data_with_nul_bytes)
{
	struct buf b;
	buf_init(&b, 32);
	cr_assert_eq(buf_append(&b, "a\0b\0c", 5), 0);
	cr_assert_eq(b.len, 5);
	cr_assert_eq(memcmp(b.data, "a\0b\0c", 5), 0);
	cr_assert_eq(b.data[5], '\0');
	buf_release(&b);
}

Test(buf, grows_across_many_small_appends)
{
	struct buf b;
	buf_init(&b, 100000);
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(buf_append(&b, &"0123456789"[i % 10], 1), 0, "append %d", i);
	cr_assert_eq(b.len, 100000);
	cr_assert_geq(b.cap, b.len + 1);
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(b.data[i], '0' + i % 10, "byte %d", i);
	cr_assert_eq(b.data[100000], '\0');
	cr_assert_eq(buf_append(&b, "x", 1), -1);
	buf_release(&b);
}

Test(buf, printf_small)
{
	struct buf b;
	buf_init(&b, 64);
	cr_assert_eq(buf_printf(&b, "%s=%d", "port", 5000), 0);
	cr_assert_eq(buf_printf(&b, ";%03d", 7), 0);
	cr_assert_str_eq(b.data, "port=5000;007");
	cr_assert_eq(b.len, strlen("port=5000;007"));
	buf_release(&b);
}

Test(buf, printf_grows_past_512_bytes)
{
	char big[1001];
	memset(big, 'z', 1000);
	big[1000] = '\0';
	struct buf b;
	buf_init(&b, 1 << 20);
	cr_assert_eq(buf_puts(&b, "prefix:"), 0);
	cr_assert_eq(buf_printf(&b, "[%s]%d", big, 42), 0);
	cr_assert_eq(b.len, 7 + 1 + 1000 + 1 + 2);
	cr_assert_eq(strncmp(b.data, "prefix:[", 8), 0);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(b.data[8 + i], 'z', "byte %d", 8 + i);
	cr_assert_str_eq(b.data + 1008, "]42");
	cr_assert_eq(strlen(b.data), b.len, "terminated right after the text");
	/* And appending continues after it. */
	cr_assert_eq(buf_puts(&b, "!"), 0);
	cr_assert_eq(b.data[b.len - 1], '!');
	buf_release(&b);
}

Test(buf, printf_at_the_512_byte_edge)
{
	/* 511 bytes fit the stack buffer with its NUL; 512 and 513 take the other path. */
	for (int n = 510; n <= 514; n++) {
		struct buf b;
		buf_init(&b, 4096);
		cr_assert_eq(buf_printf(&b, "%*s", n, "x"), 0, "width %d", n);
		cr_assert_eq(b.len, (size_t)n);
		cr_assert_eq(strlen(b.data), (size_t)n);
		cr_assert_eq(b.data[n - 1], 'x');
		cr_assert_eq(b.data[0], n > 1 ? ' ' : 'x');
		buf_release(&b);
	}
}

Test(buf, printf_large_respects_max)
{
	struct buf b;
	buf_init(&b, 600);
	cr_assert_eq(buf_puts(&b, "ab"), 0);
	cr_assert_eq(buf_printf(&b, "%599d", 1), -1, "602 bytes do not fit in 600");
	cr_assert_eq(b.len, 2);
	cr_assert_str_eq(b.data, "ab");
	cr_assert_eq(buf_printf(&b, "%598d", 1), 0, "exactly 600 bytes fit");
	cr_assert_eq(b.len, 600);
	cr_assert_eq(b.data[599], '1');
	cr_assert_eq(b.data[600], '\0');
	buf_release(&b);
}

Test(buf, detach_hands_over_storage)
{
	struct buf b;
	buf_init(&b, 64);
	buf_puts(&b, "hello");
	char *s = buf_detach(&b);
	cr_assert_str_eq(s, "hello");
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	/* The buffer is empty and usable again with the same maximum. */
	cr_assert_eq(b.max, 64);
	cr_assert_eq(buf_puts(&b, "again"), 0);
	cr_assert_str_eq(b.data, "again");
	cr_assert_str_eq(s, "hello", "the detached string is independent");
	free(s);
	buf_release(&b);
}

Test(buf, detach_of_empty_is_empty_string)
{
	struct buf b;
	buf_init(&b, 64);
	char *s = buf_detach(&b);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "");
	free(s);
}

Test(buf, reset_keeps_storage)
{
	struct buf b;
	buf_init(&b, 64);
	buf_puts(&b, "some text");
	char *data = b.data;
	size_t cap = b.cap;
	buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(b.data, "");
	cr_assert_eq(b.data, data, "storage is kept");
	cr_assert_eq(b.cap, cap);
	cr_assert_eq(buf_puts(&b, "new"), 0);
	cr_assert_str_eq(b.data, "new");
	/* The whole maximum is available again after a reset. */
	buf_reset(&b);
	char full[64];
	memset(full, 'f', sizeof(full));
	cr_assert_eq(buf_append(&b, full, sizeof(full)), 0);
	buf_release(&b);
}

Test(buf, reset_of_unused_buffer)
{
	struct buf b;
	buf_init(&b, 8);
	buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(buf_puts(&b, "ok"), 0);
	buf_release(&b);
}

Test(buf, release_frees_and_allows_reuse)
{
	struct buf b;
	buf_init(&b, 16);
	buf_puts(&b, "data");
	buf_release(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	buf_release(&b); /* twice is harmless */
	buf_init(&b, 4);
	cr_assert_eq(buf_puts(&b, "abcd"), 0);
	cr_assert_eq(buf_puts(&b, "e"), -1);
	buf_release(&b);
}
