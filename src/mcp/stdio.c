/*
 * stdio.c: the stdio transport of MCP: one JSON-RPC message per line on
 * standard input, replies and notifications one per line on standard
 * output, logs on standard error. A line longer than MCP_MESSAGE_MAX is
 * skipped with an error reply; the transport goes on with the next line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "mcp/mcp.h"

static void emit(json_t *msg)
{
	char *text = json_dump_compact(msg);
	fputs(text, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(text);
}

/*
 * Reads one line into B (without its newline). Returns 1 with a line, 0 at
 * end of input, -1 for a line over the limit (consumed up to its newline).
 */
static int read_line(struct buf *b)
{
	char chunk[65536];
	int over = 0, any = 0;
	buf_reset(b);
	while (fgets(chunk, sizeof(chunk), stdin)) {
		size_t n = strlen(chunk);
		int end = n && chunk[n - 1] == '\n';
		any = 1;
		if (end)
			chunk[--n] = '\0';
		if (!over && (b->len + n > MCP_MESSAGE_MAX || buf_append(b, chunk, n)))
			over = 1;
		if (end)
			return over ? -1 : 1;
	}
	if (!any)
		return 0;
	return over ? -1 : 1; /* a last line without a newline */
}

int mcp_stdio_run(struct app *a, const struct http_user *user)
{
	struct mcp_session s;
	struct buf line;
	int rc;
	memset(&s, 0, sizeof(s));
	str_copy(s.log_level, sizeof(s.log_level), "info");
	buf_init(&line, MCP_MESSAGE_MAX + 1);
	log_info("mcp: serving %s on stdio", user->email);
	while ((rc = read_line(&line)) != 0) {
		if (rc < 0) {
			char msg[80];
			snprintf(msg, sizeof(msg), "message exceeds %d bytes", MCP_MESSAGE_MAX);
			json_t *err = mcp_error(NULL, RPC_INVALID_REQUEST, msg, NULL);
			emit(err);
			json_decref(err);
			continue;
		}
		/* Blank lines (and a trailing carriage return) are not messages. */
		while (line.len &&
		       (line.data[line.len - 1] == '\r' || line.data[line.len - 1] == ' '))
			line.data[--line.len] = '\0';
		if (line.len == 0)
			continue;
		json_t *msg, *reply;
		struct err e = {0};
		if (json_parse_body(line.data, line.len, 0, &msg, &e)) {
			reply = mcp_error(NULL, RPC_PARSE_ERROR, e.msg, NULL);
			emit(reply);
			json_decref(reply);
			continue;
		}
		struct mcp_ctx c = {.app = a, .user = *user, .session = &s, .notes = json_array()};
		char rid[25];
		unsigned char raw[12];
		random_bytes(raw, sizeof(raw));
		hex_encode(raw, sizeof(raw), rid);
		c.request_id = rid;
		if (db_acquire(a->pool, &c.db, &e)) {
			json_t *id = json_is_object(msg) ? json_object_get(msg, "id") : NULL;
			reply = id ? mcp_error(id, RPC_INTERNAL_ERROR, "database unavailable", NULL)
			           : NULL;
		} else {
			reply = mcp_handle(&c, msg);
			db_release(c.db);
		}
		size_t i;
		json_t *note;
		json_array_foreach(c.notes, i, note) emit(note);
		if (reply)
			emit(reply);
		json_decref(reply);
		json_decref(c.notes);
		json_decref(msg);
	}
	buf_release(&line);
	log_info("mcp: end of input");
	return 0;
}
