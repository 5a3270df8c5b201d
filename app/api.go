package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"

	"github.com/labstack/echo/v4"

	"kith/models"
)

// decodeJSON reads a JSON request body into v. A body that is not JSON, or a
// field of the wrong type, is a 400; one over the size limit is a 413.
func decodeJSON(c echo.Context, v any) error {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON {
			return models.Errorf("bad_request", "Send the body as application/json.")
		}
	}
	// Read the whole body first: the body limit's reader reports an
	// oversize chunked body only on the read that crosses the limit, which a
	// decoder already holding a complete value would never see.
	body, err := io.ReadAll(r.Body)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	if err != nil {
		return models.Errorf("bad_request", "The request body could not be read.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err = dec.Decode(v)
	if err == nil && !errors.Is(dec.Decode(&json.RawMessage{}), io.EOF) {
		err = errors.New("trailing data") // dec.More() misses a stray '}' or ']'
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return models.Errorf("bad_request", "The request needs a JSON body.")
	case errors.As(err, &te) && te.Field == "":
		return models.Errorf("bad_request", "The body must be a JSON object.")
	case errors.As(err, &te):
		return &models.Error{Code: "bad_request", Field: te.Field, Message: fmt.Sprintf("%s must be a %s.", te.Field, jsonKind(te.Type.Kind().String()))}
	}
	return models.Errorf("bad_request", "The body is not valid JSON.")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "ptr", "struct", "map":
		return "object"
	case "slice":
		return "list"
	}
	return "number"
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out entirely.
func decodeOptionalJSON(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return decodeJSON(c, v)
}

// idParam reads an integer id from the path; anything else names nothing.
func idParam(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.CodeNotFound, "No %s with id %q.", name, c.Param(name))
	}
	return id, nil
}

// pageParams reads ?cursor= and ?limit=.
func pageParams(c echo.Context) (models.Page, error) {
	p := models.Page{Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return p, &models.Error{Code: models.CodeInvalid, Field: "limit", Message: "limit must be a positive number."}
		}
		p.Limit = n
	}
	return p, nil
}
