// Package migrations holds kith's versioned SQL schema, one folder per database.
// The two folders keep the same version numbers; each version says the same thing
// in its database's dialect.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
