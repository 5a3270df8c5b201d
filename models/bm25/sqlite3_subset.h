/* The few declarations of SQLite's public C interface (sqlite3.h, public
** domain) that bm25.c uses. The functions are go-sqlite3's own copy of
** SQLite, linked into the same binary. */
#ifndef KITH_SQLITE3_SUBSET_H
#define KITH_SQLITE3_SUBSET_H
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef struct sqlite3_context sqlite3_context;
typedef struct sqlite3_value sqlite3_value;
typedef struct sqlite3_api_routines sqlite3_api_routines;
typedef long long int sqlite3_int64;
typedef unsigned long long int sqlite3_uint64;
#define SQLITE_OK 0
int sqlite3_prepare_v2(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
int sqlite3_bind_pointer(sqlite3_stmt*, int, void*, const char*, void(*)(void*));
int sqlite3_step(sqlite3_stmt*);
int sqlite3_finalize(sqlite3_stmt*);
int sqlite3_auto_extension(void(*)(void));
void sqlite3_result_double(sqlite3_context*, double);
void sqlite3_result_error(sqlite3_context*, const char*, int);
void sqlite3_result_error_code(sqlite3_context*, int);
double sqlite3_value_double(sqlite3_value*);
#endif
