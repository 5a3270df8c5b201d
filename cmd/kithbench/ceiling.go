package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
)

// ceiling serves, in a process of its own, a plain net/http handler that
// answers every request with a body of the given size: what this machine
// can do over loopback with Go's HTTP server and nothing behind it. It
// prints its address on stdout.
func ceiling(args []string) error {
	fs := flag.NewFlagSet("kithbench ceiling", flag.ContinueOnError)
	size := fs.Int("size", 20000, "body size in bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body := bytes.Repeat([]byte("x"), *size)
	return serveHelper(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
}

// serveHelper serves h on a free loopback port, whose address it prints on
// stdout for startHelper.
func serveHelper(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stdout, ln.Addr().String())
	return http.Serve(ln, h) //nolint:gosec // a loopback benchmark target, stopped by its parent
}
