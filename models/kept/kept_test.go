package kept

import (
	"testing"
	"time"
)

func TestAValueIsKeptWhileItsStampHoldsAndItIsFresh(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New[string, int](2, time.Minute, func() time.Time { return now })
	c.Add("a", 7, 1)
	if v, ok := c.Get("a", 7); !ok || v != 1 {
		t.Fatalf("at its stamp: %d %v", v, ok)
	}
	if _, ok := c.Get("a", 8); ok {
		t.Fatal("kept past a newer stamp")
	}
	now = now.Add(time.Minute)
	if _, ok := c.Get("a", 7); ok {
		t.Fatal("kept past its TTL")
	}
	c.Add("b", 0, 2)
	c.Add("c", 0, 3)
	c.Add("d", 0, 4) // two at most: "b" goes
	if _, ok := c.Get("b", 0); ok {
		t.Fatal("more kept than its size")
	}
	none := New[string, int](0, time.Minute, time.Now)
	none.Add("a", 0, 1)
	if _, ok := none.Get("a", 0); ok {
		t.Fatal("a cache of size 0 kept a value")
	}
}
