package models_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"kith/migrations"
	"kith/models"
	. "kith/models/storetest"
)

// A prefix searched as the words of the posts index that it covers
// (search_prefix.go) finds exactly what FTS5's own prefix finds: for posts
// that the migration found already written, and for posts written, edited,
// hidden and shown after it; never a post of a space the searcher may not
// read; with the matches marked.
func TestSearchPrefixWordsFindWhatThePrefixFinds(t *testing.T) {
	url := URL(t, models.SQLite)
	s := OpenURL(t, url, Options())
	ctx := context.Background()
	ann := MustCreateMember(t, s, "Ann")
	bob := MustCreateMember(t, s, "Bob")
	MustCreateSpace(t, s, ann, "ops", models.VisibilityOpen)
	MustCreateSpace(t, s, ann, "secret", models.VisibilityInvite)
	th, _ := MustCreateThread(t, s, ann, "ops", "Release notes")
	hidden, _ := MustCreateThread(t, s, ann, "secret", "Between us")
	for _, body := range []string{
		"Deployed the fix; deploying again after the deployment review.",
		"We AGREED on a café crème in Zürich, and agreeing took long.",
		"error budgets, an error budget and errors over budget",
		"Running runners: the runner ran.",
	} {
		MustReply(t, s, ann, th.ID, body)
	}
	MustReply(t, s, ann, hidden.ID, "deployed in secret, agreed in secret, an error budget in secret")

	// Posts written before the vocabulary came: the migration fills it.
	sub, err := fs.Sub(migrations.FS, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, MustRawSQL(t, url), sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}

	queries := []string{"deploy*", "Deploy*", "deployment*", "dep*", "agr*", "AGREE*", "caf*", "CAFÉ*", "zur*", "Zü*",
		`"error budg"*`, "budg* error", "err* budget*", "run*", "running*", "nothingatall*"}
	compare := func(when string) {
		t.Helper()
		for _, q := range queries {
			for _, a := range []models.Actor{ann, bob} {
				for _, sort := range []string{models.SortNew, models.SortRelevance} {
					r := models.SearchRequest{Query: q, Sort: sort, Page: models.Page{Limit: 100}}
					s.SetSearchPrefixTermsForTest(models.DefaultLimits.SearchPrefixTerms)
					words, _, err := s.Search(ctx, a, r)
					if err != nil {
						t.Fatalf("%s: %q: %v", when, q, err)
					}
					s.SetSearchPrefixTermsForTest(0)
					native, _, err := s.Search(ctx, a, r)
					s.SetSearchPrefixTermsForTest(models.DefaultLimits.SearchPrefixTerms)
					if err != nil {
						t.Fatalf("%s: %q natively: %v", when, q, err)
					}
					got, want := postIDs(words), postIDs(native)
					if sort == models.SortRelevance {
						slices.Sort(got)
						slices.Sort(want)
					}
					if strings.Join(got, " ") != strings.Join(want, " ") {
						t.Errorf("%s: %s searches %q by %s: as words %v, natively %v", when, a.Name, q, sort, got, want)
					}
					for _, r := range words {
						if r.SpaceSlug == "secret" && a.ID == bob.ID {
							t.Errorf("%s: Bob found %q in the secret space", when, q)
						}
						if r.Type == models.ResultPost && !strings.Contains(r.Snippet, "<mark>") {
							t.Errorf("%s: %q: post %d's snippet %q has no match marked", when, q, r.ID, r.Snippet)
						}
					}
				}
			}
		}
	}
	s.SetSearchPrefixTermsForTest(models.DefaultLimits.SearchPrefixTerms)
	for q, want := range map[string]string{
		"deploy*":       `"Deployed"`,               // the first word read for the token deploi; deployment's is deploy
		`"error budg"*`: `"error budgets"`,          // budgets and budget are one token, budget
		"budg* err*":    `"budgets" AND "error"`,    // errors is error too
		"run*":          `("Running" OR "runners")`, // the tokens run and runner; ran is not one
		"nothingatall*": `"nothingatall"*`,          // no word: FTS5's own prefix
	} {
		got, err := s.PostFTSForTest(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%q is asked of the posts index as %s, want %s", q, got, want)
		}
	}
	compare("after the migration")
	for _, c := range []struct {
		a    models.Actor
		q    string
		want int
	}{{ann, "deploy*", 2}, {bob, "deploy*", 1}, {ann, "agr*", 2}, {bob, `"error budg"*`, 1}, {ann, "zü*", 1}} {
		res, _, err := s.Search(ctx, c.a, models.SearchRequest{Query: c.q})
		if err != nil || len(postIDs(res)) != c.want {
			t.Errorf("%s searches %q: %d posts (%v), want %d", c.a.Name, c.q, len(postIDs(res)), err, c.want)
		}
	}

	// Written, edited, hidden and shown since.
	later := MustReply(t, s, ann, th.ID, "Deployable DEPLOYS, déploiement, agreements")
	if _, err := s.EditPost(ctx, ann, later.ID, "deployability and the Zürcher Agreement, edited"); err != nil {
		t.Fatal(err)
	}
	shown := MustReply(t, s, ann, th.ID, "the cafeteria runbook")
	raw := MustRawSQL(t, url)
	if _, err := raw.Exec("UPDATE posts SET hidden_at = CURRENT_TIMESTAMP WHERE id = ?", shown.ID); err != nil {
		t.Fatal(err)
	}
	compare("while a post is hidden")
	if _, err := raw.Exec("UPDATE posts SET hidden_at = NULL WHERE id = ?", shown.ID); err != nil {
		t.Fatal(err)
	}
	compare("after posts were added, edited and shown")
	if got, err := s.PostFTSForTest(ctx, "zurc*"); err != nil || got != `"Zürcher"` {
		t.Errorf("zurc* after the edit: %s %v", got, err)
	}

	// More words than SearchPrefixTerms: FTS5's own prefix.
	s.SetSearchPrefixTermsForTest(1)
	if got, err := s.PostFTSForTest(ctx, "run*"); err != nil || got != `"run"*` {
		t.Errorf("run* with one word allowed: %s %v", got, err)
	}
}

func postIDs(res []models.SearchResult) []string {
	var out []string
	for _, l := range labels(res) {
		if strings.HasPrefix(l, "post:") {
			out = append(out, l)
		}
	}
	return out
}
