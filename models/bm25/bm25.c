#include <math.h>
#include "sqlite3_subset.h"
#include "fts5.h"

/* kith_bm25(index, df1, df2, ...): Okapi BM25 as FTS5's bm25() computes it
** (k1 1.2, b 0.75, one weight for all columns), except that the number of
** rows holding each phrase is given, in the query's phrase order, instead
** of counted: bm25() counts them by reading every match of every phrase
** before it scores one row. */
#define KITH_MAX_PHRASES 1024 /* maxPostPhrases in models/search_prefix.go */

static void kithBm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nVal, sqlite3_value **apVal) {
	const double k1 = 1.2, b = 0.75;
	int nPhrase = api->xPhraseCount(fts);
	if (nPhrase > KITH_MAX_PHRASES || nVal != nPhrase) {
		sqlite3_result_error(ctx, "kith_bm25: give one document frequency per phrase", -1);
		return;
	}
	sqlite3_int64 nRow = 0, nToken = 0;
	int rc = api->xRowCount(fts, &nRow);
	if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &nToken);
	int nTok = 0;
	if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &nTok);
	int nInst = 0;
	if (rc == SQLITE_OK) rc = api->xInstCount(fts, &nInst);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	double tf[KITH_MAX_PHRASES];
	for (int i = 0; i < nPhrase; i++) tf[i] = 0.0;
	for (int i = 0; i < nInst; i++) {
		int ip, ic, io;
		if ((rc = api->xInst(fts, i, &ip, &ic, &io)) != SQLITE_OK) {
			sqlite3_result_error_code(ctx, rc);
			return;
		}
		tf[ip] += 1.0;
	}
	double avgdl = nRow > 0 ? (double)nToken / (double)nRow : 1.0;
	double score = 0.0;
	for (int i = 0; i < nPhrase; i++) {
		double df = sqlite3_value_double(apVal[i]);
		double idf = log((nRow - df + 0.5) / (df + 0.5));
		if (idf <= 0.0) idf = 1e-6;
		score += idf * (tf[i] * (k1 + 1.0)) / (tf[i] + k1 * (1.0 - b + b * (double)nTok / avgdl));
	}
	sqlite3_result_double(ctx, -1.0 * score);
}

static int kithBm25Init(sqlite3 *db, char **err, const sqlite3_api_routines *unused) {
	fts5_api *fts = 0;
	sqlite3_stmt *st = 0;
	(void)err; (void)unused;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, 0) != SQLITE_OK) {
		return SQLITE_OK; /* no FTS5 in this build: nothing to add to */
	}
	sqlite3_bind_pointer(st, 1, (void*)&fts, "fts5_api_ptr", 0);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (fts == 0) return SQLITE_OK;
	return fts->xCreateFunction(fts, "kith_bm25", 0, kithBm25, 0);
}

int kithRegisterBm25(void) {
	return sqlite3_auto_extension((void(*)(void))kithBm25Init);
}
