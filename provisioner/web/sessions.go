package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
)

// DefaultSessionMaxAge is how long a dashboard login lasts.
const DefaultSessionMaxAge = 12 * time.Hour

// sessions are the logins of one dashboard process. A session cookie is
// a securecookie value (signed and encrypted with keys made at start, so
// a restart logs everyone out) naming a random session id and its expiry;
// the id must also be in the process's table, so logging out revokes a
// cookie even where it was copied, before it expires.
type sessions struct {
	codec  *securecookie.SecureCookie
	maxAge time.Duration
	// now is the clock; tests replace it.
	now func() time.Time

	mu   sync.Mutex
	live map[string]time.Time // session id → expiry
}

// sessionValue is what a session cookie holds.
type sessionValue struct {
	ID      string `json:"id"`
	Expires int64  `json:"exp"`
}

// newSessions makes the keys of a new process's sessions.
func newSessions(maxAge time.Duration) (*sessions, error) {
	if maxAge <= 0 {
		maxAge = DefaultSessionMaxAge
	}
	hashKey, blockKey := securecookie.GenerateRandomKey(64), securecookie.GenerateRandomKey(32)
	if hashKey == nil || blockKey == nil {
		return nil, errors.New("web: no randomness for the session keys")
	}
	codec := securecookie.New(hashKey, blockKey).MaxAge(max(1, int(maxAge/time.Second)))
	codec.SetSerializer(securecookie.JSONEncoder{})
	return &sessions{codec: codec, maxAge: maxAge, now: time.Now, live: map[string]time.Time{}}, nil
}

// create starts a session and returns its cookie value.
func (s *sessions) create() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	now := s.now()
	v := sessionValue{ID: hex.EncodeToString(b), Expires: now.Add(s.maxAge).Unix()}
	value, err := s.codec.Encode(cookieName, v)
	if err != nil {
		return "", fmt.Errorf("session cookie: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, exp := range s.live {
		if !now.Before(exp) {
			delete(s.live, id)
		}
	}
	s.live[v.ID] = time.Unix(v.Expires, 0)
	return value, nil
}

// decode returns the session a cookie value names, if it is one of ours.
func (s *sessions) decode(value string) (sessionValue, bool) {
	var v sessionValue
	if err := s.codec.Decode(cookieName, value, &v); err != nil || v.ID == "" {
		return sessionValue{}, false
	}
	return v, true
}

// valid reports whether a cookie value is a live session: ours, not
// expired and not logged out.
func (s *sessions) valid(value string) bool {
	v, ok := s.decode(value)
	if !ok {
		return false
	}
	now := s.now()
	if !now.Before(time.Unix(v.Expires, 0)) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.live[v.ID]
	return ok && now.Before(exp)
}

// revoke ends the session a cookie value names.
func (s *sessions) revoke(value string) {
	if v, ok := s.decode(value); ok {
		s.mu.Lock()
		delete(s.live, v.ID)
		s.mu.Unlock()
	}
}
