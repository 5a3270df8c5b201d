package models

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"gorm.io/gorm"
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

// pageByID reads one page of q, keyed by the integer column col: ascending,
// or newest first when desc, after the row that c names (none for the first
// page). key reads that column back from a row, for the next cursor.
func pageByID[T any](q *gorm.DB, c cursor, limit int, col string, desc bool, key func(*T) int64) ([]T, string, error) {
	op, order := ">", col
	if desc {
		op, order = "<", col+" DESC"
	}
	if c.ID != 0 {
		q = q.Where(col+" "+op+" ?", c.ID)
	}
	var out []T
	if err := q.Order(order).Limit(limit + 1).Scan(&out).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(cursor{ID: key(&out[limit-1])})
	}
	return out, next, nil
}

// byName is q ordered by name, ignoring case, then by id, from after the row
// that c names, for one page and one row more (spaces are indexed in this
// order: migration 00010).
func byName(q *gorm.DB, c cursor, limit int, nameCol, idCol string) *gorm.DB {
	lower := "lower(" + nameCol + ")"
	if c.ID != 0 {
		q = q.Where("("+lower+" > ? OR ("+lower+" = ? AND "+idCol+" > ?))", c.Key, c.Key, c.ID)
	}
	return q.Order(lower + ", " + idCol).Limit(limit + 1)
}

// pageByName reads one page of q ordered by name, ignoring case, then by id,
// after the row that c names. key reads a row's name and id back.
func pageByName[T any](q *gorm.DB, c cursor, limit int, nameCol, idCol string, key func(*T) (string, int64)) ([]T, string, error) {
	var out []T
	if err := byName(q, c, limit, nameCol, idCol).Scan(&out).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		name, id := key(&out[limit-1])
		next = encodeCursor(cursor{ID: id, Key: strings.ToLower(name)})
	}
	return out, next, nil
}
