// Package storetest opens kith stores for tests: a SQLite file in a temporary
// directory, and a PostgreSQL database of the test's own that is dropped when
// the test ends. Both are built by the real migrations.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for creating and dropping test databases
	_ "github.com/mattn/go-sqlite3"    // database/sql driver for looking underneath the models

	"kith/models"
)

// DefaultPostgres is the local server this machine runs; KITH_TEST_POSTGRES overrides it.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Options are the store options tests use: the cheapest bcrypt cost.
func Options() models.Options {
	return models.Options{PasswordCost: 4}
}

// Dialects returns the databases to run a suite against: SQLite always, and
// PostgreSQL when a server answers.
func Dialects() []models.Dialect {
	if _, ok := postgresAdmin(); ok {
		return []models.Dialect{models.SQLite, models.Postgres}
	}
	return []models.Dialect{models.SQLite}
}

// Each runs fn once per database as a subtest named after it. Where
// PostgreSQL is not reachable its subtest is skipped with the reason.
func Each(t *testing.T, fn func(t *testing.T, d models.Dialect)) {
	t.Helper()
	for _, d := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == models.Postgres {
				if reason, ok := postgresAdmin(); !ok {
					t.Skip(reason)
				}
			}
			fn(t, d)
		})
	}
}

// URL returns the database URL of a new, empty database for the test.
func URL(t testing.TB, d models.Dialect) string {
	t.Helper()
	if d == models.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "kith.db")
	}
	admin, ok := postgresAdmin()
	if !ok {
		t.Skip(admin)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	name := "kith_test_" + randomHex(6)
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated store on a new database, closed when the test ends.
func Open(t testing.TB, d models.Dialect) *models.Store {
	t.Helper()
	return OpenURL(t, URL(t, d), Options())
}

// OpenURL opens and migrates the store at rawURL, closed when the test ends.
func OpenURL(t testing.TB, rawURL string, opts models.Options) *models.Store {
	t.Helper()
	ctx := context.Background()
	s, err := models.Open(ctx, rawURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	pgOnce   sync.Once
	pgURL    string
	pgReason string
)

// postgresAdmin returns the URL of a reachable PostgreSQL server, or why there is none.
func postgresAdmin() (string, bool) {
	pgOnce.Do(func() {
		u := os.Getenv("KITH_TEST_POSTGRES")
		if u == "" {
			u = DefaultPostgres
		}
		db, err := sql.Open("pgx", u)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err = db.PingContext(ctx)
			cancel()
			_ = db.Close()
		}
		if err != nil {
			pgReason = fmt.Sprintf("PostgreSQL suite SKIPPED: no server at %s (%v); set KITH_TEST_POSTGRES", redact(u), err)
			fmt.Fprintln(os.Stderr, "kith tests:", pgReason)
			return
		}
		pgURL = u
	})
	if pgURL == "" {
		return pgReason, false
	}
	return pgURL, true
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MustRawSQL opens the database at rawURL with database/sql, for tests that
// look underneath the models. It is closed when the test ends.
func MustRawSQL(t testing.TB, rawURL string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", rawURL
	if path, ok := strings.CutPrefix(rawURL, "sqlite:"); ok {
		driver, dsn = "sqlite3", "file:"+path+"?_busy_timeout=10000&_foreign_keys=on"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
