package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The words people in an engineering company's communities of practice use,
// most common first: picked with a Zipf distribution, they give bodies the
// skewed vocabulary of real text, which is what search ranking sees.
var words = strings.Fields(`
the we it to and a of is that in for this on with you be our have not but can
team service code test build deploy review change release data error request
latency queue cache database index query migration schema config flag rollout
incident alert dashboard metric trace log budget design interface module package
dependency version upgrade pipeline runner cluster node pod container image
library framework pattern practice approach tradeoff question answer example
context timeout retry backoff idempotent consistent transaction lock contention
throughput memory allocation profile benchmark regression baseline performance
accessibility contrast keyboard screen reader component token spacing layout
onboarding mentoring pairing handbook guideline checklist runbook postmortem
ownership roadmap estimate scope sprint backlog priority customer feedback
security secret rotation certificate permission audit compliance privacy policy
python golang rust typescript kotlin java sql postgres sqlite redis kafka nats
terraform kubernetes helm grafana prometheus opentelemetry github gitlab
wrapping generics channels goroutines interfaces embedding reflection errors
fixtures mocks fakes integration contract snapshot flaky coverage mutation
naming readability simplicity complexity abstraction coupling cohesion boundary
event stream consumer producer partition offset ordering duplicate exactly once
api endpoint pagination cursor versioning deprecation compatibility breaking
frontend backend mobile offline sync conflict merge rebase branch trunk
workshop meetup talk slides recording notes reading group book chapter
`)

var firstNames = strings.Fields(`Ada Alan Amara Ana Andrei Anja Arjun Ava Bea Ben Bilal Bo Camille Carlos Chen Chloe
Dana Daniel Dara David Deepa Diego Dmitri Eli Elif Elena Emeka Emma Enzo Esra Eva Farah Felix Fatima Finn Gabriel
Grace Hana Hassan Helen Hugo Ian Ines Ingrid Isaac Ivy Jae Jamal Jana Javier Jin Joao Jonas Jordan Julia Kai Karim
Kenji Kira Lars Layla Leah Leo Lina Lior Luca Lucia Maja Malik Mara Marco Maria Mateo Maya Mei Mia Mila Min Nadia
Naomi Nia Nico Nora Oleg Olga Omar Oskar Paula Pedro Priya Quinn Rafael Rana Ravi Rhea Rosa Ruth Sam Sara Selin
Sofia Tariq Tess Theo Tom Uma Valentina Vera Victor Wei Yara Yusuf Zainab Zoe`)

var lastNames = strings.Fields(`Abe Adeyemi Ahmed Alvarez Andersen Bauer Becker Bianchi Brown Castro Chowdhury
Cohen Costa Dubois Dunn Eriksen Fernandes Fischer Garcia Gomez Greene Gupta Haddad Hansen Hernandez Hoffmann Horvat
Ibrahim Ito Jansen Jovanovic Kaplan Khan Kim Kowalski Kruger Larsen Lee Lopez Maier Martin Meyer Moreau Murphy
Nakamura Nguyen Novak Nowak Okafor Olsen Ortiz Park Patel Perez Petrov Popescu Quinn Rahman Reyes Rossi Sanchez
Santos Sato Schmidt Schneider Shah Silva Singh Smith Sousa Suzuki Tanaka Taylor Torres Tran Varga Vogel Wagner
Walker Wang Weber Williams Wong Yamamoto Yilmaz Young Zhang Zimmermann`)

var spaceTopics = []struct{ name, about string }{
	{"Go Guild", "writing, reviewing and running Go services"},
	{"Platform Engineering", "the internal platform: build, deploy and run"},
	{"Accessibility", "making what we ship usable by everyone"},
	{"Testing Practice", "tests that catch regressions and stay fast"},
	{"Incident Learning", "learning from incidents without blame"},
	{"Data Engineering", "pipelines, warehouses and the questions they answer"},
	{"Security Champions", "keeping secrets secret and systems patched"},
	{"Frontend Craft", "the web front ends we build and how they feel"},
	{"API Design", "interfaces other teams can rely on"},
	{"Observability", "logs, metrics and traces people actually read"},
	{"Mentoring Circle", "helping each other grow as engineers"},
	{"Rust Users", "Rust in production and in our tooling"},
	{"Mobile Guild", "iOS and Android apps and their release trains"},
	{"Databases", "schemas, queries, migrations and the people who tend them"},
	{"Technical Writing", "docs, runbooks and design notes worth reading"},
	{"Architecture Forum", "decisions with long consequences, made together"},
	{"Kubernetes Operators", "running clusters without heroics"},
	{"Machine Learning", "models in production and their data"},
	{"Developer Experience", "the tools and paths that make work flow"},
	{"Reading Group", "books and papers, a chapter at a time"},
}

// text makes sentences, titles and bodies from words, with markdown as
// people write it: paragraphs, lists, inline code, code blocks and links.
type text struct {
	r    *rand.Rand
	zipf *rand.Zipf
}

func newText(r *rand.Rand) *text {
	return &text{r: r, zipf: rand.NewZipf(r, 1.1, 4, uint64(len(words)-1))} //nolint:gosec // G115: a short, constant list
}

func (t *text) word() string { return words[t.zipf.Uint64()] }

func (t *text) sentence() string {
	n := 5 + t.r.IntN(14)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = t.word()
		if t.r.IntN(40) == 0 {
			parts[i] = "`" + parts[i] + "`"
		}
	}
	s := strings.Join(parts, " ")
	end := "."
	if t.r.IntN(6) == 0 {
		end = "?"
	}
	return strings.ToUpper(s[:1]) + s[1:] + end
}

func (t *text) paragraph() string {
	n := 1 + t.r.IntN(4)
	ss := make([]string, n)
	for i := range ss {
		ss[i] = t.sentence()
	}
	return strings.Join(ss, " ")
}

// title is a thread title; questions read as questions.
func (t *text) title(question bool) string {
	a, b, c := t.word(), t.word(), t.word()
	if question {
		switch t.r.IntN(4) {
		case 0:
			return fmt.Sprintf("How do you handle %s %s in %s?", a, b, c)
		case 1:
			return fmt.Sprintf("Why does our %s %s keep failing?", a, b)
		case 2:
			return fmt.Sprintf("Best way to test %s with %s?", a, b)
		default:
			return fmt.Sprintf("Anyone moved %s from %s to %s?", a, b, c)
		}
	}
	switch t.r.IntN(4) {
	case 0:
		return fmt.Sprintf("Notes from the %s %s session", a, b)
	case 1:
		return fmt.Sprintf("Proposal: a shared %s for %s", a, b)
	case 2:
		return fmt.Sprintf("What we learned about %s and %s", a, b)
	default:
		return fmt.Sprintf("%s %s: a write-up", strings.ToUpper(a[:1])+a[1:], b)
	}
}

// body is a post's markdown: mostly a short paragraph or two, now and then
// a long one with a list, a code block or a link (a long tail of lengths).
func (t *text) body(mentions []string) string {
	var b strings.Builder
	paras := 1
	switch x := t.r.IntN(100); {
	case x >= 97:
		paras = 6 + t.r.IntN(6)
	case x >= 80:
		paras = 3 + t.r.IntN(3)
	case x >= 45:
		paras = 2
	}
	for i := range paras {
		if i > 0 {
			b.WriteString("\n\n")
		}
		switch t.r.IntN(12) {
		case 0:
			for range 2 + t.r.IntN(3) {
				b.WriteString("- " + t.sentence() + "\n")
			}
		case 1:
			fmt.Fprintf(&b, "```go\nfunc %s(ctx context.Context) error {\n\treturn %s(ctx, %q)\n}\n```", t.word(), t.word(), t.word())
		case 2:
			fmt.Fprintf(&b, "%s See [the %s notes](https://wiki.example.com/%s).", t.paragraph(), t.word(), t.word())
		default:
			b.WriteString(t.paragraph())
		}
	}
	if len(mentions) > 0 {
		b.WriteString("\n\ncc")
		for _, m := range mentions {
			b.WriteString(" @" + m)
		}
	}
	return b.String()
}
