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
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// Server is one kith instance's HTTP side.
type Server struct {
	cfg   Config
	store *models.Store
	log   *slog.Logger
	echo  *echo.Echo
	views *renderer
}

// New wires a server around an open, migrated store.
func New(cfg Config, store *models.Store, log *slog.Logger) (*Server, error) {
	views, err := newRenderer()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: store, log: log, views: views}
	s.echo = s.routes()
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Run opens the database, migrates it and serves on cfg.Addr until ctx ends.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	store, err := OpenStore(ctx, cfg)
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
// schema has everything the models need.
func OpenStore(ctx context.Context, cfg Config) (*models.Store, error) {
	store, err := models.Open(ctx, cfg.DatabaseURL, cfg.StoreOptions())
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
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	stopSweep := s.startProposalSweep(ctx)
	defer stopSweep()
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
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// Routes lists every route the server registers, for tests that walk them all.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }
