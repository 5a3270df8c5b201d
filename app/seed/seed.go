// Package seed fills a kith database with realistic data for measurement:
// people, spaces they chose to join, and years of threads with a long tail of
// busy ones. Memberships come only from the operations a person uses (join,
// a request a steward approves, an accepted invitation), each person acting
// for themselves; history (accounts, threads, posts) is written in bulk
// through models' import writers.
package seed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"kith/models"
)

// Options sizes the data. Posts count every post, opening posts included.
type Options struct {
	Members  int
	Spaces   int
	Threads  int
	Posts    int
	Password string    // every seeded account's password
	Seed     uint64    // the random seed: the same options make the same data
	Now      time.Time // history ends here; zero means time.Now
	Years    float64   // how far back history goes; zero means two

	// Progress, if set, hears of each step: stage, done so far, total.
	Progress func(stage string, done, total int)
}

// Summary says what was made.
type Summary struct {
	Members, Spaces, Memberships, Threads, Posts int
	BusiestThread                                int64 // the id of the thread with the most posts
	BusiestPosts                                 int
	Email                                        string // one seeded account, to sign in as
}

// Batch sizes: each is one transaction.
const (
	accountBatch = 5000
	joinBatch    = 2000
	postBatch    = 5000
)

// Run seeds the store.
func Run(ctx context.Context, store *models.Store, o Options) (*Summary, error) {
	if o.Members < 1 || o.Spaces < 1 || o.Threads < 0 || o.Posts < o.Threads {
		return nil, errors.New("seed needs at least one member and one space, and at least as many posts as threads")
	}
	if o.Spaces > o.Members {
		return nil, errors.New("seed needs at least as many members as spaces (each space has a founder)")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Years <= 0 {
		o.Years = 2
	}
	if o.Progress == nil {
		o.Progress = func(string, int, int) {}
	}
	// Seeded, reproducible randomness: this is test data, not a secret.
	s := &seeder{store: store, o: o, r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x6b697468))} //nolint:gosec // G404: reproducible data, not secrets
	s.text = newText(s.r)
	steps := []func(context.Context) error{s.accounts, s.found, s.joins, s.history}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	o.Progress("settling the indexes", 0, 1)
	if err := store.SettleImport(ctx); err != nil {
		return nil, err
	}
	o.Progress("settling the indexes", 1, 1)
	return &s.sum, nil
}

type seeder struct {
	store *models.Store
	o     Options
	r     *rand.Rand
	text  *text
	sum   Summary

	members []models.Actor
	spaces  []space
}

type space struct {
	slug    string
	id      int64
	version int
	founder models.Actor
	vis     models.Visibility
	members []int // indexes into seeder.members
	weight  float64
}

func (s *seeder) accounts(ctx context.Context) error {
	start := s.o.Now.Add(-time.Duration(s.o.Years * 365 * 24 * float64(time.Hour)))
	span := s.o.Now.Sub(start)
	s.members = make([]models.Actor, 0, s.o.Members)
	for from := 0; from < s.o.Members; from += accountBatch {
		n := min(accountBatch, s.o.Members-from)
		people := make([]models.ImportedAccount, n)
		for i := range people {
			k := from + i
			first := firstNames[k%len(firstNames)]
			last := lastNames[(k/len(firstNames))%len(lastNames)]
			name := first + " " + last
			if round := k / (len(firstNames) * len(lastNames)); round > 0 {
				name = fmt.Sprintf("%s %c. %s", first, 'A'+rune(round%26), last)
				if round >= 26 {
					name = fmt.Sprintf("%s %s %d", first, last, round)
				}
			}
			people[i] = models.ImportedAccount{
				Email:     fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), k),
				Name:      name,
				CreatedAt: start.Add(time.Duration(float64(span) * float64(k) / float64(s.o.Members) / 2)),
			}
		}
		ids, err := s.store.ImportAccounts(ctx, s.o.Password, people)
		if err != nil {
			return err
		}
		for i, id := range ids {
			s.members = append(s.members, models.Actor{ID: id, Name: people[i].Name})
		}
		if s.sum.Email == "" {
			s.sum.Email = people[0].Email
		}
		s.o.Progress("members", from+n, s.o.Members)
	}
	s.sum.Members = len(s.members)
	return nil
}

// found founds the spaces, each by a different person: most are open, some
// admit by request, a few by invitation. Popularity follows a Zipf curve.
func (s *seeder) found(ctx context.Context) error {
	founders := s.r.Perm(len(s.members))[:s.o.Spaces]
	for i := range s.o.Spaces {
		topic := spaceTopics[i%len(spaceTopics)]
		name, slug := topic.name, strings.ReplaceAll(strings.ToLower(topic.name), " ", "-")
		if round := i / len(spaceTopics); round > 0 {
			name, slug = fmt.Sprintf("%s %d", name, round+1), fmt.Sprintf("%s-%d", slug, round+1)
		}
		vis := models.VisibilityOpen
		switch i % 10 {
		case 3, 7:
			vis = models.VisibilityRequest
		case 9:
			vis = models.VisibilityInvite
		}
		founder := s.members[founders[i]]
		v, err := s.store.CreateSpace(ctx, founder, models.NewSpace{
			Slug: slug, Name: name, Visibility: vis,
			Purpose: "A community of practice for " + topic.about + ". We share what works, ask when stuck, and answer each other.",
		})
		if err != nil {
			return fmt.Errorf("space %s: %w", slug, err)
		}
		s.spaces = append(s.spaces, space{slug: slug, id: v.ID, version: v.PurposeVersion, founder: founder, vis: vis,
			members: []int{founders[i]}, weight: 1 / math.Pow(float64(i+1), 0.8)})
		s.o.Progress("spaces", i+1, s.o.Spaces)
	}
	s.sum.Spaces = len(s.spaces)
	return nil
}

// joins has every person join a few spaces for themselves: open spaces by
// joining, request spaces by asking (the founder, a steward, approves),
// invitation spaces by accepting the founder's invitation.
func (s *seeder) joins(ctx context.Context) error {
	cum := make([]float64, len(s.spaces))
	total := 0.0
	for i, sp := range s.spaces {
		total += sp.weight
		cum[i] = total
	}
	pick := func() int {
		i, _ := slices.BinarySearch(cum, s.r.Float64()*total)
		return min(i, len(cum)-1)
	}
	isFounder := map[int]bool{}
	for _, sp := range s.spaces {
		isFounder[sp.members[0]] = true
	}
	joined := len(s.spaces)
	for from := 0; from < len(s.members); from += joinBatch {
		to := min(from+joinBatch, len(s.members))
		err := s.store.Batch(ctx, func(ctx context.Context) error {
			for k := from; k < to; k++ {
				want := 1 + int(s.r.ExpFloat64()*2)
				chosen := map[int]bool{}
				for range want {
					chosen[pick()] = true
				}
				for i := range s.spaces {
					if !chosen[i] {
						continue
					}
					sp := &s.spaces[i]
					if slices.Contains(sp.members[:1], k) {
						continue // its founder
					}
					if err := s.join(ctx, sp, s.members[k]); err != nil {
						return fmt.Errorf("%s joining %s: %w", s.members[k].Name, sp.slug, err)
					}
					sp.members = append(sp.members, k)
					joined++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		s.o.Progress("members joining spaces", to, len(s.members))
	}
	s.sum.Memberships = joined
	return nil
}

func (s *seeder) join(ctx context.Context, sp *space, a models.Actor) error {
	switch sp.vis {
	case models.VisibilityInvite:
		inv, err := s.store.Invite(ctx, sp.founder, sp.slug, a.ID)
		if err != nil {
			return err
		}
		_, _, err = s.store.AcceptInvitation(ctx, a, inv.ID, sp.version)
		return err
	default:
		res, err := s.store.JoinSpace(ctx, a, sp.slug, sp.version, "")
		if err != nil || res.Request == nil {
			return err
		}
		_, _, err = s.store.ApproveJoinRequest(ctx, sp.founder, res.Request.ID, "Welcome!")
		return err
	}
}

// history writes the threads: spread over the spaces by their size, each
// with a Pareto-distributed number of replies (most threads short, a few
// very long), at times spread over the years.
func (s *seeder) history(ctx context.Context) error {
	if s.o.Threads == 0 {
		return nil
	}
	sizes := s.threadSizes()
	cum := make([]float64, len(s.spaces))
	total := 0.0
	for i, sp := range s.spaces {
		total += float64(len(sp.members))
		cum[i] = total
	}
	start := s.o.Now.Add(-time.Duration(s.o.Years * 365 * 24 * float64(time.Hour)))
	span := float64(s.o.Now.Sub(start))
	var batch []models.ImportedThread
	batchPosts, posts := 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids, err := s.store.ImportThreads(ctx, batch)
		if err != nil {
			return err
		}
		for i, t := range batch {
			if len(t.Posts) > s.sum.BusiestPosts {
				s.sum.BusiestThread, s.sum.BusiestPosts = ids[i], len(t.Posts)
			}
		}
		batch, batchPosts = batch[:0], 0
		s.o.Progress("posts", posts, s.o.Posts)
		return nil
	}
	for k, n := range sizes {
		i, _ := slices.BinarySearch(cum, s.r.Float64()*total)
		sp := &s.spaces[min(i, len(cum)-1)]
		// Threads start in order over the years; busy threads run longer.
		at := start.Add(time.Duration(span * (float64(k) + s.r.Float64()) / float64(len(sizes)) * 0.98))
		gap := time.Duration(float64(time.Hour) * (0.2 + s.r.ExpFloat64()*3))
		question := s.r.IntN(3) == 0
		t := models.ImportedThread{SpaceID: sp.id, Title: s.text.title(question), Kind: models.Discussion, Posts: make([]models.ImportedPost, n)}
		if question {
			t.Kind = models.Question
		}
		for j := range t.Posts {
			author := sp.members[s.r.IntN(len(sp.members))]
			var mentions []string
			var mentionIDs []int64
			if s.r.IntN(20) == 0 && len(sp.members) > 1 {
				m := sp.members[s.r.IntN(len(sp.members))]
				mentions, mentionIDs = append(mentions, s.members[m].Name), append(mentionIDs, s.members[m].ID)
			}
			reply := -1
			if j > 1 && s.r.IntN(3) == 0 {
				reply = s.r.IntN(j)
			}
			t.Posts[j] = models.ImportedPost{AuthorID: s.members[author].ID, Body: s.text.body(mentions),
				CreatedAt: at, ReplyTo: reply, Mentions: mentionIDs}
			at = at.Add(time.Duration(s.r.ExpFloat64() * float64(gap)))
			if at.After(s.o.Now) {
				at = s.o.Now
			}
		}
		batch = append(batch, t)
		batchPosts += n
		posts += n
		if batchPosts >= postBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	s.sum.Threads, s.sum.Posts = len(sizes), posts
	return nil
}

// threadSizes splits the posts over the threads: every thread has its
// opening post; the replies follow a Pareto curve, capped so that no thread
// holds more than a few thousand.
func (s *seeder) threadSizes() []int {
	n, replies := s.o.Threads, s.o.Posts-s.o.Threads
	weights := make([]float64, n)
	total := 0.0
	for i := range weights {
		w := math.Pow(1-s.r.Float64(), -1/1.2)
		weights[i] = math.Min(w, 2000)
		total += weights[i]
	}
	sizes := make([]int, n)
	given := 0
	for i, w := range weights {
		sizes[i] = 1 + int(w/total*float64(replies))
		given += sizes[i] - 1
	}
	for ; given < replies; given++ {
		sizes[s.r.IntN(n)]++
	}
	return sizes
}
