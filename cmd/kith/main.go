// Command kith runs a kith forum and its chores: serve, migrate, admin create,
// backup, seed and version. It parses flags and calls into app; all work is there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"kith/app"
	"kith/models"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `kith: a forum for communities people choose to join

Usage:
  kith serve [flags]                      run migrations, then serve
  kith migrate [flags]                    apply database migrations
  kith admin create --email E --name N --password P [flags]
                                          create an admin account
  kith backup --out FILE [flags]          copy the SQLite database while kith serves
  kith seed --members N --spaces N --threads N --posts N [flags]
                                          fill a database with realistic data
  kith version                            print the version

Run "kith serve --help" for every setting; each has a KITH_* environment variable.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		stop()
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "kith:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		cfg, _, err := parse("serve", args, stderr, nil)
		if err != nil {
			return err
		}
		return app.Run(ctx, cfg, newLogger(cfg, stderr))
	case "migrate":
		cfg, _, err := parse("migrate", args, stderr, nil)
		if err != nil {
			return err
		}
		store, err := app.OpenStore(ctx, cfg, newLogger(cfg, stderr))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrated", redactURL(cfg.DatabaseURL))
		return store.Close()
	case "admin":
		if len(args) == 0 || args[0] != "create" {
			return errors.New(`usage: kith admin create --email E --name N --password P`)
		}
		return adminCreate(ctx, args[1:], stdout, stderr)
	case "backup":
		return backup(ctx, args, stdout, stderr)
	case "seed":
		return seedCmd(ctx, args, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "kith", buildVersion())
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// parse reads the configuration for a command from flags and the environment.
// extra registers the command's own flags.
func parse(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (app.Config, *flag.FlagSet, error) {
	var cfg app.Config
	fs := flag.NewFlagSet("kith "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.RegisterFlags(fs, os.LookupEnv)
	if extra != nil {
		extra(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kith %s [flags]\n\nFlags (each also read from the environment variable in brackets):\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	if fs.NArg() > 0 {
		return cfg, fs, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return cfg, fs, cfg.Validate()
}

func adminCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var in models.NewAccount
	cfg, _, err := parse("admin create", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Email, "email", "", "the admin's email")
		fs.StringVar(&in.Name, "name", "", "the admin's name")
		fs.StringVar(&in.Password, "password", os.Getenv("KITH_ADMIN_PASSWORD"), "the admin's password [KITH_ADMIN_PASSWORD]")
	})
	if err != nil {
		return err
	}
	store, err := app.OpenStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	m, err := store.CreateAdmin(ctx, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created admin %s <%s> (id %d)\n", m.Name, m.Email, m.ID)
	return nil
}

func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var out string
	cfg, _, err := parse("backup", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "file to write the copy to (must not exist)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return errors.New("backup needs --out FILE")
	}
	store, err := models.Open(ctx, cfg.DatabaseURL, cfg.StoreOptions())
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, out); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "backed up to", out)
	return nil
}

func newLogger(cfg app.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildVersion() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		v += " " + info.GoVersion
	}
	return v
}
