package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// joinBox is the membership panel of a space page: join (showing what is
// affirmed), ask, or leave.
type joinBox struct {
	Space    *models.SpaceView
	CSRF     string
	SignedIn bool
	Error    *models.Error
}

type spacePage struct {
	LiveSeq int64 // the space topic's latest event when the list was read
	Space   *models.SpaceView
	Join    joinBox
	Threads []models.ThreadSummary
	Next    string
}

// spacePage puts the purpose first, then membership, then threads.
func (s *Server) spacePage(c echo.Context) error {
	return s.showSpace(c, http.StatusOK, nil)
}

func (s *Server) showSpace(c echo.Context, status int, joinErr *models.Error) error {
	ctx := c.Request().Context()
	a := actor(c)
	sp, err := s.store.SpaceBySlug(ctx, a, c.Param("slug"))
	if err != nil {
		return err
	}
	page := spacePage{Space: sp, Join: joinBox{Space: sp, CSRF: csrfToken(c), SignedIn: a.SignedIn(), Error: joinErr}}
	if sp.CanRead {
		// The live seq is read before the list, so live.js asks for every
		// event after it; any it already shows are skipped by id.
		if page.LiveSeq, err = s.store.LatestSeq(ctx, models.SpaceTopic(sp.Slug)); err != nil {
			return err
		}
		if page.Threads, page.Next, err = s.store.ListThreads(ctx, a, sp.Slug, models.Page{Cursor: c.QueryParam("cursor")}); err != nil {
			return err
		}
	}
	return s.render(c, status, "space", sp.Name, page)
}

// joinSubmit joins only when the person ticked the affirmation, which sends
// the purpose version they were shown.
func (s *Server) joinSubmit(c echo.Context) error {
	version := 0
	if c.FormValue("affirm") == "yes" {
		version, _ = strconv.Atoi(c.FormValue("affirm_purpose_version"))
	}
	_, err := s.store.JoinSpace(c.Request().Context(), actor(c), c.Param("slug"), version, c.FormValue("note"))
	if err != nil {
		status, de := classify(err)
		if status == http.StatusUnprocessableEntity || status == http.StatusConflict {
			return s.showSpace(c, status, de)
		}
		return err
	}
	return redirect(c, "/s/"+c.Param("slug"))
}

func (s *Server) leaveSubmit(c echo.Context) error {
	if _, err := s.store.LeaveSpace(c.Request().Context(), actor(c), c.Param("slug")); err != nil {
		return err
	}
	if next := c.FormValue("next"); next != "" {
		return redirect(c, safeNext(next))
	}
	return redirect(c, "/s/"+c.Param("slug"))
}

type membersPage struct {
	Space   *models.SpaceView
	Members []models.MemberListing
	Order   string
	Next    string
}

func (s *Server) membersPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actor(c)
	sp, err := s.store.SpaceBySlug(ctx, a, c.Param("slug"))
	if err != nil {
		return err
	}
	page := membersPage{Space: sp, Order: c.QueryParam("order")}
	if page.Order != models.OrderByJoined {
		page.Order = models.OrderByName
	}
	page.Members, page.Next, err = s.store.SpaceMembers(ctx, a, sp.Slug, page.Order, models.Page{Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "members", "Members of "+sp.Name, page)
}

type spaceForm struct {
	In    models.NewSpace
	Error *models.Error
}

func (s *Server) newSpacePage(c echo.Context) error {
	if !actor(c).SignedIn() {
		return models.Errorf(models.CodeUnauthorized, "Sign in first.")
	}
	return s.render(c, http.StatusOK, "space_new", "Start a space", spaceForm{})
}

func (s *Server) createSpaceSubmit(c echo.Context) error {
	form := spaceForm{In: models.NewSpace{
		Slug: c.FormValue("slug"), Name: c.FormValue("name"), Purpose: c.FormValue("purpose"),
		Visibility: models.Visibility(c.FormValue("visibility")),
	}}
	sp, err := s.store.CreateSpace(c.Request().Context(), actor(c), form.In)
	if err != nil {
		return s.formError(c, err, "space_new", "Start a space", &form, &form.Error)
	}
	return redirect(c, "/s/"+sp.Slug)
}

type threadForm struct {
	Space *models.SpaceView
	In    models.NewThread
	Error *models.Error
}

func (s *Server) newThreadPage(c echo.Context) error {
	sp, err := s.store.SpaceBySlug(c.Request().Context(), actor(c), c.Param("slug"))
	if err != nil {
		return err
	}
	if !sp.CanPost {
		if !actor(c).SignedIn() {
			return models.Errorf(models.CodeUnauthorized, "Sign in first.")
		}
		return models.Errorf(models.CodeNotMember, "Join %s to start a thread in it.", sp.Name)
	}
	return s.render(c, http.StatusOK, "thread_new", "New thread", threadForm{Space: sp})
}

func (s *Server) createThreadSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := actor(c)
	in := models.NewThread{Title: c.FormValue("title"), Body: c.FormValue("body"), Kind: c.FormValue("kind")}
	t, _, err := s.store.CreateThread(ctx, a, c.Param("slug"), in)
	if err != nil {
		sp, spErr := s.store.SpaceBySlug(ctx, a, c.Param("slug"))
		if spErr != nil {
			return err // the refusal of the act, not of the re-read (signed out: 401, not 404)
		}
		form := threadForm{Space: sp, In: in}
		return s.formError(c, err, "thread_new", "New thread", &form, &form.Error)
	}
	return redirect(c, "/t/"+strconv.FormatInt(t.ID, 10))
}
