// Package models holds kith's entities and the domain operations that keep its rules.
//
// Every rule of the design (voluntary membership, equal status, shared purpose,
// recorded relationships) is enforced here, inside the operation's transaction,
// so no handler, command or importer can skip it. Operations that concern the
// acting person take an Actor and never a target member id.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"kith/migrations"
	"kith/models/bm25"
	"kith/models/ftsterms"
	"kith/models/kept"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// preparedStatements is how many statements each SQLite connection keeps
// prepared (go-sqlite3's own cache, by SQL text, most recently used kept):
// preparing was an eighth of a signed-out thread page's CPU.
const preparedStatements = 64

// Store is kith's database and the domain operations on it.
//
// On SQLite it keeps two pools on the same file: one connection that writes
// (every write transaction begins IMMEDIATE, so concurrent writers queue instead
// of failing with "database is locked") and a pool of readers, which WAL lets run
// beside the writer. On PostgreSQL both are the same pool.
type Store struct {
	read    *gorm.DB
	write   *gorm.DB
	dialect Dialect
	limits  Limits
	policy  Policy
	hasher  passwordHasher
	md      *markdown
	publish Publisher
	now     func() time.Time
	group   groupCommit                // SQLite's writes (see groupcommit.go)
	postDF  *kept.Cache[string, int64] // posts holding each search phrase (SQLite; see postFrequencies)

	postPages postPages // pages of threads' posts, by the thread's stamp (see ReadThread)

	checkpoints *checkpointer // SQLite's write-ahead log, copied in the background (see checkpoint.go)
}

// Options configure a Store. The zero value means the defaults.
type Options struct {
	Limits Limits
	Policy Policy
	// PasswordCost is the bcrypt cost; 0 means bcrypt's default.
	PasswordCost int
	// Now returns the current time; tests may fix it. Nil means time.Now.
	Now func() time.Time
	// SQLiteMmapBytes is how much of an SQLite database file is memory-mapped
	// (read without a system call per page); 0 means none. Off by default:
	// it saves searches as much CPU as SQLiteCacheKiB does, but mapped pages
	// count in the resident set, with the kernel's neighbours of every page
	// touched (67 MB just after start at a million posts instead of 35 MB).
	SQLiteMmapBytes int64
	// SQLiteCacheKiB is the page cache of each SQLite connection that reads;
	// 0 means SQLite's default (2 MiB), which the writer keeps. A search reads
	// long lists of FTS5 pages, and through the default cache it read most of
	// them from the OS again each time.
	SQLiteCacheKiB int64
	// SearchPhrases is how many search phrases' post counts are kept, each
	// for SearchPhraseTTL (package bm25); 0 means the defaults.
	SearchPhrases   int
	SearchPhraseTTL time.Duration
	// PostPages is how many pages of threads' posts are kept, each while its
	// thread has no new event and for at most PostPageTTL (see postPages);
	// 0 means the defaults, a negative number none.
	PostPages   int
	PostPageTTL time.Duration
	// SQLiteWALPages is how large SQLite's write-ahead log may grow, in pages,
	// before the connection that writes copies it into the database file
	// itself, inside a commit; kith copies it sooner, in the background (see
	// checkpoint.go). 0 means DefaultSQLiteWALPages.
	SQLiteWALPages int
	// Log hears of failures of background work; nil means they are dropped.
	Log *slog.Logger
}

// Defaults of Options.
const (
	DefaultSearchPhrases   = 10000
	DefaultSearchPhraseTTL = 10 * time.Minute
	DefaultPostPages       = 200
	DefaultPostPageTTL     = 10 * time.Second
	DefaultSQLiteWALPages  = 10000
)

// Open connects to the database named by rawURL: "sqlite:PATH" (or a bare path)
// or "postgres://...". It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	s := &Store{
		limits: opts.Limits.withDefaults(),
		policy: opts.Policy.withDefaults(),
		hasher: passwordHasher{cost: opts.PasswordCost},
		md:     newMarkdown(),
		now:    opts.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.SearchPhrases <= 0 {
		opts.SearchPhrases = DefaultSearchPhrases
	}
	if opts.SearchPhraseTTL <= 0 {
		opts.SearchPhraseTTL = DefaultSearchPhraseTTL
	}
	s.postDF = kept.New[string, int64](opts.SearchPhrases, opts.SearchPhraseTTL, s.now)
	if opts.PostPages == 0 {
		opts.PostPages = DefaultPostPages
	}
	if opts.PostPageTTL <= 0 {
		opts.PostPageTTL = DefaultPostPageTTL
	}
	s.postPages = postPages{kept.New[postPageKey, []PostView](opts.PostPages, opts.PostPageTTL, s.now)}
	cfg := &gorm.Config{
		SkipDefaultTransaction: true, // every write already runs in an explicit transaction
		Logger:                 statementLogger{logger.Discard},
		NowFunc:                func() time.Time { return s.now().UTC() },
		TranslateError:         true,
	}
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		db, err := gorm.Open(postgres.Open(rawURL), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(4 * runtime.GOMAXPROCS(0))
		sqlDB.SetMaxIdleConns(4 * runtime.GOMAXPROCS(0))
		if err := sqlDB.PingContext(ctx); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("reach postgres: %w", err)
		}
		s.read, s.write, s.dialect = db, db, Postgres
	default:
		path := strings.TrimPrefix(rawURL, "sqlite:")
		if path == "" {
			return nil, errors.New("open sqlite: empty path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		if err := bm25.Register(); err != nil {
			return nil, err
		}
		if err := ftsterms.Register(); err != nil {
			return nil, err
		}
		if opts.SQLiteWALPages <= 0 {
			opts.SQLiteWALPages = DefaultSQLiteWALPages
		}
		log := opts.Log
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		pragmas := sqlitePragmas{mmapBytes: max(opts.SQLiteMmapBytes, 0), walPages: opts.SQLiteWALPages}
		write, err := openSQLite(ctx, path, cfg, "immediate", 1, pragmas)
		if err != nil {
			return nil, err
		}
		checkpoints, err := openSQLite(ctx, path, cfg, "deferred", 1, pragmas)
		if err != nil {
			closeGorm(write)
			return nil, err
		}
		checkpointDB, err := checkpoints.DB()
		if err != nil {
			closeGorm(write)
			closeGorm(checkpoints)
			return nil, err
		}
		pragmas.cacheKiB = max(opts.SQLiteCacheKiB, 0)
		read, err := openSQLite(ctx, path, cfg, "deferred", 2*runtime.GOMAXPROCS(0), pragmas)
		if err != nil {
			closeGorm(write)
			closeGorm(checkpoints)
			return nil, err
		}
		s.read, s.write, s.dialect = read, write, SQLite
		s.checkpoints = startCheckpointer(checkpointDB, log)
	}
	return s, nil
}

// sqliteDSN uses mattn/go-sqlite3's own pragma parameters (the "_pragma=" form
// belongs to another driver and is silently ignored).
func sqliteDSN(path, txlock string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", txlock)
	q.Set("_stmt_cache_size", strconv.Itoa(preparedStatements))
	return "file:" + path + "?" + q.Encode()
}

// sqlitePragmas are the settings of every SQLite connection that a DSN
// cannot carry.
type sqlitePragmas struct {
	mmapBytes int64 // bytes of the file memory-mapped
	cacheKiB  int64 // the page cache; 0: SQLite's default
	walPages  int   // the write-ahead log's size at which a commit checkpoints it
}

// sqliteDriver returns the name of mattn's driver registered with the
// pragmas a DSN cannot carry, set on every new connection: mmap bytes of the
// file memory-mapped, the page cache, temporary b-trees in memory, and the
// automatic checkpoint's threshold.
func sqliteDriver(p sqlitePragmas) string {
	name := fmt.Sprintf("sqlite3_kith_mmap%d_cache%d_wal%d", p.mmapBytes, p.cacheKiB, p.walPages)
	sqliteDrivers.Do(name, func() {
		sql.Register(name, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			pragmas := fmt.Sprintf("PRAGMA mmap_size = %d; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = %d", p.mmapBytes, p.walPages)
			if p.cacheKiB > 0 {
				pragmas += fmt.Sprintf("; PRAGMA cache_size = -%d", p.cacheKiB)
			}
			_, err := c.Exec(pragmas, nil)
			return err
		}})
	})
	return name
}

var sqliteDrivers onceByKey

// onceByKey runs a function once per key.
type onceByKey struct {
	mu   sync.Mutex
	done map[string]bool
}

func (o *onceByKey) Do(key string, f func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done[key] {
		return
	}
	if o.done == nil {
		o.done = map[string]bool{}
	}
	f()
	o.done[key] = true
}

func openSQLite(ctx context.Context, path string, cfg *gorm.Config, txlock string, conns int, pragmas sqlitePragmas) (*gorm.DB, error) {
	db, err := gorm.Open(sqlite.Dialector{DriverName: sqliteDriver(pragmas), DSN: sqliteDSN(path, txlock)}, cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(0)
	if err := checkSQLitePragmas(ctx, sqlDB, pragmas); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// checkSQLitePragmas reads the pragmas back: a DSN typo would otherwise run kith
// without foreign keys or WAL, silently.
func checkSQLitePragmas(ctx context.Context, db *sql.DB, p sqlitePragmas) error {
	var journal string
	var foreignKeys, busy int
	var cache int64
	if err := db.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return err
	}
	if p.cacheKiB > 0 && cache != -p.cacheKiB {
		return fmt.Errorf("sqlite page cache not in effect (cache_size=%d, want %d)", cache, -p.cacheKiB)
	}
	var walPages int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&walPages); err != nil {
		return err
	}
	if p.walPages > 0 && walPages != p.walPages {
		return fmt.Errorf("sqlite checkpoint threshold not in effect (wal_autocheckpoint=%d, want %d)", walPages, p.walPages)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
		return err
	}
	if !strings.EqualFold(journal, "wal") || foreignKeys != 1 || busy < 1000 {
		return fmt.Errorf("sqlite pragmas not in effect (journal_mode=%s foreign_keys=%d busy_timeout=%d)", journal, foreignKeys, busy)
	}
	return nil
}

// checkFTS5 refuses, with the reason, a kith whose SQLite lacks FTS5: search
// needs it, and mattn/go-sqlite3 compiles it in only with the sqlite_fts5
// build tag (which the Makefile sets).
func checkFTS5(ctx context.Context, db *sql.DB) error {
	var on int
	if err := db.QueryRowContext(ctx, "SELECT sqlite_compileoption_used('ENABLE_FTS5')").Scan(&on); err != nil {
		return err
	}
	if on != 1 {
		return errors.New("this kith was built without SQLite's FTS5, which search needs: build it with -tags sqlite_fts5 (make build does)")
	}
	return nil
}

func closeGorm(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// Dialect says which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Limits returns the content limits in force.
func (s *Store) Limits() Limits { return s.limits }

// Close closes the database pools.
func (s *Store) Close() error {
	if s.checkpoints != nil {
		s.checkpoints.close()
	}
	closeGorm(s.read)
	if s.write != s.read {
		closeGorm(s.write)
	}
	return nil
}

// Migrate applies the embedded migrations for the store's database.
func (s *Store) Migrate(ctx context.Context) error {
	sqlDB, err := s.write.DB()
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	} else if err := checkFTS5(ctx, sqlDB); err != nil {
		return err
	}
	dir, err := fs.Sub(migrations.FS, string(s.dialect))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, sqlDB, dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.read.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Backup writes a consistent copy of a SQLite database to path while kith keeps
// serving (VACUUM INTO reads one snapshot). PostgreSQL has pg_dump for this.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return Errorf(CodeInvalid, "kith backup copies SQLite databases; use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(path); err == nil {
		return Errorf(CodeConflict, "%s already exists", path)
	}
	if err := s.read.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// tx runs fn in one write transaction. Inside fn use only tx. Events that fn
// emits are stored in the same transaction and published after it commits.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if b, ok := ctx.Value(batchKey{}).(*gorm.DB); ok {
		return s.savepoint(b, fn)
	}
	if s.dialect == SQLite {
		return s.groupTx(ctx, fn)
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.commitGroup([]*writeOp{op})
	return <-op.done
}

type batchKey struct{}

// savepoint runs fn inside the batch's transaction b as one atomic step: on
// error it is rolled back, with its events. The savepoint is released on
// success too (GORM's nested transactions never release theirs, and
// SQLite's cost per write grows with every savepoint left open).
func (s *Store) savepoint(b *gorm.DB, fn func(tx *gorm.DB) error) error {
	buf, _ := b.Statement.Context.Value(eventsKey{}).(*eventBuffer)
	n := len(buf.pending)
	w := plain(b)
	if err := w.exec("SAVEPOINT kith_op"); err != nil {
		return err
	}
	err := fn(b)
	if err != nil {
		buf.pending = buf.pending[:n]
		if rerr := w.exec("ROLLBACK TO SAVEPOINT kith_op"); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	if rerr := w.exec("RELEASE SAVEPOINT kith_op"); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// Batch runs fn with a context in which the store's operations share one
// transaction: each operation stays atomic (a savepoint, rolled back alone
// when it fails) and all of them commit together when fn returns nil. Bulk
// work such as seeding uses it so that thousands of joins cost one commit;
// the operations and their rules are the same as for one person's request.
func (s *Store) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(batchKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, batchKey{}, tx))
	})
}

// db returns a read handle bound to ctx.
func (s *Store) db(ctx context.Context) *gorm.DB {
	return s.read.WithContext(ctx)
}

func (s *Store) clock() time.Time { return s.now().UTC() }
