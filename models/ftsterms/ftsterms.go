// Package ftsterms adds to SQLite the two functions that keep and read the
// vocabulary of kith's posts index (the table search_post_terms).
//
// FTS5 answers a prefix (deploy*) by merging the list of every word of the
// index that begins with it before it yields its first match, whatever the
// query's LIMIT: 25-40 ms at a million posts for a prefix that a third of
// them hold. An OR of the words themselves is walked newest first and
// stopped early. kith_fts_terms tokenizes text exactly as the index does
// (porter unicode61 remove_diacritics 2, FTS5's own tokenizer), so that the
// vocabulary holds every token the index holds, each with a word it was read
// from; kith_fts_prefix tokenizes a typed prefix as FTS5 tokenizes the
// prefix of a query, so that the words it covers are those whose token
// begins with it.
//
// Like package bm25, the functions are written in C (terms.c) against
// go-sqlite3's copy of SQLite and added to every connection through
// sqlite3_auto_extension.
package ftsterms

/*
#cgo CFLAGS: -I${SRCDIR}/../bm25
int kithRegisterFtsTerms(void);
*/
import "C"

import (
	"fmt"
	"sync"
)

var (
	once sync.Once
	err  error
)

// Register adds kith_fts_terms and kith_fts_prefix to every SQLite
// connection opened after it. It may be called more than once.
func Register() error {
	once.Do(func() {
		if rc := C.kithRegisterFtsTerms(); rc != 0 {
			err = fmt.Errorf("register kith_fts_terms: SQLite error %d", rc)
		}
	})
	return err
}
