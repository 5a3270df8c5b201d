#include <string.h>
#include "sqlite3_subset.h"
#include "fts5.h"

/* The tokenizer of kith's search indexes (migrations/sqlite/00007): the
** same name and arguments as their "tokenize =" option. */
static const char *kithTokenizerArgs[] = {"unicode61", "remove_diacritics", "2"};

typedef struct Tokenizer {
	fts5_tokenizer_v2 *api;
	Fts5Tokenizer *tok;
} Tokenizer;

static void tokenizerDelete(void *p) {
	Tokenizer *t = (Tokenizer *)p;
	if (t == 0) return;
	if (t->tok) t->api->xDelete(t->tok);
	sqlite3_free(t);
}

static Tokenizer *tokenizerNew(fts5_api *fts) {
	Tokenizer *t = sqlite3_malloc64(sizeof(Tokenizer));
	void *user = 0;
	if (t == 0) return 0;
	memset(t, 0, sizeof(*t));
	if (fts->xFindTokenizer_v2(fts, "porter", &user, &t->api) != SQLITE_OK ||
	    t->api->xCreate(user, kithTokenizerArgs, 3, &t->tok) != SQLITE_OK) {
		t->tok = 0;
		tokenizerDelete(t);
		return 0;
	}
	return t;
}

/* A growing byte buffer. */
typedef struct Buf {
	char *z;
	sqlite3_int64 n, cap;
} Buf;

static int bufAppend(Buf *b, const char *z, sqlite3_int64 n) {
	if (b->n + n > b->cap) {
		sqlite3_int64 cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->n + n) cap *= 2;
		char *nz = sqlite3_realloc64(b->z, cap);
		if (nz == 0) return SQLITE_NOMEM;
		b->z = nz;
		b->cap = cap;
	}
	memcpy(b->z + b->n, z, n);
	b->n += n;
	return SQLITE_OK;
}

/* bufString appends z as a JSON string. Tokens hold letters, digits and
** marks, but every quote, backslash and control byte is escaped all the
** same. */
static int bufString(Buf *b, const char *z, int n) {
	static const char hex[] = "0123456789abcdef";
	int rc = bufAppend(b, "\"", 1);
	for (int i = 0; i < n && rc == SQLITE_OK; i++) {
		unsigned char c = (unsigned char)z[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			rc = bufAppend(b, e, 2);
		} else if (c < 0x20) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			rc = bufAppend(b, e, 6);
		} else {
			rc = bufAppend(b, (const char *)&c, 1);
		}
	}
	if (rc == SQLITE_OK) rc = bufAppend(b, "\"", 1);
	return rc;
}

/* Vocab is kith_fts_terms' state: a set of tokens (open addressing), each
** with the first text it was read from. Tokens and texts live in arena. */
typedef struct Term {
	unsigned int hash;
	int used;
	sqlite3_int64 tok, word; /* offsets into arena */
	int nTok, nWord;
} Term;

typedef struct Vocab {
	Term *slots;
	sqlite3_int64 nSlot, nUsed; /* nSlot a power of two */
	Buf arena;
	const char *text; /* the text being tokenized */
	int rc;
} Vocab;

static unsigned int hashToken(const char *z, int n) {
	unsigned int h = 2166136261u;
	for (int i = 0; i < n; i++) h = (h ^ (unsigned char)z[i]) * 16777619u;
	return h;
}

static int vocabGrow(Vocab *v) {
	sqlite3_int64 nSlot = v->nSlot ? v->nSlot * 2 : 1024;
	Term *slots = sqlite3_malloc64(nSlot * sizeof(Term));
	if (slots == 0) return SQLITE_NOMEM;
	memset(slots, 0, nSlot * sizeof(Term));
	for (sqlite3_int64 i = 0; i < v->nSlot; i++) {
		if (!v->slots[i].used) continue;
		sqlite3_int64 j = v->slots[i].hash & (nSlot - 1);
		while (slots[j].used) j = (j + 1) & (nSlot - 1);
		slots[j] = v->slots[i];
	}
	sqlite3_free(v->slots);
	v->slots = slots;
	v->nSlot = nSlot;
	return SQLITE_OK;
}

static int vocabToken(void *ctx, int tflags, const char *tok, int nTok, int iStart, int iEnd) {
	Vocab *v = (Vocab *)ctx;
	(void)tflags;
	if (nTok <= 0 || iEnd <= iStart) return SQLITE_OK;
	if ((v->nUsed + 1) * 2 > v->nSlot && vocabGrow(v) != SQLITE_OK) return SQLITE_NOMEM;
	unsigned int h = hashToken(tok, nTok);
	sqlite3_int64 j = h & (v->nSlot - 1);
	for (; v->slots[j].used; j = (j + 1) & (v->nSlot - 1)) {
		Term *t = &v->slots[j];
		if (t->hash == h && t->nTok == nTok && memcmp(v->arena.z + t->tok, tok, nTok) == 0) return SQLITE_OK;
	}
	Term *t = &v->slots[j];
	t->used = 1;
	t->hash = h;
	t->tok = v->arena.n;
	t->nTok = nTok;
	t->word = v->arena.n + nTok;
	t->nWord = iEnd - iStart;
	v->nUsed++;
	if (bufAppend(&v->arena, tok, nTok) != SQLITE_OK) return SQLITE_NOMEM;
	return bufAppend(&v->arena, v->text + iStart, iEnd - iStart);
}

/* kith_fts_terms(text), an aggregate: the distinct tokens that the posts
** index holds for the texts, as a JSON object from each token (the stem the
** index keeps) to the text it was first read from ("deploi": "Deployed"). A
** search writes the word, not the stem, because the query tokenizer stems
** again and porter stemming is not idempotent. */
static void termsStep(sqlite3_context *ctx, int nArg, sqlite3_value **args) {
	Tokenizer *tk = (Tokenizer *)sqlite3_user_data(ctx);
	Vocab *v = (Vocab *)sqlite3_aggregate_context(ctx, sizeof(Vocab));
	(void)nArg;
	if (v == 0) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (v->rc != SQLITE_OK) return;
	const char *text = (const char *)sqlite3_value_text(args[0]);
	int n = sqlite3_value_bytes(args[0]);
	if (text == 0 || n == 0) return;
	v->text = text;
	v->rc = tk->api->xTokenize(tk->tok, v, FTS5_TOKENIZE_DOCUMENT, text, n, 0, 0, vocabToken);
	if (v->rc != SQLITE_OK) sqlite3_result_error_code(ctx, v->rc);
}

static void termsFinal(sqlite3_context *ctx) {
	Vocab *v = (Vocab *)sqlite3_aggregate_context(ctx, 0);
	Buf out = {0, 0, 0};
	int rc = v ? v->rc : SQLITE_OK;
	if (rc == SQLITE_OK) rc = bufAppend(&out, "{", 1);
	for (sqlite3_int64 i = 0; v && rc == SQLITE_OK && i < v->nSlot; i++) {
		Term *t = &v->slots[i];
		if (!t->used) continue;
		if (out.n > 1) rc = bufAppend(&out, ",", 1);
		if (rc == SQLITE_OK) rc = bufString(&out, v->arena.z + t->tok, t->nTok);
		if (rc == SQLITE_OK) rc = bufAppend(&out, ":", 1);
		if (rc == SQLITE_OK) rc = bufString(&out, v->arena.z + t->word, t->nWord);
	}
	if (rc == SQLITE_OK) rc = bufAppend(&out, "}", 1);
	if (rc == SQLITE_OK) {
		sqlite3_result_text64(ctx, out.z, (sqlite3_uint64)out.n, sqlite3_free, SQLITE_UTF8);
		out.z = 0;
	} else {
		sqlite3_result_error_code(ctx, rc);
	}
	sqlite3_free(out.z);
	if (v) {
		sqlite3_free(v->slots);
		sqlite3_free(v->arena.z);
	}
}

/* Prefix is kith_fts_prefix's state: the first token of its text, copied
** (a token is valid only during its callback), and how many there were. */
typedef struct Prefix {
	Buf tok;
	int count;
} Prefix;

static int prefixToken(void *ctx, int tflags, const char *tok, int nTok, int iStart, int iEnd) {
	Prefix *p = (Prefix *)ctx;
	(void)tflags; (void)iStart; (void)iEnd;
	if (p->count++ > 0) return SQLITE_OK;
	return bufAppend(&p->tok, tok, nTok);
}

/* kith_fts_prefix(text): the token that FTS5 looks up for text typed as a
** prefix (text*), tokenized as a query's prefix is; NULL unless text is
** exactly one token. */
static void prefixFunc(sqlite3_context *ctx, int nArg, sqlite3_value **args) {
	Tokenizer *tk = (Tokenizer *)sqlite3_user_data(ctx);
	Prefix p = {{0, 0, 0}, 0};
	(void)nArg;
	const char *text = (const char *)sqlite3_value_text(args[0]);
	int n = sqlite3_value_bytes(args[0]);
	int rc = SQLITE_OK;
	if (text != 0 && n > 0) {
		rc = tk->api->xTokenize(tk->tok, &p, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, text, n, 0, 0, prefixToken);
	}
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
	} else if (p.count == 1 && p.tok.n > 0) {
		sqlite3_result_text64(ctx, p.tok.z, (sqlite3_uint64)p.tok.n, SQLITE_TRANSIENT, SQLITE_UTF8);
	} else {
		sqlite3_result_null(ctx);
	}
	sqlite3_free(p.tok.z);
}

static int kithFtsTermsInit(sqlite3 *db, char **err, const sqlite3_api_routines *unused) {
	fts5_api *fts = 0;
	sqlite3_stmt *st = 0;
	(void)err; (void)unused;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, 0) != SQLITE_OK) {
		return SQLITE_OK; /* no FTS5 in this build */
	}
	sqlite3_bind_pointer(st, 1, (void *)&fts, "fts5_api_ptr", 0);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (fts == 0 || fts->iVersion < 3) return SQLITE_OK;
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	Tokenizer *terms = tokenizerNew(fts), *prefix = tokenizerNew(fts);
	if (terms == 0 || prefix == 0) {
		tokenizerDelete(terms);
		tokenizerDelete(prefix);
		return SQLITE_NOMEM;
	}
	int rc = sqlite3_create_function_v2(db, "kith_fts_terms", 1, flags, terms, 0, termsStep, termsFinal, tokenizerDelete);
	if (rc != SQLITE_OK) {
		tokenizerDelete(prefix);
		return rc;
	}
	return sqlite3_create_function_v2(db, "kith_fts_prefix", 1, flags, prefix, prefixFunc, 0, 0, tokenizerDelete);
}

int kithRegisterFtsTerms(void) {
	return sqlite3_auto_extension((void (*)(void))kithFtsTermsInit);
}
