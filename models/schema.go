package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"gorm.io/gorm/schema"
)

// entities are every type that GORM maps to a table. The schema itself comes
// from the migrations; CheckSchema proves the two agree.
var entities = []any{
	&Member{}, &Session{}, &APIToken{}, &Space{}, &PurposeVersion{}, &Membership{},
	&JoinRequest{}, &Thread{}, &Post{}, &PostRevision{}, &Interaction{}, &AuditEntry{},
	&Notification{}, &Removal{}, &Invitation{}, &StewardOffer{}, &PurposeProposal{}, &ProposalResponse{}, &Event{},
	&Identity{},
}

// CheckSchema compares the migrated database with the models and reports
// every table or column a model needs that the database lacks. kith refuses
// to serve on such a database instead of failing on the first query.
func (s *Store) CheckSchema(ctx context.Context) error {
	db := s.db(ctx)
	cache := &sync.Map{}
	var missing []string
	for _, e := range entities {
		sch, err := schema.Parse(e, cache, db.NamingStrategy)
		if err != nil {
			return err
		}
		cols, err := db.Migrator().ColumnTypes(sch.Table)
		if err != nil {
			return fmt.Errorf("read columns of %s: %w", sch.Table, err)
		}
		have := map[string]bool{}
		for _, c := range cols {
			have[c.Name()] = true
		}
		if len(have) == 0 {
			missing = append(missing, sch.Table+" (table)")
			continue
		}
		for _, f := range sch.Fields {
			if f.DBName != "" && !have[f.DBName] {
				missing = append(missing, sch.Table+"."+f.DBName)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("the %s schema lacks what the models need: %s", s.dialect, strings.Join(missing, ", "))
	}
	return nil
}
