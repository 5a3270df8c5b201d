package app

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kith/app/live"
	"kith/models"
)

// Config is every setting of a kith instance. Each has a flag, a KITH_*
// environment variable and a default; flags win over the environment. It is
// passed down explicitly, never kept in a global.
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	BaseURL     string
	TrustProxy  bool

	LocalSignup         bool
	AllowedEmailDomains string // comma-separated; empty allows every domain

	OIDCIssuer                    string // generic OpenID Connect provider: issuer URL (discovery at /.well-known/openid-configuration)
	OIDCClientID                  string
	OIDCClientSecret              string
	OIDCLabel                     string
	GitHubKey, GitHubSecret       string
	GitLabKey, GitLabSecret       string
	GoogleKey, GoogleSecret       string
	MicrosoftKey, MicrosoftSecret string
	SpaceCreation                 string // "members" or "admins"
	PublicRead                    bool

	InvitationTTL  time.Duration
	ProposalWindow time.Duration
	QuorumMembers  int
	QuorumPercent  int
	ProposalSweep  time.Duration // how often open purpose proposals past their window are closed

	SessionTTL         time.Duration
	SecureCookies      string // "auto", "always" or "never"
	PasswordCost       int
	GCPercent          int           // Go's garbage collection target (GOGC), unless GOGC is set
	SQLiteMmapMB       int64         // MiB of the SQLite file memory-mapped; 0: none
	SQLiteCacheMB      int64         // MiB of page cache per reading SQLite connection; 0: SQLite's default
	SQLiteWALPages     int           // pages of write-ahead log at which a commit checkpoints it itself
	RenderCachePosts   int           // rendered posts kept for thread pages; 0: none
	PageCachePages     int           // signed-out thread pages kept; 0: none
	PageCacheTTL       time.Duration // how long a kept page may be sent while its thread has no new event
	ReaderCachePages   int           // thread pages' content kept as kinds of signed-in readers see it; 0: none
	HeaderCacheReaders int           // readers whose page header is kept; 0: none
	PostCachePages     int           // pages of threads' posts kept for every reader; 0: none
	PostCacheTTL       time.Duration // how long a kept page of posts may be used while its thread has no new event
	ShutdownTimeout    time.Duration

	MaxBodyBytes      int64
	MaxPostChars      int
	MaxTitleChars     int
	MaxNameChars      int
	MaxNoteChars      int
	MaxReasonChars    int
	MaxRationaleChars int
	MinPassword       int
	PageSize          int
	MaxPageSize       int
	ThreadPageSize    int
	MaxSearchChars    int
	SearchCandidates  int
	SearchPrefixTerms int
	SearchPhrases     int
	SearchPhraseTTL   time.Duration

	SignupsPerHour    int
	LoginsPerMinute   int
	TokensPerMinute   int
	SearchesPerMinute int
	RateLimitEntries  time.Duration

	LiveSendQueue        int           // frames queued per websocket before it counts as slow and is closed
	LiveFlushers         int           // goroutines writing to live sockets that take a frame at once; 0: one per CPU
	LiveMaxMessageBytes  int64         // largest message a websocket client may send
	LivePingInterval     time.Duration // how often sockets are pinged; silent for two intervals means gone
	LiveWriteTimeout     time.Duration // how long one websocket write may take
	LiveReplayLimit      int           // most events replayed for one subscribe before resync
	LiveMaxSubscriptions int           // topics one socket may follow
	LivePresenceInterval time.Duration // reader counts of a thread are sent at most this often
	EventsMaxAge         time.Duration // the replay backlog keeps events this long ...
	EventsMaxPerTopic    int           // ... and at most this many per topic
	EventsPruneInterval  time.Duration // how often the backlog is pruned

	LogLevel  string
	LogFormat string
	DebugAddr string

	envErrs []error
}

// Lookup reads an environment variable; os.LookupEnv in production.
type Lookup func(string) (string, bool)

// RegisterFlags defines a flag for every setting on fs, with defaults taken
// from the environment through env.
func (c *Config) RegisterFlags(fs *flag.FlagSet, env Lookup) {
	d := models.DefaultLimits
	r := registrar{fs: fs, env: env, c: c}
	r.str(&c.Addr, "addr", "KITH_ADDR", "127.0.0.1:8080", "address to listen on")
	r.str(&c.DataDir, "data", "KITH_DATA", "./data", "directory for the SQLite database and other local state")
	r.str(&c.DatabaseURL, "db", "KITH_DATABASE_URL", "", "database: sqlite:PATH or postgres://... (default sqlite:<data>/kith.db)")
	r.str(&c.BaseURL, "base-url", "KITH_BASE_URL", "", "public URL of the instance, e.g. https://forum.example.com (default http://<addr>)")
	r.boolean(&c.TrustProxy, "trust-proxy", "KITH_TRUST_PROXY", false, "take client IPs from X-Forwarded-For (only behind a proxy that sets it)")
	r.boolean(&c.LocalSignup, "local-signup", "KITH_LOCAL_SIGNUP", true, "allow sign-up with email and password")
	r.str(&c.AllowedEmailDomains, "allowed-email-domains", "KITH_ALLOWED_EMAIL_DOMAINS", "", "comma-separated email domains that may sign up and sign in (empty: any)")
	r.str(&c.OIDCIssuer, "oidc-issuer", "KITH_OIDC_ISSUER", "", "OpenID Connect issuer URL, e.g. https://sso.example.com/realms/acme")
	r.str(&c.OIDCClientID, "oidc-client-id", "KITH_OIDC_CLIENT_ID", "", "OpenID Connect client id")
	r.secret(&c.OIDCClientSecret, "oidc-client-secret", "KITH_OIDC_CLIENT_SECRET", "", "OpenID Connect client secret (prefer the environment variable)")
	r.str(&c.OIDCLabel, "oidc-label", "KITH_OIDC_LABEL", "Company sign-in", "label of the OpenID Connect button")
	r.str(&c.GitHubKey, "github-key", "KITH_GITHUB_KEY", "", "GitHub OAuth app client id")
	r.secret(&c.GitHubSecret, "github-secret", "KITH_GITHUB_SECRET", "", "GitHub OAuth app client secret")
	r.str(&c.GitLabKey, "gitlab-key", "KITH_GITLAB_KEY", "", "GitLab application id")
	r.secret(&c.GitLabSecret, "gitlab-secret", "KITH_GITLAB_SECRET", "", "GitLab application secret")
	r.str(&c.GoogleKey, "google-key", "KITH_GOOGLE_KEY", "", "Google OAuth client id")
	r.secret(&c.GoogleSecret, "google-secret", "KITH_GOOGLE_SECRET", "", "Google OAuth client secret")
	r.str(&c.MicrosoftKey, "microsoft-key", "KITH_MICROSOFT_KEY", "", "Microsoft application (client) id")
	r.secret(&c.MicrosoftSecret, "microsoft-secret", "KITH_MICROSOFT_SECRET", "", "Microsoft client secret")
	r.str(&c.SpaceCreation, "space-creation", "KITH_SPACE_CREATION", "members", "who may start spaces: members or admins")
	r.boolean(&c.PublicRead, "public-read", "KITH_PUBLIC_READ", false, "let people who have not signed in read open spaces")
	r.duration(&c.InvitationTTL, "invitation-ttl", "KITH_INVITATION_TTL", 30*24*time.Hour, "how long an invitation to a space stays open")
	r.duration(&c.ProposalWindow, "proposal-window", "KITH_PROPOSAL_WINDOW", 7*24*time.Hour, "how long a purpose proposal stays open for responses")
	r.integer(&c.QuorumMembers, "quorum-members", "KITH_QUORUM_MEMBERS", 3, "a purpose proposal needs responses from at least this many members ...")
	r.integer(&c.QuorumPercent, "quorum-percent", "KITH_QUORUM_PERCENT", 20, "... or from this percentage of members, whichever is larger")
	r.duration(&c.ProposalSweep, "proposal-sweep", "KITH_PROPOSAL_SWEEP", time.Minute, "how often purpose proposals past their window are closed")
	r.duration(&c.SessionTTL, "session-ttl", "KITH_SESSION_TTL", 30*24*time.Hour, "how long a browser stays signed in")
	r.str(&c.SecureCookies, "secure-cookies", "KITH_SECURE_COOKIES", "auto", "mark cookies Secure: auto (when the base URL is https), always or never")
	r.int64(&c.SQLiteCacheMB, "sqlite-cache-mb", "KITH_SQLITE_CACHE_MB", 32, "MiB of page cache each reading SQLite connection may fill (0: SQLite's default, 2); filled as pages are read, so idle memory does not grow")
	r.integer(&c.SQLiteWALPages, "sqlite-wal-pages", "KITH_SQLITE_WAL_PAGES", models.DefaultSQLiteWALPages, "pages (4 KiB) SQLite's write-ahead log may grow to before a commit copies it into the database itself; kith copies it sooner, in the background")
	r.int64(&c.SQLiteMmapMB, "sqlite-mmap-mb", "KITH_SQLITE_MMAP_MB", 0, "MiB of the SQLite database file read through memory mapping (0: none); mapped pages show in the resident set")
	r.integer(&c.RenderCachePosts, "render-cache-posts", "KITH_RENDER_CACHE_POSTS", 5000, "rendered posts kept in memory for thread pages (0: none)")
	r.integer(&c.PageCachePages, "page-cache-pages", "KITH_PAGE_CACHE_PAGES", 500, "thread pages kept in memory as signed-out readers see them (0: none)")
	r.duration(&c.PageCacheTTL, "page-cache-ttl", "KITH_PAGE_CACHE_TTL", 10*time.Second, "longest a kept thread page (signed out, or a signed-in reader's content) is sent again, even with no change to its thread")
	r.integer(&c.HeaderCacheReaders, "header-cache-readers", "KITH_HEADER_CACHE_READERS", 1000, "readers whose page header (their name, unread count and CSRF token) is kept in memory, about 1.5 KB each (0: none)")
	r.integer(&c.ReaderCachePages, "reader-cache-pages", "KITH_READER_CACHE_PAGES", 500, "thread pages' content kept in memory as signed-in readers see it, one copy for all who may do the same there (0: none)")
	r.integer(&c.PostCachePages, "post-cache-pages", "KITH_POST_CACHE_PAGES", models.DefaultPostPages, "pages of threads' posts kept in memory for every reader, signed in or out (0: none)")
	r.duration(&c.PostCacheTTL, "post-cache-ttl", "KITH_POST_CACHE_TTL", models.DefaultPostPageTTL, "longest a kept page of posts is used again, even with no change to its thread")
	r.integer(&c.GCPercent, "gc-percent", "KITH_GC_PERCENT", 200, "how far, in per cent, Go's heap may grow past what is live before it is collected (Go's GOGC, which wins when set); more spends memory to save CPU")
	r.integer(&c.PasswordCost, "password-cost", "KITH_PASSWORD_COST", 10, "bcrypt cost of password hashes")
	r.duration(&c.ShutdownTimeout, "shutdown-timeout", "KITH_SHUTDOWN_TIMEOUT", 20*time.Second, "how long SIGTERM waits for requests in flight")
	r.int64(&c.MaxBodyBytes, "max-body-bytes", "KITH_MAX_BODY_BYTES", 256<<10, "largest request body in bytes")
	r.integer(&c.MaxPostChars, "max-post-chars", "KITH_MAX_POST_CHARS", d.MaxPostChars, "longest post in characters")
	r.integer(&c.MaxTitleChars, "max-title-chars", "KITH_MAX_TITLE_CHARS", d.MaxTitleChars, "longest thread title in characters")
	r.integer(&c.MaxNameChars, "max-name-chars", "KITH_MAX_NAME_CHARS", d.MaxNameChars, "longest member or space name in characters")
	r.integer(&c.MaxNoteChars, "max-note-chars", "KITH_MAX_NOTE_CHARS", d.MaxNoteChars, "longest note on a join request in characters")
	r.integer(&c.MaxReasonChars, "max-reason-chars", "KITH_MAX_REASON_CHARS", d.MaxReasonChars, "longest written reason for removing a member, in characters")
	r.integer(&c.MaxRationaleChars, "max-rationale-chars", "KITH_MAX_RATIONALE_CHARS", d.MaxRationaleChars, "longest rationale of a purpose proposal in characters")
	r.integer(&c.MinPassword, "min-password-length", "KITH_MIN_PASSWORD_LENGTH", d.MinPassword, "shortest password in bytes (at most 72, bcrypt's limit)")
	r.integer(&c.PageSize, "page-size", "KITH_PAGE_SIZE", d.PageSize, "items in a list page")
	r.integer(&c.MaxPageSize, "max-page-size", "KITH_MAX_PAGE_SIZE", d.MaxPageSize, "largest list page a client may ask for (?limit=)")
	r.integer(&c.ThreadPageSize, "thread-page-size", "KITH_THREAD_PAGE_SIZE", d.ThreadPageSize, "posts on one page of a thread")
	r.integer(&c.MaxSearchChars, "max-search-chars", "KITH_MAX_SEARCH_CHARS", d.MaxSearchChars, "longest search in characters")
	r.integer(&c.SearchPhrases, "search-phrases", "KITH_SEARCH_PHRASES", models.DefaultSearchPhrases, "search phrases whose count of posts is kept for ranking (SQLite)")
	r.duration(&c.SearchPhraseTTL, "search-phrase-ttl", "KITH_SEARCH_PHRASE_TTL", models.DefaultSearchPhraseTTL, "how long a search phrase's count of posts is kept")
	r.integer(&c.SearchCandidates, "search-candidates", "KITH_SEARCH_CANDIDATES", d.SearchCandidates, "a search ranks the newest this many matching threads, posts and spaces (each)")
	r.integer(&c.SearchPrefixTerms, "search-prefix-terms", "KITH_SEARCH_PREFIX_TERMS", d.SearchPrefixTerms, "a prefix (deploy*) covering at most this many words of the posts index is searched as those words (SQLite)")
	r.integer(&c.SignupsPerHour, "signups-per-hour", "KITH_SIGNUPS_PER_HOUR", 20, "sign-ups allowed per client IP per hour")
	r.integer(&c.LoginsPerMinute, "logins-per-minute", "KITH_LOGINS_PER_MINUTE", 10, "sign-in attempts allowed per client IP per minute")
	r.integer(&c.TokensPerMinute, "tokens-per-minute", "KITH_TOKENS_PER_MINUTE", 10, "API token requests allowed per client IP per minute")
	r.integer(&c.SearchesPerMinute, "searches-per-minute", "KITH_SEARCHES_PER_MINUTE", 60, "searches (page and API) allowed per client IP per minute")
	r.duration(&c.RateLimitEntries, "rate-limit-memory", "KITH_RATE_LIMIT_MEMORY", 10*time.Minute, "how long an idle client's rate limit state is kept")
	r.integer(&c.LiveSendQueue, "live-send-queue", "KITH_LIVE_SEND_QUEUE", 64, "frames queued per live socket before it counts as slow and is closed")
	r.integer(&c.LiveFlushers, "live-flushers", "KITH_LIVE_FLUSHERS", 0, "goroutines writing to live sockets that take frames at once (a slow socket gets one of its own); 0: one per CPU")
	r.int64(&c.LiveMaxMessageBytes, "live-max-message-bytes", "KITH_LIVE_MAX_MESSAGE_BYTES", 4096, "largest message a live socket client may send, in bytes")
	r.duration(&c.LivePingInterval, "live-ping-interval", "KITH_LIVE_PING_INTERVAL", 30*time.Second, "how often live sockets are pinged; a socket silent for two intervals is closed")
	r.duration(&c.LiveWriteTimeout, "live-write-timeout", "KITH_LIVE_WRITE_TIMEOUT", 10*time.Second, "how long one write to a live socket may take")
	r.integer(&c.LiveReplayLimit, "live-replay-limit", "KITH_LIVE_REPLAY_LIMIT", 500, "most events replayed to a reconnecting socket; more answers resync")
	r.integer(&c.LiveMaxSubscriptions, "live-max-subscriptions", "KITH_LIVE_MAX_SUBSCRIPTIONS", 100, "topics one live socket may follow at once")
	r.duration(&c.LivePresenceInterval, "live-presence-interval", "KITH_LIVE_PRESENCE_INTERVAL", 500*time.Millisecond, "reader counts of a thread are sent at most this often")
	r.duration(&c.EventsMaxAge, "events-max-age", "KITH_EVENTS_MAX_AGE", 24*time.Hour, "how long the replay backlog keeps events")
	r.integer(&c.EventsMaxPerTopic, "events-max-per-topic", "KITH_EVENTS_MAX_PER_TOPIC", 1000, "most events the replay backlog keeps per topic")
	r.duration(&c.EventsPruneInterval, "events-prune-interval", "KITH_EVENTS_PRUNE_INTERVAL", 10*time.Minute, "how often the replay backlog is pruned")
	r.str(&c.LogLevel, "log-level", "KITH_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	r.str(&c.LogFormat, "log-format", "KITH_LOG_FORMAT", "text", "log format: text or json")
	r.str(&c.DebugAddr, "debug-addr", "KITH_DEBUG_ADDR", "", "serve pprof and runtime figures on this address (e.g. 127.0.0.1:6060); empty: off")
}

// DefaultConfig returns the configuration with every default and no environment.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("defaults", flag.ContinueOnError), func(string) (string, bool) { return "", false })
	return c
}

// Validate checks the settings and fills in those derived from others.
func (c *Config) Validate() error {
	errs := append([]error(nil), c.envErrs...)
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "kith.db")
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want http(s)://host[:port]", c.BaseURL))
	}
	if c.OIDCIssuer != "" {
		u, err := url.Parse(c.OIDCIssuer)
		plainLocal := err == nil && u.Scheme == "http" && isLoopback(u.Hostname())
		if err != nil || u.Host == "" || (u.Scheme != "https" && !plainLocal) {
			errs = append(errs, fmt.Errorf("oidc issuer %q: want an https URL (http only on loopback)", c.OIDCIssuer))
		}
		if c.OIDCClientID == "" {
			errs = append(errs, fmt.Errorf("oidc-issuer needs oidc-client-id"))
		}
	}
	if c.SpaceCreation != "members" && c.SpaceCreation != "admins" {
		errs = append(errs, fmt.Errorf("space creation %q: want members or admins", c.SpaceCreation))
	}
	if c.SecureCookies != "auto" && c.SecureCookies != "always" && c.SecureCookies != "never" {
		errs = append(errs, fmt.Errorf("secure cookies %q: want auto, always or never", c.SecureCookies))
	}
	for name, v := range map[string]int{
		"max-post-chars": c.MaxPostChars, "max-title-chars": c.MaxTitleChars, "max-name-chars": c.MaxNameChars,
		"max-note-chars": c.MaxNoteChars, "max-reason-chars": c.MaxReasonChars, "min-password-length": c.MinPassword,
		"quorum-members": c.QuorumMembers, "quorum-percent": c.QuorumPercent, "max-rationale-chars": c.MaxRationaleChars,
		"page-size": c.PageSize, "max-page-size": c.MaxPageSize, "thread-page-size": c.ThreadPageSize,
		"signups-per-hour": c.SignupsPerHour, "logins-per-minute": c.LoginsPerMinute, "tokens-per-minute": c.TokensPerMinute,
		"max-search-chars": c.MaxSearchChars, "searches-per-minute": c.SearchesPerMinute, "search-candidates": c.SearchCandidates, "search-phrases": c.SearchPhrases,
		"live-send-queue": c.LiveSendQueue, "live-replay-limit": c.LiveReplayLimit, "live-max-subscriptions": c.LiveMaxSubscriptions,
		"events-max-per-topic": c.EventsMaxPerTopic, "search-prefix-terms": c.SearchPrefixTerms, "gc-percent": c.GCPercent, "sqlite-wal-pages": c.SQLiteWALPages,
	} {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, not %d", name, v))
		}
	}
	if c.RenderCachePosts < 0 || c.SQLiteMmapMB < 0 || c.SQLiteCacheMB < 0 || c.PageCachePages < 0 || c.ReaderCachePages < 0 || c.HeaderCacheReaders < 0 || c.PageCacheTTL < 0 || c.LiveFlushers < 0 ||
		c.PostCachePages < 0 || c.PostCacheTTL < 0 {
		errs = append(errs, fmt.Errorf("render-cache-posts, page-cache-pages, reader-cache-pages, header-cache-readers, page-cache-ttl, post-cache-pages, post-cache-ttl, sqlite-mmap-mb, sqlite-cache-mb and live-flushers must not be negative"))
	}
	if c.SearchPhraseTTL <= 0 {
		errs = append(errs, fmt.Errorf("search-phrase-ttl must be positive, not %s", c.SearchPhraseTTL))
	}
	if c.MinPassword > 72 {
		errs = append(errs, fmt.Errorf("min-password-length must be at most 72, not %d", c.MinPassword))
	}
	if c.QuorumPercent > 100 {
		errs = append(errs, fmt.Errorf("quorum-percent must be at most 100, not %d", c.QuorumPercent))
	}
	if c.InvitationTTL < time.Minute || c.ProposalWindow < time.Minute {
		errs = append(errs, fmt.Errorf("invitation-ttl and proposal-window must be at least a minute"))
	}
	if c.ProposalSweep < time.Second {
		errs = append(errs, fmt.Errorf("proposal-sweep must be at least a second, not %s", c.ProposalSweep))
	}
	for name, v := range map[string]time.Duration{
		"live-ping-interval": c.LivePingInterval, "live-write-timeout": c.LiveWriteTimeout,
		"live-presence-interval": c.LivePresenceInterval, "events-max-age": c.EventsMaxAge,
		"events-prune-interval": c.EventsPruneInterval,
	} {
		if v < 10*time.Millisecond {
			errs = append(errs, fmt.Errorf("%s must be at least 10ms, not %s", name, v))
		}
	}
	if c.LiveMaxMessageBytes < 256 {
		errs = append(errs, fmt.Errorf("live-max-message-bytes must be at least 256, not %d", c.LiveMaxMessageBytes))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("max-body-bytes must be at least 1024, not %d", c.MaxBodyBytes))
	}
	return errors.Join(errs...)
}

// secure reports whether cookies carry the Secure attribute.
func (c *Config) secure() bool {
	switch c.SecureCookies {
	case "always":
		return true
	case "never":
		return false
	}
	return strings.HasPrefix(c.BaseURL, "https://")
}

// StoreOptions returns the domain settings the configuration implies.
func (c *Config) StoreOptions() models.Options {
	return models.Options{
		PasswordCost:    c.PasswordCost,
		SQLiteMmapBytes: c.SQLiteMmapMB << 20,
		SQLiteCacheKiB:  c.SQLiteCacheMB << 10,
		SQLiteWALPages:  c.SQLiteWALPages,
		SearchPhrases:   c.SearchPhrases,
		SearchPhraseTTL: c.SearchPhraseTTL,
		PostPages:       c.postPages(),
		PostPageTTL:     c.PostCacheTTL,
		Policy: models.Policy{
			SignupClosed:        !c.LocalSignup,
			AllowedEmailDomains: c.emailDomains(),
			AdminsCreateSpaces:  c.SpaceCreation == "admins",
			PublicRead:          c.PublicRead,
			InvitationTTL:       c.InvitationTTL,
			ProposalWindow:      c.ProposalWindow,
			QuorumMembers:       c.QuorumMembers,
			QuorumPercent:       c.QuorumPercent,
		},
		Limits: models.Limits{
			MaxPostChars: c.MaxPostChars, MaxTitleChars: c.MaxTitleChars, MaxNameChars: c.MaxNameChars,
			MaxNoteChars: c.MaxNoteChars, MaxReasonChars: c.MaxReasonChars, MinPassword: c.MinPassword,
			PageSize: c.PageSize, MaxPageSize: c.MaxPageSize, ThreadPageSize: c.ThreadPageSize,
			MaxRationaleChars: c.MaxRationaleChars, MaxSearchChars: c.MaxSearchChars, SearchCandidates: c.SearchCandidates,
			SearchPrefixTerms: c.SearchPrefixTerms,
		},
	}
}

// postPages is --post-cache-pages as models.Options counts it: there 0
// means the default and a negative number none.
func (c *Config) postPages() int {
	if c.PostCachePages == 0 || c.PostCacheTTL == 0 {
		return -1
	}
	return c.PostCachePages
}

// emailDomains splits the allowed email domains.
func (c *Config) emailDomains() []string {
	var out []string
	for _, d := range strings.Split(c.AllowedEmailDomains, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// LiveConfig returns the live hub's settings.
func (c *Config) LiveConfig() live.Config {
	return live.Config{
		SendQueue: c.LiveSendQueue, Flushers: c.LiveFlushers, MaxMessageBytes: c.LiveMaxMessageBytes, PingInterval: c.LivePingInterval,
		WriteTimeout: c.LiveWriteTimeout, ReplayLimit: c.LiveReplayLimit, MaxSubscriptions: c.LiveMaxSubscriptions,
		PresenceInterval: c.LivePresenceInterval,
	}
}

// registrar defines flags whose defaults come from KITH_* variables.
type registrar struct {
	fs  *flag.FlagSet
	env Lookup
	c   *Config
}

func (r registrar) lookup(name, env string, parse func(string) error) {
	if v, ok := r.env(env); ok {
		if err := parse(v); err != nil {
			r.c.envErrs = append(r.c.envErrs, fmt.Errorf("%s=%q: %w", env, v, err))
		}
	}
}

func (r registrar) str(p *string, name, env, def, usage string) {
	*p = def
	r.lookup(name, env, func(v string) error { *p = v; return nil })
	r.fs.StringVar(p, name, *p, usage+" ["+env+"]")
}

// secret is a string setting whose value never appears in --help output.
func (r registrar) secret(p *string, name, env, def, usage string) {
	*p = def
	r.lookup(name, env, func(v string) error { *p = v; return nil })
	r.fs.Var(secretValue{p}, name, usage+" ["+env+"]")
}

type secretValue struct{ p *string }

func (v secretValue) String() string { return "" } // never shown
func (v secretValue) Set(s string) error {
	*v.p = s
	return nil
}

func (r registrar) boolean(p *bool, name, env string, def bool, usage string) {
	*p = def
	r.lookup(name, env, func(v string) (err error) { *p, err = strconv.ParseBool(v); return })
	r.fs.BoolVar(p, name, *p, usage+" ["+env+"]")
}

func (r registrar) integer(p *int, name, env string, def int, usage string) {
	*p = def
	r.lookup(name, env, func(v string) (err error) { *p, err = strconv.Atoi(v); return })
	r.fs.IntVar(p, name, *p, usage+" ["+env+"]")
}

func (r registrar) int64(p *int64, name, env string, def int64, usage string) {
	*p = def
	r.lookup(name, env, func(v string) (err error) { *p, err = strconv.ParseInt(v, 10, 64); return })
	r.fs.Int64Var(p, name, *p, usage+" ["+env+"]")
}

func (r registrar) duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	*p = def
	r.lookup(name, env, func(v string) (err error) { *p, err = time.ParseDuration(v); return })
	r.fs.DurationVar(p, name, *p, usage+" ["+env+"]")
}

// isLoopback reports whether host names this machine, where an identity
// provider may be reached over plain http (tests, local development).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
