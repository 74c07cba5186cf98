/*
 * backup.c: placeholder; see backup.h.
 */
#include "jobs/backup.h"

#include <stdio.h>

int backup_cmd(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "maang: backup is not built yet\n");
	return 1;
}

int restore_cmd(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "maang: restore is not built yet\n");
	return 1;
}

int backup_create(const struct config *cfg, const char *dir, int keep, json_t **report,
                  struct err *e)
{
	(void)cfg, (void)dir, (void)keep, (void)report;
	return err_set(e, ERR_INTERNAL, "not_built", "backup is not built yet");
}
