package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// result is one scenario's figures.
type result struct {
	name     string
	requests int
	errors   int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	rssMB    float64
	bytes    int64 // body bytes of the last response
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) pct(q float64) time.Duration { return quantile(r.lat, q) }

// quantile is the q-quantile of sorted latencies (nearest rank below); 0
// when there are none.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1))]
}

// request builds one request of a scenario; i counts the requests a worker
// has made, so a scenario can vary them.
type request func(i int) (*http.Request, error)

// load runs a closed loop: conns workers, each sending its next request when
// the last one is answered, for d. A response with an unexpected status or
// a failed request counts as an error.
func load(ctx context.Context, client *http.Client, name string, conns int, d time.Duration, want int, next request) result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	res := result{name: name}
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		wg.Go(func() {
			var lat []time.Duration
			errs := 0
			var size int64
			for i := w; ctx.Err() == nil; i += conns {
				req, err := next(i)
				if err != nil {
					errs++
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req.WithContext(context.WithoutCancel(ctx)))
				if err != nil {
					errs++
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != want {
					errs++
				}
				size = n
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			res.bytes = max(res.bytes, size)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(res.lat)
	slices.Sort(res.lat)
	return res
}

func get(url string, header http.Header) request {
	return func(int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		return req, nil
	}
}

func newClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	t.MaxConnsPerHost = conns
	t.DisableCompression = true
	return &http.Client{Transport: t, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
