// Package app is kith's transport and wiring: configuration, the Echo router,
// middleware (sessions, CSRF, rate limits), handlers and page rendering.
// Handlers parse a request, call one domain operation in models, and render.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"kith/app/live"
	"kith/models"
)

// Server is one kith instance's HTTP side.
type Server struct {
	cfg     Config
	store   *models.Store
	log     *slog.Logger
	echo    *echo.Echo
	views   *renderer
	posts   *postFragments
	headers *headers
	pages   *pageCache
	kept    *readerContent
	hole    string // in kept content, where each reader's CSRF token goes
	hub     *live.Hub
	oauth   *providers
}

// New wires a server around an open, migrated store.
func New(cfg Config, store *models.Store, log *slog.Logger) (*Server, error) {
	views, err := newRenderer()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: store, log: log, views: views}
	if s.posts, err = newPostFragments(views.pages["thread"], cfg.RenderCachePosts); err != nil {
		return nil, err
	}
	if s.headers, err = newHeaders(views.pages["thread"], store.Limits(), cfg.HeaderCacheReaders); err != nil {
		return nil, err
	}
	s.pages = newPageCache(cfg.PageCachePages, cfg.PageCacheTTL)
	s.kept = newReaderContent(cfg.ReaderCachePages, cfg.PageCacheTTL)
	if s.hole, err = newHole(); err != nil {
		return nil, err
	}
	if s.oauth, err = newProviders(&s.cfg); err != nil {
		return nil, err
	}
	s.hub = live.NewHub(cfg.LiveConfig(), store, log)
	go s.hub.Run(context.Background()) // stopped by Close, or by Serve once requests have drained
	store.SetPublisher(s.hub.Publish)
	s.echo = s.routes()
	return s, nil
}

// Close closes the live sockets with a going-away close frame. Serve calls
// it on shutdown; a server used only as an http.Handler may call it when done.
func (s *Server) Close() { s.hub.Close() }

// apiLive upgrades to the live-update websocket (DESIGN.md section 4). It
// is authenticated like the API; a socket of a cookie session must come
// from the instance's own pages.
func (s *Server) apiLive(c echo.Context) error {
	r := c.Request()
	if !websocket.IsWebSocketUpgrade(r) {
		return models.Errorf(models.CodeInvalid, "This endpoint speaks websocket: send an upgrade request.")
	}
	a := actor(c)
	if !a.SignedIn() && !s.cfg.PublicRead {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	if session(c) != nil && !live.SameOrigin(r, s.cfg.BaseURL) {
		return errCrossOrigin
	}
	s.hub.Serve(c.Response(), r, a)
	return nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Run opens the database, migrates it and serves on cfg.Addr until ctx ends.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	// A page or a reply allocates a few hundred KB that is garbage once
	// sent, while what stays live is small: with Go's default (100) the
	// collector ran so often that it took a sixth of a signed-in page's CPU.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(cfg.GCPercent)
	}
	store, err := OpenStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := New(cfg, store, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
}

// OpenStore opens and migrates the configured database, and checks that the
// schema has everything the models need. The store's background work
// reports its failures to log.
func OpenStore(ctx context.Context, cfg Config, log *slog.Logger) (*models.Store, error) {
	opts := cfg.StoreOptions()
	opts.Log = log
	store, err := models.Open(ctx, cfg.DatabaseURL, opts)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	if err := store.CheckSchema(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	return store, nil
}

// Serve answers requests on ln until ctx ends, then stops taking new
// connections and lets requests in flight finish (up to the shutdown timeout).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	stopDebug, err := startDebug(ctx, s.cfg.DebugAddr, s.log)
	if err != nil {
		return err
	}
	defer stopDebug()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	defer s.hub.Close()
	stopSweep := repeat(ctx, s.cfg.ProposalSweep, s.sweepProposals)
	defer stopSweep()
	stopPrune := repeat(ctx, s.cfg.EventsPruneInterval, s.pruneEvents)
	defer stopPrune()
	if s.store.Dialect() == models.Postgres {
		// Instances on one PostgreSQL learn of each other's events by NOTIFY.
		stopListen := live.StartListener(ctx, s.cfg.DatabaseURL, s.store, s.hub, s.log)
		defer stopListen()
	}
	s.log.Info("kith serving", "addr", ln.Addr().String(), "base_url", s.cfg.BaseURL, "database", string(s.store.Dialect()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining requests", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		s.hub.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	// Requests have drained; websockets (hijacked, so not among them) get a
	// going-away close frame.
	s.hub.Close()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// Routes lists every route the server registers, for tests that walk them all.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }
