package models

import (
	"encoding/base64"
	"encoding/json"
)

// Lists page by keyset: a cursor names the last row of the previous page by the
// values the list is ordered by. It is opaque to clients.

// Page asks for one page of a list.
type Page struct {
	Cursor string // from the previous page's next cursor; empty for the first page
	Limit  int    // 0 means the default
}

type cursor struct {
	ID  int64  `json:"i"`
	Key string `json:"k,omitempty"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return cursor{}, invalid("cursor", "That cursor is not one kith gave out.")
	}
	return c, nil
}
