package app

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// searchResultJSON is one result of GET /search: a thread, post or space, with
// a snippet that is HTML (escaped text, matches in <mark>).
type searchResultJSON struct {
	Type      string       `json:"type"`
	ID        int64        `json:"id"`
	ThreadID  int64        `json:"thread_id,omitempty"`
	Title     string       `json:"title"`
	Question  bool         `json:"question,omitempty"`
	Space     spaceRefJSON `json:"space"`
	Author    *authorJSON  `json:"author"`
	CreatedAt time.Time    `json:"created_at"`
	Snippet   string       `json:"snippet"`
	URL       string       `json:"url"`
}

func searchResultOut(r *models.SearchResult) searchResultJSON {
	return searchResultJSON{
		Type: r.Type, ID: r.ID, ThreadID: r.ThreadID, Title: r.Title, Question: r.Question,
		Space: spaceRefJSON{Slug: r.SpaceSlug, Name: r.SpaceName}, Author: authorOut(r.AuthorID, r.AuthorName),
		CreatedAt: r.CreatedAt, Snippet: r.Snippet, URL: resultPath(r),
	}
}

// resultPath is where a result is read: the thread, the post in its thread,
// or the space.
func resultPath(r *models.SearchResult) string {
	switch r.Type {
	case models.ResultThread:
		return "/t/" + strconv.FormatInt(r.ID, 10)
	case models.ResultPost:
		page := ""
		if r.ThreadCursor != "" { // past the thread's first page: the page that begins with it
			page = "?cursor=" + url.QueryEscape(r.ThreadCursor)
		}
		return "/t/" + strconv.FormatInt(r.ThreadID, 10) + page + "#p" + strconv.FormatInt(r.ID, 10)
	}
	return "/s/" + r.SpaceSlug
}

// searchRequest reads ?q=, ?space=, ?sort=, ?cursor= and ?limit=.
func searchRequest(c echo.Context) (models.SearchRequest, error) {
	p, err := pageParams(c)
	return models.SearchRequest{Query: c.QueryParam("q"), Space: c.QueryParam("space"), Sort: c.QueryParam("sort"), Page: p}, err
}

// apiSearch finds threads, posts and spaces among what the caller may read.
func (s *Server) apiSearch(c echo.Context) error {
	r, err := searchRequest(c)
	if err != nil {
		return err
	}
	found, next, err := s.store.Search(c.Request().Context(), actor(c), r)
	if err != nil {
		return err
	}
	out := make([]searchResultJSON, len(found))
	for i := range found {
		out[i] = searchResultOut(&found[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"results": out, "next_cursor": next})
}
