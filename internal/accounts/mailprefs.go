package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/ids"
	"github.com/kizuna-dev/kizuna/internal/jst"
)

// Kinds of event a member chooses a channel for (in-app only, or also by
// e-mail). Verification, reset and password notices are always mailed.
const (
	MailIntroductionReceived  = "introduction_received"
	MailIntroductionReminders = "introduction_reminders"
	MailIntroductionOutcome   = "introduction_outcome" // accepted, declined, withdrawn; to the founder, expired
	MailMentorship            = "mentorship"
	MailCommunityEvents       = "community_events"
)

// MailKinds lists them.
var MailKinds = []string{MailIntroductionReceived, MailIntroductionReminders, MailIntroductionOutcome, MailMentorship, MailCommunityEvents}

// Channels.
const (
	ChannelInApp = "in_app"
	ChannelEmail = "email"
)

// Digest frequencies.
const (
	DigestMonthly = "monthly"
	DigestOff     = "off"
)

// QuietHours is a window of hours in Japan (JST) in which non-urgent mail
// waits (it is delayed to the window's end, never dropped). From 22 To 7 is
// 22:00 to 07:00.
type QuietHours struct {
	From int `bson:"from"`
	To   int `bson:"to"`
}

// MailPreferences are a member's mail choices. A kind missing from Channels
// goes by e-mail (the default).
type MailPreferences struct {
	Channels   map[string]string `bson:"channels,omitempty"`
	Digest     string            `bson:"digest,omitempty"` // "" is monthly
	QuietHours *QuietHours       `bson:"quietHours,omitempty"`
}

// Channel is the channel of kind.
func (p MailPreferences) Channel(kind string) string {
	if c, ok := p.Channels[kind]; ok {
		return c
	}
	return ChannelEmail
}

// DigestFrequency is the digest's frequency.
func (p MailPreferences) DigestFrequency() string {
	if p.Digest == "" {
		return DigestMonthly
	}
	return p.Digest
}

// QuietUntil reports whether t falls in the quiet hours and, if so, when
// they end.
func (p MailPreferences) QuietUntil(t time.Time) (time.Time, bool) {
	q := p.QuietHours
	if q == nil || q.From == q.To {
		return time.Time{}, false
	}
	local := t.In(jst.Zone)
	h := local.Hour()
	in := q.From < q.To && h >= q.From && h < q.To || q.From > q.To && (h >= q.From || h < q.To)
	if !in {
		return time.Time{}, false
	}
	end := time.Date(local.Year(), local.Month(), local.Day(), q.To, 0, 0, 0, jst.Zone)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC(), true
}

// SetMailPreferences replaces the caller's mail preferences.
func (s *Service) SetMailPreferences(ctx context.Context, userID bson.ObjectID, p MailPreferences) (User, error) {
	var v apperr.Validation
	for k, c := range p.Channels {
		known := false
		for _, mk := range MailKinds {
			known = known || mk == k
		}
		v.Check(known, "channels", fmt.Sprintf("unknown kind %q", k))
		v.Check(c == ChannelInApp || c == ChannelEmail, "channels."+k, `must be "in_app" or "email"`)
	}
	if p.Digest == "" {
		p.Digest = DigestMonthly
	}
	v.Check(p.Digest == DigestMonthly || p.Digest == DigestOff, "digest", `must be "monthly" or "off"`)
	if q := p.QuietHours; q != nil {
		v.Check(q.From >= 0 && q.From <= 23, "quietHours.from", "must be an hour from 0 to 23")
		v.Check(q.To >= 0 && q.To <= 23, "quietHours.to", "must be an hour from 0 to 23")
		v.Check(q.From != q.To, "quietHours.to", "must differ from quietHours.from")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	return s.update(ctx, userID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "mailPreferences", Value: p}, {Key: "updatedAt", Value: s.now()},
	}}})
}

// MailDigest is the kind an unsubscribe link of the digest stops.
const MailDigest = "digest"

// UnsubscribeTTL is how long a one-click unsubscribe link works.
const UnsubscribeTTL = 60 * 24 * time.Hour

// UnsubscribeToken signs a one-click unsubscribe link for one recipient and
// one kind of mail (RFC 8058): it needs no sign-in, works for UnsubscribeTTL
// and can change nothing but that recipient's choice for that kind.
func (s *Service) UnsubscribeToken(userID bson.ObjectID, kind string) string {
	return s.SignLink("unsubscribe", fmt.Sprintf("%s:%s:%d", userID.Hex(), kind, s.now().Add(UnsubscribeTTL).Unix()))
}

// SignLink signs payload for links that act without sign-in (unsubscribe,
// the digest's answers). The purpose is part of what is signed, so a token
// made for one purpose is refused for another. The payload is readable by
// whoever holds the link: put in it nothing but ids and expiry times.
func (s *Service) SignLink(purpose, payload string) string {
	mac := hmac.New(sha256.New, s.signer.secret)
	mac.Write([]byte(purpose + ":" + payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyLink returns the payload of a token made by SignLink for purpose;
// ok is false for a forged, altered or foreign token.
func (s *Service) VerifyLink(purpose, token string) (payload string, ok bool) {
	p, sig, found := strings.Cut(token, ".")
	if !found || len(token) > 512 {
		return "", false
	}
	raw, err1 := base64.RawURLEncoding.DecodeString(p)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return "", false
	}
	mac := hmac.New(sha256.New, s.signer.secret)
	mac.Write([]byte(purpose + ":" + string(raw)))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return "", false
	}
	return string(raw), true
}

// ErrInvalidUnsubscribe: the link is forged, altered or expired.
var ErrInvalidUnsubscribe = apperr.New(apperr.Invalid, "invalid_token", "this unsubscribe link is invalid or expired; change your choices in the notification settings")

// Unsubscribe applies a one-click unsubscribe link: the kind goes in the app
// only (the digest: off). It returns the user and the kind.
func (s *Service) Unsubscribe(ctx context.Context, token string) (User, string, error) {
	payload, ok := s.VerifyLink("unsubscribe", token)
	if !ok {
		return User{}, "", ErrInvalidUnsubscribe
	}
	parts := strings.Split(payload, ":")
	if len(parts) != 3 {
		return User{}, "", ErrInvalidUnsubscribe
	}
	id, ok := ids.Parse(parts[0])
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if !ok || err != nil || !s.now().Before(time.Unix(exp, 0)) {
		return User{}, "", ErrInvalidUnsubscribe
	}
	kind := parts[1]
	u, err := s.load(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		return User{}, "", ErrInvalidUnsubscribe
	}
	if err != nil {
		return User{}, "", err
	}
	prefs := u.MailPreferences
	channels := map[string]string{}
	for k, v := range prefs.Channels {
		channels[k] = v
	}
	switch {
	case kind == MailDigest:
		prefs.Digest = DigestOff
	case slices.Contains(MailKinds, kind):
		channels[kind] = ChannelInApp
	default:
		return User{}, "", ErrInvalidUnsubscribe
	}
	prefs.Channels = channels
	u, err = s.SetMailPreferences(ctx, id, prefs)
	return u, kind, err
}
