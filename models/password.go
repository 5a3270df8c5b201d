package models

import (
	"golang.org/x/crypto/bcrypt"
)

// passwordHasher hashes passwords with bcrypt.
type passwordHasher struct{ cost int }

func (h passwordHasher) costOrDefault() int {
	if h.cost < bcrypt.MinCost {
		return bcrypt.DefaultCost
	}
	return h.cost
}

func (h passwordHasher) hash(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), h.costOrDefault())
	return string(b), err
}

func (h passwordHasher) check(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// waste spends the time of one check, so that a missing account cannot be told
// apart from a wrong password by timing.
func (h passwordHasher) waste(password string) {
	_, _ = h.hash(password)
}
