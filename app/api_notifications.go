package app

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kith/models"
)

type notificationJSON struct {
	ID        int64           `json:"id"`
	Kind      string          `json:"kind"`
	Read      bool            `json:"read"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

func notificationOut(n *models.Notification) notificationJSON {
	return notificationJSON{ID: n.ID, Kind: n.Kind, Read: n.ReadAt != nil, CreatedAt: n.CreatedAt, Data: json.RawMessage(n.Data)}
}

// apiNotifications lists the caller's notifications, newest first, with the
// unread count.
func (s *Server) apiNotifications(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actor(c)
	list, next, err := s.store.Notifications(ctx, a, p)
	if err != nil {
		return err
	}
	unread, err := s.store.UnreadCount(ctx, a)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, len(list))
	for i := range list {
		out[i] = notificationOut(&list[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"notifications": out, "next_cursor": next, "unread": unread})
}

// apiReadNotifications marks the given notifications read, or all of them.
func (s *Server) apiReadNotifications(c echo.Context) error {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if err := decodeOptionalJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actor(c)
	if err := s.store.MarkNotificationsRead(ctx, a, in.IDs); err != nil {
		return err
	}
	unread, err := s.store.UnreadCount(ctx, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"unread": unread})
}
