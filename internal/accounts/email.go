package accounts

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/jst"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Proven addresses and account recovery: single-use tokens sent by mail,
// stored only as SHA-256 hashes. A token's one use is arbitrated by the
// unique _id of its use record (as refresh tokens are), so two clicks racing
// use it once, on MongoDB and on the embedded server alike.

// Token purposes and lifetimes.
const (
	purposeVerify = "verify_email"
	purposeReset  = "password_reset"

	VerifyTokenTTL = 24 * time.Hour
	ResetTokenTTL  = 30 * time.Minute
)

// Errors of proven addresses and recovery.
var (
	// ErrEmailUnverified: the action needs a confirmed e-mail address.
	ErrEmailUnverified = apperr.New(apperr.Forbidden, "email_unverified",
		"confirm your e-mail address first (follow the link in the mail we sent, or ask for a new one at POST /v1/auth/verify-email/resend)")
	ErrAlreadyVerified = apperr.New(apperr.Conflict, "email_already_verified", "your e-mail address is already confirmed")
	// ErrInvalidEmailToken: unknown, expired, already used, or for an
	// address the account no longer has.
	ErrInvalidEmailToken = apperr.New(apperr.Invalid, "invalid_token", "this link is invalid, expired or already used; ask for a new one")
)

// emailToken is a stored single-use token.
type emailToken struct {
	Hash      string        `bson:"_id"`
	UserID    bson.ObjectID `bson:"userId"`
	Purpose   string        `bson:"purpose"`
	Email     string        `bson:"email"` // the address it was sent to
	CreatedAt time.Time     `bson:"createdAt"`
	ExpiresAt time.Time     `bson:"expiresAt"`
}

// Collection names.
const (
	colEmailTokens    = "email_tokens"
	colEmailTokenUses = "email_token_uses"
)

func (s *Service) ensureEmailIndexes(ctx context.Context) error {
	if err := s.emailTokens.EnsureIndexes(ctx,
		mongodb.Index("userId"),
		mongodb.Index("expiresAt").Times("expiresAt"),
	); err != nil {
		return err
	}
	return s.emailTokenUses.EnsureIndexes(ctx, mongodb.Index("at").Times("at"))
}

// grandfatherVerified marks accounts made before addresses were verified
// (no emailVerified field at all) as verified, once: they were the accounts
// the platform knew, and taking introductions and search away from them
// overnight would be a breaking change. New accounts always have the field.
// It runs once per database (a scan of every account at each start cost
// 0.8 s at 100,000 accounts on the embedded server).
func (s *Service) grandfatherVerified(ctx context.Context) error {
	return s.db.Once(ctx, "accounts-grandfather-email-verified", func(ctx context.Context) error {
		res, err := s.users.UpdateMany(ctx, bson.D{{Key: "emailVerified", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "emailVerified", Value: true}}}})
		if err != nil {
			return fmt.Errorf("grandfather verified e-mails: %w", err)
		}
		if res.ModifiedCount > 0 {
			s.log.InfoContext(ctx, "accounts from before e-mail verification counted as verified", "accounts", res.ModifiedCount)
		}
		return nil
	})
}

// link builds a front-end link with a token.
func (s *Service) link(path, token string) string {
	base := "http://localhost:8080"
	if s.mail != nil && s.mail.PublicURL() != "" {
		base = s.mail.PublicURL()
	}
	return base + path + "?token=" + url.QueryEscape(token)
}

// issueEmailToken stores a new token for u and returns it raw.
func (s *Service) issueEmailToken(ctx context.Context, u User, purpose string, ttl time.Duration) (string, emailToken, error) {
	raw := randomToken(32)
	now := s.now()
	t := emailToken{Hash: hashRefreshToken(raw), UserID: u.ID, Purpose: purpose, Email: u.Email, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if _, err := s.emailTokens.InsertOne(ctx, t); err != nil {
		return "", emailToken{}, fmt.Errorf("store %s token: %w", purpose, err)
	}
	return raw, t, nil
}

// sendVerification records a verification mail for u under key.
func (s *Service) sendVerification(ctx context.Context, u User, key string) error {
	if s.mail == nil {
		return nil
	}
	raw, _, err := s.issueEmailToken(ctx, u, purposeVerify, VerifyTokenTTL)
	if err != nil {
		return err
	}
	_, err = s.mail.Enqueue(ctx, mail.Input{
		Key: key, UserID: u.ID, To: u.Email, Locale: u.Locale, Kind: mail.KindVerifyEmail,
		Data: map[string]any{"Name": u.DisplayName, "Link": s.link("/verify-email", raw)},
	})
	return err
}

// useEmailToken checks a raw token of purpose and spends it: it answers
// once per token, however many present it at once.
func (s *Service) useEmailToken(ctx context.Context, raw, purpose string) (emailToken, error) {
	if raw == "" || len(raw) > 256 {
		return emailToken{}, ErrInvalidEmailToken
	}
	t, err := mongodb.FindOne[emailToken](ctx, s.emailTokens, bson.D{{Key: "_id", Value: hashRefreshToken(raw)}}, ErrInvalidEmailToken)
	if err != nil {
		return emailToken{}, err
	}
	if t.Purpose != purpose || !s.now().Before(t.ExpiresAt) {
		return emailToken{}, ErrInvalidEmailToken
	}
	_, err = s.emailTokenUses.InsertOne(ctx, bson.D{{Key: "_id", Value: t.Hash}, {Key: "at", Value: s.now()}})
	if mongodb.IsDuplicateKey(err) {
		return emailToken{}, ErrInvalidEmailToken
	}
	if err != nil {
		return emailToken{}, fmt.Errorf("spend %s token: %w", purpose, err)
	}
	return t, nil
}

// VerifyEmail confirms the address a verification token was sent to. An
// address listed in KIZUNA_ADMIN_EMAILS gets the admin role now.
func (s *Service) VerifyEmail(ctx context.Context, raw string) (User, error) {
	t, err := s.useEmailToken(ctx, raw, purposeVerify)
	if err != nil {
		return User{}, err
	}
	u, err := s.load(ctx, t.UserID)
	if apperr.KindOf(err) == apperr.NotFound {
		return User{}, ErrInvalidEmailToken
	}
	if err != nil {
		return User{}, err
	}
	if u.Email != t.Email {
		return User{}, ErrInvalidEmailToken // sent to an address the account no longer has
	}
	return s.markVerified(ctx, u)
}

// markVerified sets emailVerified (and admin, for listed addresses).
func (s *Service) markVerified(ctx context.Context, u User) (User, error) {
	if !u.EmailVerified {
		now := s.now()
		var err error
		u, err = s.update(ctx, u.ID, bson.D{{Key: "$set", Value: bson.D{
			{Key: "emailVerified", Value: true}, {Key: "emailVerifiedAt", Value: now}, {Key: "updatedAt", Value: now},
		}}})
		if err != nil {
			return User{}, err
		}
	}
	if s.adminEmails[u.Email] && !u.HasRole(RoleAdmin) {
		s.log.InfoContext(ctx, "admin role granted to a verified listed address", "userId", u.ID.Hex())
		return s.changeRole(ctx, u.ID, RoleAdmin, true)
	}
	return u, nil
}

// MarkVerified confirms a user's address without a mail (the demo seed and
// operators' commands).
func (s *Service) MarkVerified(ctx context.Context, userID bson.ObjectID) (User, error) {
	u, err := s.load(ctx, userID)
	if err != nil {
		return User{}, err
	}
	return s.markVerified(ctx, u)
}

// ResendVerification sends a new verification mail to the caller (each
// link stays valid until used or expired).
func (s *Service) ResendVerification(ctx context.Context, p Principal) error {
	u, err := s.load(ctx, p.UserID)
	if err != nil {
		return err
	}
	if u.EmailVerified {
		return ErrAlreadyVerified
	}
	return s.sendVerification(ctx, u, "verify:"+u.ID.Hex()+":"+bson.NewObjectID().Hex())
}

// RequestPasswordReset mails a reset link when the address has an account
// (and is not suspended). It answers the same, in about the same time,
// whether or not it has: callers must not tell the difference.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email = normalizeEmail(email)
	var v apperr.Validation
	checkEmail(&v, "email", email)
	if err := v.Err(); err != nil {
		return err
	}
	var u User
	err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: email}}).Decode(&u)
	if mongodb.IsNotFound(err) {
		// As many writes as a known address costs (its token and its mail),
		// so timing does not tell; pruned with the token uses.
		for range 2 {
			_, _ = s.emailTokenUses.InsertOne(ctx, bson.D{{Key: "_id", Value: "decoy:" + randomToken(16)}, {Key: "at", Value: s.now()}})
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("find user: %w", err)
	}
	return s.mailReset(ctx, u)
}

// mailReset mails u a password reset link, unless u is suspended.
func (s *Service) mailReset(ctx context.Context, u User) error {
	if u.Suspended || s.mail == nil {
		return nil
	}
	raw, t, err := s.issueEmailToken(ctx, u, purposeReset, ResetTokenTTL)
	if err != nil {
		return err
	}
	_, err = s.mail.Enqueue(ctx, mail.Input{
		Key: "reset:" + t.Hash[:32], UserID: u.ID, To: u.Email, Locale: u.Locale, Kind: mail.KindPasswordReset,
		Data: map[string]any{"Name": u.DisplayName, "Link": s.link("/reset-password", raw)},
	})
	return err
}

// ResetPassword sets a new password with a reset token, signs out every
// session (their refresh and access tokens stop working at once) and mails
// a notice. Following the link also proves the address.
func (s *Service) ResetPassword(ctx context.Context, raw, next string) error {
	// Check the password before spending the token, so a weak one can be
	// corrected with the same link.
	var t emailToken
	if raw != "" && len(raw) <= 256 {
		_ = s.emailTokens.FindOne(ctx, bson.D{{Key: "_id", Value: hashRefreshToken(raw)}}).Decode(&t)
	}
	var v apperr.Validation
	checkPassword(&v, "newPassword", next, t.Email)
	if err := v.Err(); err != nil {
		return err
	}
	t, err := s.useEmailToken(ctx, raw, purposeReset)
	if err != nil {
		return err
	}
	hash, err := hashPassword(next)
	if err != nil {
		return err
	}
	unlock := s.db.Lock(colUsers, t.UserID)
	u, err := s.load(ctx, t.UserID)
	if err == nil && u.Email != t.Email {
		err = ErrInvalidEmailToken
	}
	if apperr.KindOf(err) == apperr.NotFound {
		err = ErrInvalidEmailToken
	}
	if err != nil {
		unlock()
		return err
	}
	now := s.now()
	set := bson.D{{Key: "passwordHash", Value: hash}, {Key: "updatedAt", Value: now}, {Key: "emailVerified", Value: true}}
	if !u.EmailVerified {
		set = append(set, bson.E{Key: "emailVerifiedAt", Value: now})
	}
	var nu User
	err = s.users.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: u.ID}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&nu)
	unlock()
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	s.remember(nu)
	if s.onChange != nil {
		s.onChange(nu)
	}
	if err := s.revokeOtherSessions(ctx, u.ID, "", "password_reset"); err != nil {
		return err
	}
	if !u.EmailVerified && s.adminEmails[u.Email] {
		if _, err := s.markVerified(ctx, nu); err != nil {
			return err
		}
	}
	return s.notifyPasswordChanged(ctx, nu, "pwchanged:"+t.Hash[:32], false)
}

// notifyPasswordChanged mails the "your password was changed" notice; kept
// is true when the session that changed it stays signed in (a change, not
// a reset).
func (s *Service) notifyPasswordChanged(ctx context.Context, u User, key string, kept bool) error {
	if s.mail == nil {
		return nil
	}
	when := s.now().In(jst.Zone).Format("2006-01-02 15:04 JST")
	_, err := s.mail.Enqueue(ctx, mail.Input{
		Key: key, UserID: u.ID, To: u.Email, Locale: u.Locale, Kind: mail.KindPasswordChanged,
		Data: map[string]any{"Name": u.DisplayName, "When": when, "Link": s.link("/forgot-password", ""), "Kept": kept},
	})
	return err
}

// GrantRoleByEmail gives the account with this e-mail a role, for the
// operator's `kizuna admin grant EMAIL ROLE` (no mail needed: whoever runs
// it controls the server). Unknown addresses are refused.
func (s *Service) GrantRoleByEmail(ctx context.Context, email string, role Role) (User, error) {
	if role != RoleAdmin && role != RoleOrganizer {
		return User{}, apperr.New(apperr.Invalid, "role_not_grantable", `only "admin" and "organizer" are granted this way`)
	}
	email = normalizeEmail(email)
	u, err := mongodb.FindOne[User](ctx, s.users, bson.D{{Key: "email", Value: email}}, apperr.NotFoundf("no account with the e-mail %s", email))
	if err != nil {
		return User{}, err
	}
	return s.changeRole(ctx, u.ID, role, true)
}

// PruneEmailTokens deletes expired e-mail tokens and their use records.
func (s *Service) PruneEmailTokens(ctx context.Context) (int64, error) {
	now := s.now()
	res, err := s.emailTokens.DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("prune e-mail tokens: %w", err)
	}
	if _, err := s.emailTokenUses.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-VerifyTokenTTL)}}}}); err != nil {
		return res.DeletedCount, fmt.Errorf("prune e-mail token uses: %w", err)
	}
	return res.DeletedCount, nil
}

// ForgetEmailTokens deletes the user's verification and reset tokens
// (account deletion; their use records hold only hashes and a time).
func (s *Service) ForgetEmailTokens(ctx context.Context, userID bson.ObjectID) (int64, error) {
	res, err := s.emailTokens.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return 0, fmt.Errorf("forget e-mail tokens: %w", err)
	}
	return res.DeletedCount, nil
}
