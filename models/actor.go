package models

// Actor is the person an operation acts for. The zero Actor is a visitor who
// has not signed in. Only the app's authentication builds a signed-in Actor,
// from a session or token it has verified.
type Actor struct {
	ID    int64
	Name  string
	Admin bool
}

// SignedIn reports whether the actor is a signed-in member of the instance.
func (a Actor) SignedIn() bool { return a.ID != 0 }

// ActorOf returns the actor for a signed-in member.
func ActorOf(m *Member) Actor {
	return Actor{ID: m.ID, Name: m.Name, Admin: m.IsAdmin}
}
