package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// notice is a notification as the inbox shows it: one sentence, an optional
// quoted message (a steward's note or a removal's reason), and where it leads.
type notice struct {
	ID        int64
	Text      string
	Quote     string
	Link      string
	Read      bool
	CreatedAt time.Time
}

type noticeData struct {
	Space struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	} `json:"space"`
	From struct {
		Name string `json:"name"`
	} `json:"from"`
	Inviter  string `json:"inviter"`
	Message  string `json:"message"`
	Reason   string `json:"reason"`
	Outcome  string `json:"outcome"`
	Title    string `json:"title"`
	ThreadID int64  `json:"thread_id"`
	PostID   int64  `json:"post_id"`
	Link     string `json:"link"`
}

// describe turns a stored notification into the inbox's words.
func describe(n *models.Notification) notice {
	var d noticeData
	_ = json.Unmarshal([]byte(n.Data), &d) // data is ours; a field we cannot read just stays empty
	space := "/s/" + d.Space.Slug
	out := notice{ID: n.ID, Read: n.ReadAt != nil, CreatedAt: n.CreatedAt, Link: space}
	switch n.Kind {
	case models.NoticeInvitation:
		out.Text, out.Link = fmt.Sprintf("%s invited you to join %s.", orSomeone(d.Inviter), d.Space.Name), "/invitations"
	case models.NoticeRequestApproved:
		out.Text, out.Quote = fmt.Sprintf("Your request to join %s was approved. Welcome!", d.Space.Name), d.Message
	case models.NoticeRequestDenied:
		out.Text, out.Quote = fmt.Sprintf("Your request to join %s was declined.", d.Space.Name), d.Message
	case models.NoticeStewardOffer:
		out.Text = fmt.Sprintf("You were offered the steward duty of %s. It is yours only if you accept.", d.Space.Name)
	case models.NoticeRemoved:
		out.Text, out.Quote = fmt.Sprintf("You were removed from %s.", d.Space.Name), d.Reason
	case models.NoticeRemovalLifted:
		out.Text = fmt.Sprintf("Your removal from %s was lifted; you may join again if you wish.", d.Space.Name)
	case models.NoticeProposalOpened:
		out.Text, out.Link = fmt.Sprintf("A new purpose was proposed for %s. Consent or object before it closes.", d.Space.Name), space+"/purpose"
	case models.NoticeProposalDecided:
		out.Text, out.Link = fmt.Sprintf("The purpose proposal in %s was %s.", d.Space.Name, orWord(d.Outcome, "decided")), space+"/purpose"
	case models.NoticeReply:
		out.Text, out.Link = fmt.Sprintf("%s replied to you in “%s”.", orSomeone(d.From.Name), d.Title), fmt.Sprintf("/t/%d#p%d", d.ThreadID, d.PostID)
	default:
		out.Text = fmt.Sprintf("%s (%s)", n.Kind, d.Space.Name)
	}
	if d.Link != "" {
		out.Link = safeNext(d.Link)
	}
	return out
}

func orSomeone(name string) string { return orWord(name, "Someone") }

func orWord(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

type notificationsPage struct {
	Notices []notice
	Next    string
}

func (s *Server) notificationsPage(c echo.Context) error {
	list, next, err := s.store.Notifications(c.Request().Context(), actor(c), models.Page{Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	page := notificationsPage{Next: next, Notices: make([]notice, len(list))}
	for i := range list {
		page.Notices[i] = describe(&list[i])
	}
	return s.render(c, http.StatusOK, "notifications", "Notifications", page)
}

// readAllSubmit marks every notification read.
func (s *Server) readAllSubmit(c echo.Context) error {
	if err := s.store.MarkNotificationsRead(c.Request().Context(), actor(c), nil); err != nil {
		return err
	}
	return redirect(c, "/notifications")
}

// openNoticeSubmit marks one notification read and goes where it leads.
func (s *Server) openNoticeSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actor(c)
	n, err := s.store.NotificationByID(ctx, a, id)
	if err != nil {
		return err
	}
	if err := s.store.MarkNotificationsRead(ctx, a, []int64{id}); err != nil {
		return err
	}
	return redirect(c, describe(n).Link)
}
