package app

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type searchPage struct {
	Query    string
	Space    string
	Sort     string
	Spaces   []models.SpaceView // for the space select: the spaces the person may see
	Results  []searchResultView
	Next     string // the link to the next page of results
	Error    *models.Error
	Searched bool
}

type searchResultView struct {
	models.SearchResult
	Path    string
	Snippet template.HTML
}

// searchPage shows the search form and, given ?q=, one page of results. A
// search that cannot run shows its message on the page, with the status the
// API would give.
func (s *Server) searchPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actor(c)
	r, err := searchRequest(c)
	if err != nil {
		return err
	}
	page := searchPage{Query: r.Query, Space: r.Space, Sort: r.Sort}
	if a.SignedIn() {
		if page.Spaces, _, err = s.store.ListSpaces(ctx, a, models.SpaceFilter{Page: models.Page{Limit: s.store.Limits().MaxPageSize}}); err != nil {
			return err
		}
	}
	if _, asked := c.QueryParams()["q"]; !asked {
		return s.render(c, http.StatusOK, "search", "Search", page)
	}
	page.Searched = true
	found, next, err := s.store.Search(ctx, a, r)
	if err != nil {
		status, de := classify(err)
		if status != http.StatusUnprocessableEntity {
			return err
		}
		page.Error = de
		return s.render(c, status, "search", "Search", page)
	}
	for i := range found {
		page.Results = append(page.Results, searchResultView{
			SearchResult: found[i], Path: resultPath(&found[i]),
			Snippet: template.HTML(found[i].Snippet), //nolint:gosec // escaped by models.Search; only <mark> is markup
		})
	}
	if next != "" {
		q := url.Values{"q": {r.Query}, "cursor": {next}}
		if r.Space != "" {
			q.Set("space", r.Space)
		}
		if r.Sort != "" {
			q.Set("sort", r.Sort)
		}
		if l := c.QueryParam("limit"); l != "" {
			q.Set("limit", l)
		}
		page.Next = "/search?" + q.Encode()
	}
	title := "Search"
	if r.Query != "" {
		title = r.Query + " · Search"
	}
	return s.render(c, http.StatusOK, "search", title, page)
}
