/*
 * hellodb: a tiny MariaDB client, dbuilder's example package.
 *
 * Connects to the server named by the environment (HELLODB_HOST, default
 * 127.0.0.1; HELLODB_PORT, 3306; HELLODB_USER, root; HELLODB_PASSWORD, empty;
 * HELLODB_DATABASE, hellodb), creates a table, inserts three rows, reads
 * them back and prints
 *
 *     hellodb: ok hello from mariadb (3 rows, sum 6, server 10.11.x-MariaDB)
 *
 * Exit status: 0 on success, 1 on a database error, 2 on a usage error.
 *   hellodb --ping      only connect and log in (quiet; for readiness loops)
 *   hellodb --version   print the program's and the client library's version
 */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HELLODB_VERSION
#define HELLODB_VERSION "1.0.0"
#endif

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return (v != NULL && *v != '\0') ? v : def;
}

static int fail(MYSQL *db, const char *what)
{
	fprintf(stderr, "hellodb: %s: %s (error %u)\n", what, mysql_error(db), mysql_errno(db));
	mysql_close(db);
	return 1;
}

static int run(MYSQL *db, const char *sql)
{
	if (mysql_query(db, sql) != 0) {
		fprintf(stderr, "hellodb: query failed: %s: %s\n", sql, mysql_error(db));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: hellodb [--ping | --version | --help]\n"
	      "environment: HELLODB_HOST (127.0.0.1) HELLODB_PORT (3306) HELLODB_USER (root)\n"
	      "             HELLODB_PASSWORD (empty) HELLODB_DATABASE (hellodb)\n", f);
}

int main(int argc, char **argv)
{
	int ping = 0;
	if (argc > 2) {
		usage(stderr);
		return 2;
	}
	if (argc == 2) {
		if (strcmp(argv[1], "--version") == 0) {
			printf("hellodb %s (MariaDB client library %s)\n", HELLODB_VERSION, mysql_get_client_info());
			return 0;
		} else if (strcmp(argv[1], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[1], "--ping") == 0) {
			ping = 1;
		} else {
			usage(stderr);
			return 2;
		}
	}

	const char *host = env_or("HELLODB_HOST", "127.0.0.1");
	const char *port_s = env_or("HELLODB_PORT", "3306");
	const char *user = env_or("HELLODB_USER", "root");
	const char *password = env_or("HELLODB_PASSWORD", "");
	const char *database = env_or("HELLODB_DATABASE", "hellodb");
	char *end;
	unsigned long port = strtoul(port_s, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535) {
		fprintf(stderr, "hellodb: HELLODB_PORT=%s is not a port number\n", port_s);
		return 2;
	}

	MYSQL *db = mysql_init(NULL);
	if (db == NULL) {
		fputs("hellodb: mysql_init: out of memory\n", stderr);
		return 1;
	}
	unsigned int timeout = 5;
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (mysql_real_connect(db, host, user, password, NULL, (unsigned int)port, NULL, 0) == NULL) {
		if (ping) {
			mysql_close(db);
			return 1;
		}
		return fail(db, "connect");
	}
	if (ping) {
		mysql_close(db);
		return 0;
	}

	/* The database name is an identifier: quote it, doubling any backquote. */
	size_t n = strlen(database);
	char *create = malloc(2 * n + 64), *p;
	if (create == NULL) {
		mysql_close(db);
		return 1;
	}
	p = create + sprintf(create, "CREATE DATABASE IF NOT EXISTS `");
	for (const char *s = database; *s != '\0'; s++) {
		if (*s == '`')
			*p++ = '`';
		*p++ = *s;
	}
	strcpy(p, "`");
	int bad = run(db, create) != 0;
	free(create);
	if (bad)
		return fail(db, "create database");
	if (mysql_select_db(db, database) != 0)
		return fail(db, "select database");

	/* A temporary table: concurrent or repeated runs never see each other. */
	if (run(db, "CREATE TEMPORARY TABLE hellodb_greeting ("
	            " id INT PRIMARY KEY, word VARCHAR(32) NOT NULL)") != 0 ||
	    run(db, "INSERT INTO hellodb_greeting VALUES"
	            " (1, 'hello'), (2, 'from'), (3, 'mariadb')") != 0 ||
	    run(db, "SELECT GROUP_CONCAT(word ORDER BY id SEPARATOR ' '), COUNT(*), SUM(id)"
	            " FROM hellodb_greeting") != 0)
		return fail(db, "query");

	MYSQL_RES *res = mysql_store_result(db);
	if (res == NULL)
		return fail(db, "store result");
	MYSQL_ROW row = mysql_fetch_row(res);
	if (row == NULL || row[0] == NULL || row[1] == NULL || row[2] == NULL) {
		mysql_free_result(res);
		fputs("hellodb: the query returned no row\n", stderr);
		mysql_close(db);
		return 1;
	}
	printf("hellodb: ok %s (%s rows, sum %s, server %s)\n", row[0], row[1], row[2], mysql_get_server_info(db));
	mysql_free_result(res);
	mysql_close(db);
	return 0;
}
