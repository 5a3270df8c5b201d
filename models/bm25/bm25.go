// Package bm25 adds kith_bm25, an FTS5 auxiliary function, to SQLite.
//
// FTS5's own bm25() weighs each phrase of a query by how many rows hold it,
// and it counts those rows anew at every query by reading every match of the
// phrase: 8 ms for a word in a quarter of a million posts, 38 ms for a phrase
// of two common words, before a single row is scored. FTS5 keeps no count of
// its own. kith_bm25 scores exactly as bm25() does (k1 1.2, b 0.75, every
// column weighing the same) but takes the counts as arguments, one per phrase
// in the query's order, so that kith can keep them for a while (see
// models.Store's search).
//
// The function is written in C (bm25.c) against go-sqlite3's copy of SQLite,
// linked into the same binary, and added to every connection through
// sqlite3_auto_extension.
package bm25

/*
#cgo LDFLAGS: -lm
int kithRegisterBm25(void);
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

// Register adds kith_bm25 to every SQLite connection opened after it. It may
// be called more than once.
func Register() error {
	once.Do(func() {
		if rc := C.kithRegisterBm25(); rc != 0 {
			err = fmt.Errorf("register kith_bm25: SQLite error %d", rc)
		}
	})
	return err
}
