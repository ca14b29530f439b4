// Package accounts owns users, their credentials and their sessions: sign-up,
// sign-in, rotated refresh tokens, access-token verification and the roles a
// user holds.
//
// Error contract (codes of *apperr.Error): validation_failed, email_taken,
// invalid_credentials, invalid_refresh_token, refresh_token_reused,
// account_suspended, unauthenticated, not_found, forbidden.
package accounts

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/ids"
	kmail "github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Role is what a user may do. One person may hold several.
type Role string

// The roles. Founder and mentor are chosen at sign-up; organizer and admin are
// granted by an admin (or, for admin, by KIZUNA_ADMIN_EMAILS), never by a
// request body.
const (
	RoleFounder   Role = "founder"
	RoleMentor    Role = "mentor"
	RoleOrganizer Role = "organizer"
	RoleAdmin     Role = "admin"
)

// Locales the API speaks.
const (
	LocaleJa = "ja"
	LocaleEn = "en"
)

// Preferences are a user's notification choices.
type Preferences struct {
	Invitations bool `bson:"invitations"` // invitations back to community events
	Reminders   bool `bson:"reminders"`   // keep-in-touch and introduction reminders
}

// User is an account. PasswordHash never leaves this package's callers' hands:
// the HTTP layer has its own view type without it.
type User struct {
	ID           bson.ObjectID `bson:"_id"`
	Email        string        `bson:"email"` // trimmed and lower-cased
	PasswordHash string        `bson:"passwordHash"`
	DisplayName  string        `bson:"displayName"`
	Roles        []Role        `bson:"roles"`
	Locale       string        `bson:"locale"`
	Phone        string        `bson:"phone,omitempty"`
	Suspended    bool          `bson:"suspended"`
	// Deleting: the account is being deleted (see BeginErasure); it is
	// shown as a former member and refused everywhere meanwhile.
	Deleting bool `bson:"deleting,omitempty"`
	// Former: not an account but what others see of a deleted one (see
	// FormerMemberName); never stored.
	Former bool `bson:"-"`
	// KnownAddresses are keyed hashes of the client addresses the account
	// signed in from (see addresses.go); never shown.
	KnownAddresses []string `bson:"knownAddresses,omitempty"`
	// EmailVerified: the owner followed a link mailed to Email (or reset
	// the password with one). Until then the account cannot introduce,
	// post, or be listed as a mentor.
	EmailVerified   bool        `bson:"emailVerified"`
	EmailVerifiedAt *time.Time  `bson:"emailVerifiedAt,omitempty"`
	Preferences     Preferences `bson:"preferences"`
	// MailPreferences: which kinds of event also go by mail, the digest,
	// quiet hours.
	MailPreferences MailPreferences `bson:"mailPreferences"`
	// LastActiveAt is when the user last used the API, to within an hour
	// (see Touch). Zero: never since it was recorded; use CreatedAt.
	LastActiveAt time.Time `bson:"lastActiveAt,omitempty"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

// ActiveAt is the last known activity: LastActiveAt, or sign-up.
func (u User) ActiveAt() time.Time {
	if u.LastActiveAt.After(u.CreatedAt) {
		return u.LastActiveAt
	}
	return u.CreatedAt
}

// HasRole reports whether the user holds role.
func (u User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    bson.ObjectID
	Roles     []Role
	Locale    string // ja or en: the language of texts made for the caller
	SessionID string // the refresh-token family the access token came with
	// EmailVerified: the caller's address is proven (see User).
	EmailVerified bool
}

// Has reports whether the caller holds role.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// Errors of this package.
var (
	ErrEmailTaken          = apperr.New(apperr.Conflict, "email_taken", "an account with this e-mail address already exists")
	ErrInvalidCredentials  = apperr.New(apperr.Unauthenticated, "invalid_credentials", "the e-mail address or password is wrong")
	ErrInvalidRefreshToken = apperr.New(apperr.Unauthenticated, "invalid_refresh_token", "the refresh token is unknown, expired or revoked; sign in again")
	// ErrSessionEnded: the access token's session was signed out (logout,
	// password change, a reused refresh token) before the token expired.
	ErrSessionEnded       = apperr.New(apperr.Unauthenticated, "session_ended", "this session was signed out; sign in again")
	ErrRefreshTokenReused = apperr.New(apperr.Unauthenticated, "refresh_token_reused", "this refresh token was already used; every session of its family is now revoked, sign in again")
	ErrSuspended          = apperr.New(apperr.Forbidden, "account_suspended", "this account is suspended")
)

// Config configures the service.
type Config struct {
	JWTSecret   []byte
	AdminEmails []string // e-mails that get the admin role once verified
	// Mail records the verification, reset and notice mails (nil: none).
	Mail   *kmail.Outbox
	Now    func() time.Time
	Logger *slog.Logger
	// OnChange, if set, is called after this process changes an existing user
	// (name, roles, suspension), so read models can follow at once.
	OnChange func(User)
	// OnActivityWritten, if set, is called with the activity each
	// FlushActivity wrote (user -> time), for copies kept elsewhere (such as
	// memberships, listed by activity). An error keeps the activity for the
	// next flush.
	OnActivityWritten func(context.Context, map[bson.ObjectID]time.Time) error
}

// Service is the accounts domain.
type Service struct {
	db          *mongodb.DB
	users       *mongodb.Collection
	tokens      *mongodb.Collection // refresh tokens, by hash
	tokenUses   *mongodb.Collection // one document per used refresh token: arbitrates rotation
	revocations *mongodb.Collection // one document per revoked token family
	formers     *mongodb.Collection // ids standing for deleted members (see erasure.go)
	erased      *mongodb.Collection // hashes of deleted accounts' ids
	formerIDs   formers
	erasedMark  ErasedMark // how far SyncDirectory has read erased accounts
	// Single-use e-mail tokens (verification, password reset), by hash, and
	// one document per use (arbitrates the single use).
	emailTokens    *mongodb.Collection
	emailTokenUses *mongodb.Collection
	mail           *kmail.Outbox
	signer         *tokenSigner
	adminEmails    map[string]bool
	now            func() time.Time
	log            *slog.Logger
	dummyHash      string // verified against when the e-mail is unknown, to equalize timing
	directory      directory
	revoked        revokedSessions // sessions ended within the access-token lifetime
	onChange       func(User)
	onActivity     func(context.Context, map[bson.ObjectID]time.Time) error
	activity       activity
}

// Collection names.
const (
	colUsers       = "users"
	colTokens      = "refresh_tokens"
	colTokenUses   = "refresh_token_uses"
	colRevocations = "session_revocations"
)

// New returns the service, creating its indexes.
func New(ctx context.Context, db *mongodb.DB, cfg Config) (*Service, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	signer, err := newTokenSigner(cfg.JWTSecret, now)
	if err != nil {
		return nil, err
	}
	dummy, err := hashPassword(rand.Text())
	if err != nil {
		return nil, err
	}
	s := &Service{
		db:             db,
		users:          db.Collection(colUsers),
		tokens:         db.Collection(colTokens),
		tokenUses:      db.Collection(colTokenUses),
		revocations:    db.Collection(colRevocations),
		formers:        db.Collection(colFormers),
		erased:         db.Collection(colErased),
		emailTokens:    db.Collection(colEmailTokens),
		emailTokenUses: db.Collection(colEmailTokenUses),
		mail:           cfg.Mail,
		signer:         signer,
		adminEmails:    map[string]bool{},
		now:            func() time.Time { return now().UTC().Truncate(time.Millisecond) },
		log:            cfg.Logger,
		dummyHash:      dummy,
		directory:      directory{m: map[bson.ObjectID]principalState{}},
		onChange:       cfg.OnChange,
		onActivity:     cfg.OnActivityWritten,
		activity:       newActivity(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, e := range cfg.AdminEmails {
		if e = normalizeEmail(e); e != "" {
			s.adminEmails[e] = true
		}
	}
	if err := s.users.EnsureIndexes(ctx,
		mongodb.UniqueIndex("email").Named("email_unique"),
		mongodb.Index("updatedAt").Times("updatedAt"),
		mongodb.Index("roles").OnArrays(),
	); err != nil {
		return nil, err
	}
	if err := s.tokens.EnsureIndexes(ctx,
		mongodb.Index("userId"),
		mongodb.Index("expiresAt").Times("expiresAt"),
	); err != nil {
		return nil, err
	}
	if err := s.revocations.EnsureIndexes(ctx, mongodb.Index("userId")); err != nil {
		return nil, err
	}
	for _, c := range []*mongodb.Collection{s.tokenUses, s.revocations, s.erased} {
		if err := c.EnsureIndexes(ctx, mongodb.Index("at").Times("at")); err != nil {
			return nil, err
		}
	}
	s.erasedMark.Saw(s.now()) // the directory starts empty
	if err := s.ensureEmailIndexes(ctx); err != nil {
		return nil, err
	}
	if err := s.grandfatherVerified(ctx); err != nil {
		return nil, err
	}
	// Sessions revoked before a restart still refuse their access tokens.
	if err := s.loadRevocations(ctx, s.now().Add(-AccessTokenTTL)); err != nil {
		return nil, err
	}
	return s, nil
}

// RegisterInput is a sign-up request.
type RegisterInput struct {
	Email       string
	Password    string
	DisplayName string
	Roles       []Role // subset of founder, mentor
	Locale      string // ja (default) or en
	// Verified creates the account with its address already proven, and
	// sends no verification mail: for in-process seeding (the demo) only;
	// the HTTP layer never sets it.
	Verified bool
}

// Register creates an account and signs it in.
func (s *Service) Register(ctx context.Context, in RegisterInput) (User, TokenPair, error) {
	var v apperr.Validation
	email := normalizeEmail(in.Email)
	checkEmail(&v, "email", email)
	checkPassword(&v, "password", in.Password, email)
	name := canonicalName(in.DisplayName)
	checkDisplayName(&v, "displayName", name)
	roles := make([]Role, 0, len(in.Roles)+1)
	for _, r := range in.Roles {
		if r != RoleFounder && r != RoleMentor {
			v.Add("roles", `each role must be "founder" or "mentor"`)
			break
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	locale := in.Locale
	if locale == "" {
		locale = LocaleJa
	}
	checkLocale(&v, "locale", locale)
	if err := v.Err(); err != nil {
		return User{}, TokenPair{}, err
	}
	// A listed admin address gets the role once verified (see VerifyEmail),
	// not by being the first to register it.
	slices.Sort(roles)

	hash, err := hashPassword(in.Password)
	if err != nil {
		return User{}, TokenPair{}, err
	}
	now := s.now()
	u := User{
		ID:            bson.NewObjectID(),
		Email:         email,
		PasswordHash:  hash,
		DisplayName:   name,
		Roles:         roles,
		Locale:        locale,
		Preferences:   Preferences{Invitations: true, Reminders: true},
		EmailVerified: in.Verified,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	if in.Verified {
		u.EmailVerifiedAt = &now
	}
	// The unique index on email arbitrates concurrent sign-ups.
	if _, err := s.users.InsertOne(ctx, u); err != nil {
		if mongodb.IsDuplicateKey(err) {
			return s.retriedSignUp(ctx, email, in.Password)
		}
		return User{}, TokenPair{}, fmt.Errorf("insert user: %w", err)
	}
	s.rememberAddress(ctx, u)
	s.remember(u)
	if u.EmailVerified {
		if s.adminEmails[email] {
			if u, err = s.changeRole(ctx, u.ID, RoleAdmin, true); err != nil {
				return User{}, TokenPair{}, err
			}
		}
	} else if err := s.sendVerification(ctx, u, "verify:"+u.ID.Hex()+":signup"); err != nil {
		// Recorded before the answer: an acknowledged sign-up has its mail.
		return User{}, TokenPair{}, err
	}
	pair, err := s.startSession(ctx, u)
	return u, pair, err
}

// signUpRetryWindow is how long after an account was created a sign-up with
// its e-mail and password answers as the sign-up did, with new tokens.
const signUpRetryWindow = 15 * time.Minute

// retriedSignUp answers a sign-up whose e-mail is taken. When the account was
// created moments ago with the same password, this is the same person
// retrying a sign-up whose answer they never got (the account was written,
// then the tokens could not be: a full disk, a lost connection), so they get
// the account and a session, as a sign-in would give them. Anyone else gets
// email_taken. The password check costs what a sign-in costs, and tells
// nothing a sign-in would not.
func (s *Service) retriedSignUp(ctx context.Context, email, password string) (User, TokenPair, error) {
	var u User
	if err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: email}}).Decode(&u); err != nil {
		if mongodb.IsNotFound(err) {
			return User{}, TokenPair{}, ErrEmailTaken // deleted meanwhile
		}
		return User{}, TokenPair{}, fmt.Errorf("find user: %w", err)
	}
	if s.now().Sub(u.CreatedAt) > signUpRetryWindow || u.Suspended || u.Deleting {
		return User{}, TokenPair{}, ErrEmailTaken
	}
	if ok, err := verifyPassword(u.PasswordHash, password); err != nil || !ok {
		return User{}, TokenPair{}, ErrEmailTaken
	}
	s.remember(u)
	if !u.EmailVerified {
		// The first attempt may have ended before its mail was recorded;
		// the key makes this a no-op when it was.
		if err := s.sendVerification(ctx, u, "verify:"+u.ID.Hex()+":signup"); err != nil {
			return User{}, TokenPair{}, err
		}
	}
	pair, err := s.startSession(ctx, u)
	return u, pair, err
}

// Login signs a user in with e-mail and password.
func (s *Service) Login(ctx context.Context, email, password string) (User, TokenPair, error) {
	email = normalizeEmail(email)
	var u User
	err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: email}}).Decode(&u)
	switch {
	case mongodb.IsNotFound(err):
		// Same work as a wrong password, so timing does not reveal accounts.
		_, _ = verifyPassword(s.dummyHash, password)
		return User{}, TokenPair{}, ErrInvalidCredentials
	case err != nil:
		return User{}, TokenPair{}, fmt.Errorf("find user: %w", err)
	}
	ok, err := verifyPassword(u.PasswordHash, password)
	if err != nil {
		// An account without a usable hash (imported, or seeded for
		// benchmarks) cannot sign in; that is not the caller's fault to see.
		s.log.WarnContext(ctx, "unusable password hash", "userId", u.ID.Hex())
		return User{}, TokenPair{}, ErrInvalidCredentials
	}
	if !ok || u.Deleting {
		return User{}, TokenPair{}, ErrInvalidCredentials
	}
	if u.Suspended {
		return User{}, TokenPair{}, ErrSuspended
	}
	if s.adminEmails[email] && u.EmailVerified && !u.HasRole(RoleAdmin) {
		if u, err = s.changeRole(ctx, u.ID, RoleAdmin, true); err != nil {
			return User{}, TokenPair{}, err
		}
	}
	s.rememberAddress(ctx, u)
	s.remember(u)
	s.Touch(ctx, u.ID) // signing in is what ends a lapse
	pair, err := s.startSession(ctx, u)
	return u, pair, err
}

// refreshToken is a stored refresh token. Tokens of one sign-in share a family;
// reuse of a rotated token revokes the family.
type refreshToken struct {
	Hash      string        `bson:"_id"`
	FamilyID  string        `bson:"familyId"`
	UserID    bson.ObjectID `bson:"userId"`
	IssuedAt  time.Time     `bson:"issuedAt"`
	ExpiresAt time.Time     `bson:"expiresAt"`
	// Who asked for it, so the owner can tell their sessions apart.
	UserAgent string `bson:"userAgent,omitempty"`
	Address   string `bson:"address,omitempty"`
}

func (s *Service) startSession(ctx context.Context, u User) (TokenPair, error) {
	return s.issue(ctx, u, randomToken(16))
}

func (s *Service) issue(ctx context.Context, u User, familyID string) (TokenPair, error) {
	now := s.now()
	raw := randomToken(32)
	client := clientOf(ctx)
	rt := refreshToken{
		Hash:      hashRefreshToken(raw),
		FamilyID:  familyID,
		UserID:    u.ID,
		IssuedAt:  now,
		ExpiresAt: now.Add(RefreshTokenTTL),
		UserAgent: client.UserAgent,
		Address:   client.Address,
	}
	if _, err := s.tokens.InsertOne(ctx, rt); err != nil {
		return TokenPair{}, fmt.Errorf("insert refresh token: %w", err)
	}
	access, exp, err := s.signer.sign(u.ID, u.Roles, familyID, now)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, AccessExpiresAt: exp, RefreshToken: raw, RefreshExpiresAt: rt.ExpiresAt}, nil
}

// Refresh rotates a refresh token: it returns a new pair and the presented
// token is dead. Presenting a token that was already rotated revokes its whole
// family, since either the client or a thief is replaying it.
func (s *Service) Refresh(ctx context.Context, raw string) (TokenPair, error) {
	rt, err := s.findRefreshToken(ctx, raw)
	if err != nil {
		return TokenPair{}, err
	}
	// Exactly one use per token, arbitrated by the unique _id of the use record.
	_, err = s.tokenUses.InsertOne(ctx, bson.D{{Key: "_id", Value: rt.Hash}, {Key: "at", Value: s.now()}})
	if mongodb.IsDuplicateKey(err) {
		if err := s.revokeFamily(ctx, rt.FamilyID, rt.UserID, "reuse"); err != nil {
			return TokenPair{}, err
		}
		s.log.WarnContext(ctx, "refresh token reused; family revoked", "userId", rt.UserID.Hex())
		return TokenPair{}, ErrRefreshTokenReused
	}
	if err != nil {
		return TokenPair{}, fmt.Errorf("record refresh token use: %w", err)
	}
	u, err := s.Get(ctx, rt.UserID)
	if err != nil {
		return TokenPair{}, err
	}
	if u.Suspended {
		return TokenPair{}, ErrSuspended
	}
	if u.Deleting || u.Former {
		return TokenPair{}, ErrInvalidRefreshToken
	}
	return s.issue(ctx, u, rt.FamilyID)
}

// Logout revokes the family of the presented refresh token. Unknown or already
// revoked tokens are not an error: the session is gone either way.
func (s *Service) Logout(ctx context.Context, raw string) error {
	var rt refreshToken
	err := s.tokens.FindOne(ctx, bson.D{{Key: "_id", Value: hashRefreshToken(raw)}}).Decode(&rt)
	if mongodb.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find refresh token: %w", err)
	}
	return s.revokeFamily(ctx, rt.FamilyID, rt.UserID, "logout")
}

func (s *Service) findRefreshToken(ctx context.Context, raw string) (refreshToken, error) {
	if raw == "" || len(raw) > 256 {
		return refreshToken{}, ErrInvalidRefreshToken
	}
	var rt refreshToken
	err := s.tokens.FindOne(ctx, bson.D{{Key: "_id", Value: hashRefreshToken(raw)}}).Decode(&rt)
	if mongodb.IsNotFound(err) {
		return refreshToken{}, ErrInvalidRefreshToken
	}
	if err != nil {
		return refreshToken{}, fmt.Errorf("find refresh token: %w", err)
	}
	if !s.now().Before(rt.ExpiresAt) {
		return refreshToken{}, ErrInvalidRefreshToken
	}
	n, err := s.revocations.CountDocuments(ctx, bson.D{{Key: "_id", Value: rt.FamilyID}})
	if err != nil {
		return refreshToken{}, fmt.Errorf("check revocation: %w", err)
	}
	if n > 0 {
		return refreshToken{}, ErrInvalidRefreshToken
	}
	return rt, nil
}

// revokeFamily records the revocation; revoking twice is a no-op.
func (s *Service) revokeFamily(ctx context.Context, familyID string, userID bson.ObjectID, reason string) error {
	now := s.now()
	_, err := s.revocations.InsertOne(ctx, bson.D{
		{Key: "_id", Value: familyID}, {Key: "userId", Value: userID},
		{Key: "reason", Value: reason}, {Key: "at", Value: now},
	})
	if err != nil && !mongodb.IsDuplicateKey(err) {
		return fmt.Errorf("revoke session: %w", err)
	}
	s.revoked.add(familyID, now) // its access tokens stop at once
	return nil
}

// revokeOtherSessions revokes every active session of the user but keep.
func (s *Service) revokeOtherSessions(ctx context.Context, userID bson.ObjectID, keep, reason string) error {
	sessions, err := s.Sessions(ctx, Principal{UserID: userID})
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		if ss.ID == keep {
			continue
		}
		if err := s.revokeFamily(ctx, ss.ID, userID, reason); err != nil {
			return err
		}
	}
	return nil
}

// ChangePassword replaces the caller's password and signs out every other
// session (their refresh and access tokens stop working at once).
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	unlock := s.db.Lock(colUsers, p.UserID)
	defer unlock()
	u, err := s.load(ctx, p.UserID)
	if err != nil {
		return err
	}
	ok, err := verifyPassword(u.PasswordHash, current)
	if err != nil {
		return err
	}
	var v apperr.Validation
	if !ok {
		v.Add("currentPassword", "does not match your password")
	}
	checkPassword(&v, "newPassword", next, u.Email)
	if !v.Has("newPassword") && next == current {
		v.Add("newPassword", "must differ from the current password")
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := hashPassword(next)
	if err != nil {
		return err
	}
	now := s.now()
	_, err = s.users.UpdateByID(ctx, u.ID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "passwordHash", Value: hash}, {Key: "updatedAt", Value: now},
	}}})
	if err != nil {
		return fmt.Errorf("update password: %w", err)
	}
	u.PasswordHash, u.UpdatedAt = hash, now
	s.remember(u)
	return s.revokeOtherSessions(ctx, u.ID, p.SessionID, "password_changed")
}

// Empty reports whether there are no accounts at all (the demo seeds only then).
func (s *Service) Empty(ctx context.Context) (bool, error) {
	n, err := s.users.CountDocuments(ctx, bson.D{}, options.Count().SetLimit(1))
	return n == 0, err
}

// Get returns a user by id, without the password hash. It is served from the
// directory when the user is there (every signed-in caller is), so a
// request's own account costs no database read: on the embedded server every
// read scans the whole collection.
func (s *Service) Get(ctx context.Context, id bson.ObjectID) (User, error) {
	if st, ok := s.directory.get(id); ok {
		return st.user.clone(), nil
	}
	u, err := s.load(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		if former, ferr := s.isFormer(ctx, id); ferr != nil || former {
			return formerMember(id), ferr
		}
	}
	if err != nil {
		return User{}, err
	}
	s.remember(u)
	u.PasswordHash = ""
	return u, nil
}

// load reads a user, with the password hash, from the database.
func (s *Service) load(ctx context.Context, id bson.ObjectID) (User, error) {
	var u User
	err := s.users.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&u)
	if mongodb.IsNotFound(err) {
		return User{}, apperr.NotFoundf("no user with id %s", id.Hex())
	}
	if err != nil {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// GetMany returns the users with the given ids that exist, keyed by id,
// without password hashes; the directory answers for those it holds.
func (s *Service) GetMany(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]User, error) {
	out := make(map[bson.ObjectID]User, len(ids))
	var missing []bson.ObjectID
	for _, id := range ids {
		if st, ok := s.directory.get(id); ok {
			out[id] = st.user.clone()
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	cur, err := s.users.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: missing}}}},
		options.Find().SetProjection(bson.D{{Key: "passwordHash", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	var users []User
	if err := cur.All(ctx, &users); err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	for _, u := range users {
		s.withActivity(&u)
		out[u.ID] = u
	}
	// Deleted members others still see (in a mentorship, a post).
	for _, id := range missing {
		if _, ok := out[id]; ok {
			continue
		}
		former, err := s.isFormer(ctx, id)
		if err != nil {
			return nil, err
		}
		if former {
			out[id] = formerMember(id)
		}
	}
	return out, nil
}

// UpdateInput changes the caller's own account; nil fields stay as they are.
type UpdateInput struct {
	DisplayName *string
	Locale      *string
	Phone       *string // "" removes the phone number
	Invitations *bool
	Reminders   *bool
}

// Update applies in to the user's account.
func (s *Service) Update(ctx context.Context, id bson.ObjectID, in UpdateInput) (User, error) {
	var v apperr.Validation
	set := bson.D{}
	if in.DisplayName != nil {
		name := canonicalName(*in.DisplayName)
		checkDisplayName(&v, "displayName", name)
		set = append(set, bson.E{Key: "displayName", Value: name})
	}
	if in.Locale != nil {
		checkLocale(&v, "locale", *in.Locale)
		set = append(set, bson.E{Key: "locale", Value: *in.Locale})
	}
	if in.Phone != nil {
		phone := strings.TrimSpace(*in.Phone)
		if phone != "" {
			checkPhone(&v, "phone", phone)
		}
		set = append(set, bson.E{Key: "phone", Value: phone})
	}
	if in.Invitations != nil {
		set = append(set, bson.E{Key: "preferences.invitations", Value: *in.Invitations})
	}
	if in.Reminders != nil {
		set = append(set, bson.E{Key: "preferences.reminders", Value: *in.Reminders})
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	if len(set) == 0 {
		return s.Get(ctx, id)
	}
	set = append(set, bson.E{Key: "updatedAt", Value: s.now()})
	return s.update(ctx, id, bson.D{{Key: "$set", Value: set}})
}

// update applies an update to one user under its write lock and returns the
// new document.
func (s *Service) update(ctx context.Context, id bson.ObjectID, update bson.D) (User, error) {
	unlock := s.db.Lock(colUsers, id)
	defer unlock()
	var u User
	err := s.users.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&u)
	if mongodb.IsNotFound(err) {
		return User{}, apperr.NotFoundf("no user with id %s", id.Hex())
	}
	if err != nil {
		return User{}, fmt.Errorf("update user: %w", err)
	}
	s.remember(u)
	if s.onChange != nil {
		s.onChange(u)
	}
	return u, nil
}

// Authenticate verifies an access token and returns the caller with the roles
// and status they hold now (not when the token was issued), so a suspension or
// a revoked role takes effect at once.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	claims, err := s.signer.verify(accessToken)
	if err != nil {
		return Principal{}, apperr.ErrUnauthenticated
	}
	id, ok := ids.Parse(claims.Subject)
	if !ok {
		return Principal{}, apperr.ErrUnauthenticated
	}
	st, ok := s.directory.get(id)
	if !ok {
		u, err := s.Get(ctx, id)
		if apperr.KindOf(err) == apperr.NotFound || (err == nil && u.Former) {
			return Principal{}, apperr.ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, err
		}
		st = s.remember(u)
	}
	if st.deleting {
		return Principal{}, ErrSessionEnded // the account is being deleted
	}
	if st.suspended {
		return Principal{}, ErrSuspended
	}
	if claims.SessionID != "" && s.revoked.has(claims.SessionID) {
		return Principal{}, ErrSessionEnded
	}
	return Principal{UserID: id, Roles: st.roles, Locale: st.locale, SessionID: claims.SessionID, EmailVerified: st.user.EmailVerified}, nil
}

// SyncDirectory reloads users changed since the last sync. It re-reads a short
// overlap so that writes stamped by a slightly slower clock are not missed.
func (s *Service) SyncDirectory(ctx context.Context) error {
	since := s.directory.watermark().Add(-30 * time.Second)
	users, err := s.ChangedSince(ctx, since)
	if err != nil {
		return err
	}
	// Other instances' logouts; the overlap re-reads a few, harmlessly.
	from := s.now().Add(-AccessTokenTTL)
	if since.After(from) {
		from = since
	}
	if err := s.loadRevocations(ctx, from); err != nil {
		return err
	}
	for _, u := range users {
		s.remember(u)
	}
	// Accounts deleted through other instances (their documents are gone).
	erased, latest, err := s.ErasedSince(ctx, s.erasedMark.Since())
	if err != nil {
		return err
	}
	s.forgetErased(erased)
	s.erasedMark.Saw(latest)
	return nil
}

// Badge is what others see of an account beside a profile: the name, and
// whether it is suspended.
type Badge struct {
	ID          bson.ObjectID `bson:"_id"`
	DisplayName string        `bson:"displayName"`
	Suspended   bool          `bson:"suspended"`
	// EmailVerified: unverified mentors are not listed.
	EmailVerified bool `bson:"emailVerified"`
}

// EachBadgeWithRole calls fn with the badge of every user holding role, one
// at a time as they are read (reading only those fields, for bulk loads).
func (s *Service) EachBadgeWithRole(ctx context.Context, role Role, fn func(Badge)) error {
	err := s.users.Each(ctx, bson.D{{Key: "roles", Value: role}}, func(raw bson.Raw) error {
		var b Badge
		if err := bson.Unmarshal(raw, &b); err != nil {
			return err
		}
		fn(b)
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "displayName", Value: 1}, {Key: "suspended", Value: 1}, {Key: "roles", Value: 1}, {Key: "emailVerified", Value: 1}}))
	if err != nil {
		return fmt.Errorf("find users by role: %w", err)
	}
	return nil
}

// ChangedSince returns the users updated at or after t, without password hashes.
func (s *Service) ChangedSince(ctx context.Context, t time.Time) ([]User, error) {
	cur, err := s.users.Find(ctx, bson.D{{Key: "updatedAt", Value: bson.D{{Key: "$gte", Value: t}}}},
		options.Find().SetProjection(bson.D{{Key: "passwordHash", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("find changed users: %w", err)
	}
	var users []User
	if err := cur.All(ctx, &users); err != nil {
		return nil, fmt.Errorf("find changed users: %w", err)
	}
	return users, nil
}

// directory caches each user who made a request (without the password hash),
// so an authenticated request costs no database read. Every write of a user
// through this Service puts the new state; on MongoDB, SyncDirectory brings
// in the writes of other instances.
type directory struct {
	mu     sync.RWMutex
	m      map[bson.ObjectID]principalState
	latest time.Time
}

type principalState struct {
	roles     []Role
	locale    string
	suspended bool
	deleting  bool
	updatedAt time.Time
	user      User
}

// clone copies u so the caller may change it without touching the cache.
func (u User) clone() User {
	u.Roles = slices.Clone(u.Roles)
	return u
}

func (d *directory) get(id bson.ObjectID) (principalState, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	st, ok := d.m[id]
	return st, ok
}

// put records u unless a newer state is already known.
func (d *directory) put(u User) principalState {
	u = u.clone()
	u.PasswordHash = ""
	st := principalState{roles: u.Roles, locale: u.Locale, suspended: u.Suspended, deleting: u.Deleting, updatedAt: u.UpdatedAt, user: u}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.m[u.ID]; ok && old.updatedAt.After(st.updatedAt) {
		return old
	}
	d.m[u.ID] = st
	if st.updatedAt.After(d.latest) {
		d.latest = st.updatedAt
	}
	return st
}

// touch records activity at t in a cached user.
func (d *directory) touch(id bson.ObjectID, t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st, ok := d.m[id]; ok && t.After(st.user.LastActiveAt) {
		st.user.LastActiveAt = t
		d.m[id] = st
	}
}

func (d *directory) watermark() time.Time {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.latest
}

// NormalizeEmail is the form e-mails are stored and looked up in (trimmed,
// lower-cased): callers that key anything by e-mail use it too.
func NormalizeEmail(s string) string { return normalizeEmail(s) }

// normalizeEmail gives every spelling of an address one form: NFKC folds
// full-width letters and signs (ｆｏｏ＠example.jp, typed with a Japanese IME)
// into ASCII, then case and surrounding space go.
func normalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

func checkEmail(v *apperr.Validation, field, email string) {
	if email == "" {
		v.Add(field, "is required")
		return
	}
	addr, err := mail.ParseAddress(email)
	ok := err == nil && addr.Address == email && len(email) <= 254
	if ok {
		at := strings.LastIndexByte(email, '@')
		ok = at > 0 && strings.Contains(email[at+1:], ".")
	}
	v.Check(ok, field, "must be a valid e-mail address")
}

func checkDisplayName(v *apperr.Validation, field, name string) {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		v.Add(field, "is required")
	case n > 50:
		v.Add(field, "must be at most 50 characters")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add(field, "must not contain control characters")
	case strings.IndexFunc(name, isHiddenFormat) >= 0:
		v.Add(field, "must not contain invisible formatting characters (zero-width spaces, direction overrides)")
	case strings.IndexFunc(name, isVisible) < 0:
		v.Add(field, "must contain a visible character")
	}
}

// canonicalName is the stored form of a display name: NFC, so one name is
// one sequence of code points however it was typed, without surrounding
// space.
func canonicalName(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// isHiddenFormat reports the format characters (Unicode Cf) that hide or
// reorder text: a name of zero-width spaces, or one that a right-to-left
// override shows reversed, impersonates. The zero-width joiner stays: emoji
// sequences (family, flags of professions) need it.
func isHiddenFormat(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != '\u200d'
}

// isVisible reports a character that shows as something.
func isVisible(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

func checkLocale(v *apperr.Validation, field, locale string) {
	v.Check(locale == LocaleJa || locale == LocaleEn, field, `must be "ja" or "en"`)
}

// checkPhone accepts Japanese and international numbers: digits with optional
// leading +, spaces and hyphens, 10 to 15 digits.
func checkPhone(v *apperr.Validation, field, phone string) {
	digits := 0
	ok := len(phone) <= 24
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == '-' || r == ' ':
		default:
			ok = false
		}
	}
	v.Check(ok && digits >= 10 && digits <= 15, field, "must be a phone number of 10 to 15 digits, e.g. 090-1234-5678 or +81 90 1234 5678")
}
