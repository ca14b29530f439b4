// Package accounts owns users, their credentials and their sessions: sign-up,
// sign-in, rotated refresh tokens, access-token verification and the roles a
// user holds.
//
// Error contract (codes of *apperr.Error): validation_failed, email_taken,
// invalid_credentials, invalid_refresh_token, refresh_token_reused,
// session_ended, account_suspended, unauthenticated, not_found, forbidden,
// cannot_suspend_self, role_not_grantable, role_not_self_service,
// email_already_verified, invalid_token (e-mail and unsubscribe links).
// email_unverified is defined here for the packages whose actions need a
// confirmed address.
package accounts

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/apperr"
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

// UsersCollection names the collection of User documents, for tools that
// seed accounts in bulk without the service (see benchdata).
const UsersCollection = colUsers

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
		directory:      newDirectory(),
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
	u, err := mongodb.FindOne[User](ctx, s.users, bson.D{{Key: "email", Value: email}}, ErrEmailTaken) // not found: deleted meanwhile
	if err != nil {
		return User{}, TokenPair{}, err
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
	if err := s.revokeOtherSessions(ctx, u.ID, p.SessionID, "password_changed"); err != nil {
		return err
	}
	// The owner is told at their proven address, in case it was not them.
	if !u.EmailVerified {
		return nil
	}
	return s.notifyPasswordChanged(ctx, u, "pwchanged-me:"+u.ID.Hex()+":"+now.Format(time.RFC3339Nano), true)
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
	return mongodb.FindByID[User](ctx, s.users, id, "user")
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
