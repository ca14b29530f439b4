package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/jst"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Changing the e-mail address: the new address is proven before the
// account switches to it (a single-use link mailed there, valid
// ChangeEmailTokenTTL), and the old address is told once it has, with a
// link that undoes the change (valid RevertEmailTokenTTL): whoever took the
// account over cannot also take away its owner's way back.

const (
	purposeChangeEmail = "change_email"
	purposeRevertEmail = "revert_email"
	// ChangeEmailTokenTTL is how long the link to the new address works.
	ChangeEmailTokenTTL = 24 * time.Hour
	// RevertEmailTokenTTL is how long the old address can undo a change.
	RevertEmailTokenTTL = 7 * 24 * time.Hour
)

// ErrSameEmail: the new address is the account's address already.
var ErrSameEmail = apperr.New(apperr.Conflict, "email_unchanged", "this is your e-mail address already")

// RequestEmailChange checks the caller's password and mails a link to the
// new address; nothing changes until it is followed. An address another
// account has is refused (email_taken), as at sign-up.
func (s *Service) RequestEmailChange(ctx context.Context, p Principal, newEmail, password string) error {
	u, err := s.load(ctx, p.UserID)
	if err != nil {
		return err
	}
	email := normalizeEmail(newEmail)
	var v apperr.Validation
	checkEmail(&v, "newEmail", email)
	ok, err := verifyPassword(u.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		v.Add("password", "does not match your password")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if email == u.Email {
		return ErrSameEmail
	}
	if n, err := s.users.CountDocuments(ctx, bson.D{{Key: "email", Value: email}}); err != nil {
		return fmt.Errorf("find address: %w", err)
	} else if n > 0 {
		return ErrEmailTaken
	}
	if s.mail == nil {
		return nil
	}
	to := u
	to.Email = email
	raw, t, err := s.issueEmailToken(ctx, to, purposeChangeEmail, ChangeEmailTokenTTL)
	if err != nil {
		return err
	}
	_, err = s.mail.Enqueue(ctx, mail.Input{
		Key: "change-email:" + t.Hash[:32], UserID: u.ID, To: email, Locale: u.Locale, Kind: mail.KindConfirmEmailChange,
		Data: map[string]any{"Name": u.DisplayName, "Link": s.link("/confirm-email-change", raw)},
	})
	return err
}

// ConfirmEmailChange spends the link's token: the account's address is now
// the new one (proven by the link), and the old address is told. No
// sign-in needed: the link may be opened on another device.
func (s *Service) ConfirmEmailChange(ctx context.Context, raw string) (User, error) {
	t, err := s.useEmailToken(ctx, raw, purposeChangeEmail)
	if err != nil {
		return User{}, err
	}
	old, err := s.load(ctx, t.UserID)
	if apperr.KindOf(err) == apperr.NotFound {
		return User{}, ErrInvalidEmailToken
	}
	if err != nil {
		return User{}, err
	}
	if old.Email == t.Email {
		return old, nil
	}
	now := s.now()
	u, err := s.switchEmail(ctx, old.ID, t.Email, now)
	if err != nil {
		return User{}, err
	}
	if s.mail != nil && old.EmailVerified {
		// The undo link proves the old address, as the change's link
		// proved the new one.
		undo, _, err := s.issueEmailToken(ctx, old, purposeRevertEmail, RevertEmailTokenTTL)
		if err != nil {
			return u, err
		}
		_, err = s.mail.Enqueue(ctx, mail.Input{
			Key: "email-changed:" + t.Hash[:32], UserID: u.ID, To: old.Email, Locale: u.Locale, Kind: mail.KindEmailChanged,
			Data: map[string]any{"Name": u.DisplayName, "When": now.In(jst.Zone).Format("2006-01-02 15:04 JST"),
				"NewEmail": maskEmail(t.Email), "Link": s.link("/revert-email-change", undo)},
		})
		if err != nil {
			return u, err
		}
	}
	if s.adminEmails[u.Email] && !u.HasRole(RoleAdmin) {
		return s.markVerified(ctx, u)
	}
	return u, nil
}

// RevertEmailChange spends the undo link mailed to the old address: the
// account's address is the old one again, every session is signed out and
// the password stops working (the change may have been an intruder's who
// knows it), and a password reset link goes to the old address. An account
// whose address is the old one already is left as it is; an old address
// another account has taken since gets email_taken.
func (s *Service) RevertEmailChange(ctx context.Context, raw string) (User, error) {
	t, err := s.useEmailToken(ctx, raw, purposeRevertEmail)
	if err != nil {
		return User{}, err
	}
	u, err := s.load(ctx, t.UserID)
	if apperr.KindOf(err) == apperr.NotFound {
		return User{}, ErrInvalidEmailToken
	}
	if err != nil || u.Email == t.Email {
		return u, err
	}
	// Whoever changed the address may know the password: it stops
	// working until the owner sets a new one from the reset link.
	unusable, err := hashPassword(randomToken(32))
	if err != nil {
		return User{}, err
	}
	if u, err = s.switchEmail(ctx, u.ID, t.Email, s.now(), bson.E{Key: "passwordHash", Value: unusable}); err != nil {
		return User{}, err
	}
	if err := s.revokeOtherSessions(ctx, u.ID, "", "email_change_reverted"); err != nil {
		return u, err
	}
	return u, s.mailReset(ctx, u)
}

// switchEmail moves account id to the proven address email, with extra
// fields set at once. Changes to one address are serialized here and
// checked first: the embedded server reports a unique-index conflict of an
// update as an internal error, not as a duplicate key. The unique index on
// email still arbitrates with a sign-up, and with other instances on
// MongoDB.
func (s *Service) switchEmail(ctx context.Context, id bson.ObjectID, email string, now time.Time, extra ...bson.E) (User, error) {
	unlock := s.db.Lock("email-change", email)
	defer unlock()
	if n, err := s.users.CountDocuments(ctx, bson.D{{Key: "email", Value: email}}); err != nil {
		return User{}, fmt.Errorf("find address: %w", err)
	} else if n > 0 {
		return User{}, ErrEmailTaken
	}
	set := append(bson.D{{Key: "email", Value: email}, {Key: "emailVerified", Value: true}, {Key: "emailVerifiedAt", Value: now}, {Key: "updatedAt", Value: now}}, extra...)
	u, err := s.update(ctx, id, bson.D{{Key: "$set", Value: set}})
	if mongodb.IsDuplicateKey(err) {
		return User{}, ErrEmailTaken
	}
	return u, err
}

// maskEmail shows enough of an address for its owner to recognize it
// (y***@example.jp), not enough to give it away to whoever reads the old
// mailbox.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}
