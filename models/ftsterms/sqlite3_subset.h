/* The few declarations of SQLite's public C interface (sqlite3.h, public
** domain) that terms.c uses. The functions are go-sqlite3's own copy of
** SQLite, linked into the same binary. */
#ifndef KITH_FTSTERMS_SQLITE3_SUBSET_H
#define KITH_FTSTERMS_SQLITE3_SUBSET_H
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef struct sqlite3_context sqlite3_context;
typedef struct sqlite3_value sqlite3_value;
typedef struct sqlite3_api_routines sqlite3_api_routines;
typedef long long int sqlite3_int64;
typedef unsigned long long int sqlite3_uint64;
#define SQLITE_OK 0
#define SQLITE_NOMEM 7
#define SQLITE_UTF8 1
#define SQLITE_DETERMINISTIC 0x000000800
#define SQLITE_INNOCUOUS 0x000200000
#define SQLITE_TRANSIENT ((void(*)(void*))-1)
int sqlite3_prepare_v2(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
int sqlite3_bind_pointer(sqlite3_stmt*, int, void*, const char*, void(*)(void*));
int sqlite3_step(sqlite3_stmt*);
int sqlite3_finalize(sqlite3_stmt*);
int sqlite3_auto_extension(void(*)(void));
int sqlite3_create_function_v2(sqlite3*, const char*, int, int, void*,
	void (*)(sqlite3_context*, int, sqlite3_value**),
	void (*)(sqlite3_context*, int, sqlite3_value**),
	void (*)(sqlite3_context*),
	void (*)(void*));
void *sqlite3_user_data(sqlite3_context*);
void *sqlite3_aggregate_context(sqlite3_context*, int);
const unsigned char *sqlite3_value_text(sqlite3_value*);
int sqlite3_value_bytes(sqlite3_value*);
void sqlite3_result_text64(sqlite3_context*, const char*, sqlite3_uint64, void(*)(void*), unsigned char);
void sqlite3_result_null(sqlite3_context*);
void sqlite3_result_error_code(sqlite3_context*, int);
void sqlite3_result_error_nomem(sqlite3_context*);
void *sqlite3_malloc64(sqlite3_uint64);
void *sqlite3_realloc64(void*, sqlite3_uint64);
void sqlite3_free(void*);
#endif
