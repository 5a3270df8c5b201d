package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type homePage struct {
	Mine         []models.SpaceView
	Discover     []models.SpaceView
	DiscoverNext string
	Recent       []models.ThreadSummary
}

// homePage shows the actor's spaces, spaces to discover and recent activity.
func (s *Server) homePage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actor(c)
	var page homePage
	var err error
	discover := models.SpaceFilter{Page: models.Page{Cursor: c.QueryParam("cursor")}}
	if a.SignedIn() {
		page.Mine, _, err = s.store.ListSpaces(ctx, a, models.SpaceFilter{Membership: "mine", Page: models.Page{Limit: 100}})
		if err != nil {
			return err
		}
		discover.Membership = "others"
	}
	if page.Discover, page.DiscoverNext, err = s.store.ListSpaces(ctx, a, discover); err != nil {
		return err
	}
	if page.Recent, _, err = s.store.RecentThreads(ctx, a, models.Page{Limit: 15}); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "home", "", page)
}
