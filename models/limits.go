package models

// Limits bound what people may write. Each has a default; the app exposes them
// as configuration.
type Limits struct {
	MaxPostChars      int // markdown source of one post
	MaxTitleChars     int // thread titles
	MaxNameChars      int // member and space names
	MaxNoteChars      int // notes on join requests
	MaxReasonChars    int // the written reason of a removal for conduct
	MaxRationaleChars int // the rationale of a purpose proposal
	MinPassword       int // bytes
	PageSize          int // items per page when the caller does not say
	MaxPageSize       int // the largest page a caller may ask for
	ThreadPageSize    int // posts on one page of a thread
	MaxSearchChars    int // the longest search, in characters
	SearchCandidates  int // the newest matches of each kind a search ranks
	SearchPrefixTerms int // the most words of the posts index a prefix is searched as (SQLite; see search_prefix.go)
}

// Purpose statements are bounded by the design itself, not by configuration.
const (
	MinPurposeChars = 20
	MaxPurposeChars = 2000
	maxPasswordLen  = 72 // bcrypt reads no further
	maxEmailLen     = 254
	minSlugLen      = 2
	maxSlugLen      = 40
)

// DefaultLimits are the limits when configuration says nothing.
var DefaultLimits = Limits{
	MaxPostChars:      20000,
	MaxTitleChars:     200,
	MaxNameChars:      80,
	MaxNoteChars:      500,
	MaxReasonChars:    1000,
	MaxRationaleChars: 2000,
	MinPassword:       10,
	PageSize:          30,
	MaxPageSize:       100,
	ThreadPageSize:    50,
	MaxSearchChars:    256,
	SearchCandidates:  500,
	SearchPrefixTerms: 50,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxPostChars, d.MaxPostChars)
	set(&l.MaxTitleChars, d.MaxTitleChars)
	set(&l.MaxNameChars, d.MaxNameChars)
	set(&l.MaxNoteChars, d.MaxNoteChars)
	set(&l.MaxReasonChars, d.MaxReasonChars)
	set(&l.MaxRationaleChars, d.MaxRationaleChars)
	set(&l.MinPassword, d.MinPassword)
	set(&l.PageSize, d.PageSize)
	set(&l.MaxPageSize, d.MaxPageSize)
	set(&l.ThreadPageSize, d.ThreadPageSize)
	set(&l.MaxSearchChars, d.MaxSearchChars)
	set(&l.SearchCandidates, d.SearchCandidates)
	set(&l.SearchPrefixTerms, d.SearchPrefixTerms)
	return l
}

// pageSize clamps a caller's requested page size.
func (l Limits) pageSize(asked int) int {
	switch {
	case asked <= 0:
		return l.PageSize
	case asked > l.MaxPageSize:
		return l.MaxPageSize
	}
	return asked
}
