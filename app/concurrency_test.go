package app_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"kith/models"
	"kith/models/storetest"
)

// TestConcurrentRequestsNeverLock drives many people joining, posting,
// editing and reading at once. On SQLite no request may fail with "database
// is locked"; on both databases every acknowledged post must be stored.
func TestConcurrentRequestsNeverLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startServer(t, d, nil)
		ann := ts.member("Ann")
		ann.space("go-guild", "open")
		tid, _ := ann.thread("go-guild", "Busy thread")

		const people, posts = 12, 15
		clients := make([]*client, people)
		for i := range clients {
			clients[i] = ts.member(fmt.Sprintf("Person %02d", i))
		}
		var wg sync.WaitGroup
		errs := make(chan string, people*posts*3)
		for _, c := range clients {
			wg.Add(1)
			go func(c *client) {
				defer wg.Done()
				v := c.do("GET", "/api/v1/spaces/go-guild", nil)
				if v.Status != http.StatusOK {
					errs <- fmt.Sprintf("%s read: %d %s", c.Name, v.Status, v.Body)
					return
				}
				if r := c.do("POST", "/api/v1/spaces/go-guild/join", map[string]any{"affirm_purpose_version": 1}); r.Status != http.StatusOK {
					errs <- fmt.Sprintf("%s join: %d %s", c.Name, r.Status, r.Body)
					return
				}
				for i := 0; i < posts; i++ {
					r := c.do("POST", "/api/v1/threads/"+itoa(tid)+"/posts", map[string]any{"body": fmt.Sprintf("%s says %d", c.Name, i)})
					if r.Status != http.StatusCreated {
						errs <- fmt.Sprintf("%s post: %d %s", c.Name, r.Status, r.Body)
						continue
					}
					if i%5 == 0 {
						id := r.int("post", "id")
						if e := c.do("PATCH", "/api/v1/posts/"+itoa(id), map[string]any{"body": "edited"}); e.Status != http.StatusOK {
							errs <- fmt.Sprintf("%s edit: %d %s", c.Name, e.Status, e.Body)
						}
					}
					if g := c.do("GET", "/api/v1/threads/"+itoa(tid)+"?limit=5", nil); g.Status != http.StatusOK {
						errs <- fmt.Sprintf("%s read thread: %d %s", c.Name, g.Status, g.Body)
					}
				}
			}(c)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		th := ann.do("GET", "/api/v1/threads/"+itoa(tid), nil).want(http.StatusOK)
		if got := th.int("thread", "post_count"); got != 1+people*posts {
			t.Fatalf("post_count = %d, want %d", got, 1+people*posts)
		}
		sp := ann.do("GET", "/api/v1/spaces/go-guild", nil).want(http.StatusOK)
		if got := sp.int("space", "member_count"); got != 1+people {
			t.Fatalf("member_count = %d, want %d", got, 1+people)
		}
	})
}
