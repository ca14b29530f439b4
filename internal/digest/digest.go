// Package digest is the monthly mail to lapsed community members: at most
// three low-hurdle offers chosen for each (upcoming short, free or online
// events near them; mentors new since they were last here for the topics
// they once asked about), a one-click "still interested?" that marks them
// active again, and a one-click "leave, and we will not write again".
//
// It runs once per JST month (a lease-guarded job, see package jobs). What
// was sent is recorded per member and month in digest_sends, whose _id
// (member and month) is unique: a second run in the month, on this or
// another instance, or after a restart, sends nothing twice. Digests stop
// after three sent since the member's last activity (any activity, or the
// "still interested" answer, starts the count again) and never go to
// someone whose digest preference is off (the unsubscribe link turns it
// off). The answer links carry a signed, expiring token naming the member
// and the digest, and work once: the answer is recorded under the digest's
// id in digest_answers, unique too.
//
// Error contract (codes of *apperr.Error): invalid_token, not_found,
// forbidden. This package never imports Gin.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/ids"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Collections.
const (
	colSends   = "digest_sends"
	colAnswers = "digest_answers"
)

// LinkTTL is how long the answer links of a digest work.
const LinkTTL = 60 * 24 * time.Hour

// Answers.
const (
	AnswerStillInterested = "still_interested"
	AnswerLeave           = "leave"
)

// Send records one digest sent.
type Send struct {
	ID           string          `bson:"_id"` // <user id>:<JST month>
	UserID       bson.ObjectID   `bson:"userId"`
	Month        string          `bson:"month"`
	SentAt       time.Time       `bson:"sentAt"`
	CommunityIDs []bson.ObjectID `bson:"communityIds"`
	Offers       []SentOffer     `bson:"offers"`
	Subject      string          `bson:"subject"`
}

// SentOffer is what a digest offered.
type SentOffer struct {
	Kind string        `bson:"kind"`
	ID   bson.ObjectID `bson:"id"`
}

// answer records the one answer to a digest.
type answer struct {
	ID     string        `bson:"_id"` // the Send's id
	UserID bson.ObjectID `bson:"userId"`
	Answer string        `bson:"answer"`
	At     time.Time     `bson:"at"`
}

// Deps are what the digest reads and writes through.
type Deps struct {
	DB          *mongodb.DB
	Accounts    *accounts.Service
	Community   *community.Service
	Profiles    *profiles.Service
	Mentorships *mentorships.Service
	Index       *search.Index
	Topics      *topics.Taxonomy
	Areas       *areas.Catalog
	Mail        *mail.Outbox
	// LapsedDays: members inactive this long are lapsed (KIZUNA_LAPSED_DAYS).
	LapsedDays int
	Now        func() time.Time
	Logger     *slog.Logger
}

// Service composes, sends and answers digests.
type Service struct {
	d       Deps
	sends   *mongodb.Collection
	answers *mongodb.Collection
	lapsed  time.Duration
	now     func() time.Time
	log     *slog.Logger
}

// New returns the service, creating its indexes.
func New(ctx context.Context, d Deps) (*Service, error) {
	s := &Service{d: d, sends: d.DB.Collection(colSends), answers: d.DB.Collection(colAnswers),
		lapsed: time.Duration(d.LapsedDays) * 24 * time.Hour, now: d.Now, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.sends.EnsureIndexes(ctx, mongodb.Index("userId")); err != nil {
		return nil, err
	}
	if err := s.answers.EnsureIndexes(ctx, mongodb.Index("userId")); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Draft is a member's digest as it would be sent now.
type Draft struct {
	UserID          bson.ObjectID
	Month           string
	Locale          string
	Lapsed          bool
	LastActiveAt    time.Time
	SentSinceActive int
	// SkipReason is why it would not be sent ("" when it would).
	SkipReason  string
	Subject     string
	Communities []community.Community
	Offers      []Offer
}

// candidates are what every digest of one run chooses from.
type candidates struct {
	events  []Event
	mentors []Mentor
}

// load reads the upcoming events and the mentors listed since `since`.
func (s *Service) load(ctx context.Context, now, since time.Time) (candidates, error) {
	evs, err := s.d.Community.UpcomingEvents(ctx, now, now.Add(EventWindow))
	if err != nil {
		return candidates{}, err
	}
	var c candidates
	for _, e := range evs {
		going, err := s.d.Community.GoingCount(ctx, e.ID)
		if err != nil {
			return candidates{}, err
		}
		ev := Event{ID: e.ID, CommunityID: e.CommunityID, Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Online: e.Online,
			Free: slices.Contains(e.Tags, community.TagFree), Beginner: slices.Contains(e.Tags, community.TagBeginner),
			ShortTagged: slices.Contains(e.Tags, community.TagShort), Full: going >= e.Capacity}
		if e.Venue != nil && !e.Online {
			p := e.Venue.Point
			ev.Venue = &p
			ev.PlaceJa, ev.PlaceEn = s.placeNames(e.Venue.MunicipalityCode)
		}
		c.events = append(c.events, ev)
	}
	listed, err := s.d.Profiles.MentorsSince(ctx, since)
	if err != nil {
		return candidates{}, err
	}
	for id, at := range listed {
		m, ok := s.d.Index.Listed(id)
		if !ok || !m.Accepting {
			continue
		}
		mt := Mentor{ID: id, Name: m.DisplayName, Topics: m.Topics, Point: m.Point, TravelKm: m.TravelKm,
			Remote: m.Modes.Remote(), Free: m.Free(), ListedAt: at, TopicsJa: map[string]string{}, TopicsEn: map[string]string{}}
		mt.PlaceJa, mt.PlaceEn = s.placeNames(m.MunicipalityCode)
		for _, t := range m.Topics {
			if tp, ok := s.d.Topics.Get(t); ok {
				mt.TopicsJa[t], mt.TopicsEn[t] = tp.Ja, tp.En
			}
		}
		c.mentors = append(c.mentors, mt)
	}
	return c, nil
}

func (s *Service) placeNames(code string) (string, string) {
	m, ok := s.d.Areas.Municipality(code)
	if !ok {
		return code, code
	}
	return m.NameJa, m.NameEn
}

// member builds what the choice knows of u.
func (s *Service) member(ctx context.Context, u accounts.User, communityIDs []bson.ObjectID) (Member, error) {
	m := Member{UserID: u.ID, ActiveAt: u.ActiveAt(), Communities: communityIDs, Remote: true}
	rs, err := s.d.Mentorships.RequestsBy(ctx, u.ID)
	if err != nil {
		return Member{}, err
	}
	for i, r := range rs {
		if i == 0 {
			m.Point, m.HasPoint = r.Location.Point, true
			m.ReachKm = float64(r.RadiusKm)
			m.Remote = len(r.Modes) == 0 || slices.Contains(r.Modes, "online") || slices.Contains(r.Modes, "phone")
		}
		for _, t := range r.Topics {
			if !slices.Contains(m.Topics, t) {
				m.Topics = append(m.Topics, t)
			}
		}
	}
	if b, ok := s.d.Profiles.Founder(u.ID); ok {
		if !m.HasPoint {
			m.Point, m.HasPoint = b.Location.Point, true
		}
		if len(m.Topics) == 0 {
			m.Topics = slices.Clone(b.TopicsNeeded)
		}
	}
	if !m.HasPoint {
		if mt, ok := s.d.Index.Get(u.ID); ok {
			m.Point, m.HasPoint = mt.Point, true
		}
	}
	return m, nil
}

// draft composes u's digest from the candidates; sent are u's digests
// (any order).
func (s *Service) draft(ctx context.Context, u accounts.User, ms []community.Membership, c candidates, sent []Send, now time.Time) (Draft, error) {
	month := Month(now)
	d := Draft{UserID: u.ID, Month: month, Locale: u.Locale, LastActiveAt: u.ActiveAt(), Lapsed: u.ActiveAt().Before(now.Add(-s.lapsed))}
	thisMonth := false
	for _, sd := range sent {
		if sd.SentAt.After(d.LastActiveAt) {
			d.SentSinceActive++
		}
		thisMonth = thisMonth || sd.Month == month
	}
	var communityIDs []bson.ObjectID
	for _, m := range ms {
		cm, err := s.d.Community.Get(ctx, m.CommunityID)
		if err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				continue
			}
			return Draft{}, err
		}
		d.Communities = append(d.Communities, cm)
		communityIDs = append(communityIDs, cm.ID)
	}
	m, err := s.member(ctx, u, communityIDs)
	if err != nil {
		return Draft{}, err
	}
	var theirs []bson.ObjectID // the events of their communities
	for _, e := range c.events {
		if slices.Contains(communityIDs, e.CommunityID) {
			theirs = append(theirs, e.ID)
		}
	}
	if m.Answered, err = s.d.Community.Answered(ctx, u.ID, theirs); err != nil {
		return Draft{}, err
	}
	d.Offers = Choose(m, c.events, c.mentors, now)
	d.SkipReason = SkipReason(State{
		Lapsed: d.Lapsed, Member: len(d.Communities) > 0, DigestOn: u.MailPreferences.DigestFrequency() == accounts.DigestMonthly,
		Verified: u.EmailVerified, Suspended: u.Suspended || u.Deleting,
		SentSinceActive: d.SentSinceActive, SentThisMonth: thisMonth, Offers: len(d.Offers),
	})
	if len(d.Communities) > 0 {
		d.Subject = subject(u.Locale, d.Communities, len(d.Offers))
	}
	return d, nil
}

func subject(locale string, cs []community.Community, offers int) string {
	if locale == accounts.LocaleEn {
		return fmt.Sprintf("[Kizuna] It has been a while: %d easy ways back into %s", offers, cs[0].NameOrJa())
	}
	return fmt.Sprintf("【Kizuna】お久しぶりです。%sから気軽なご案内が%dつ", cs[0].Name, offers)
}

// ErrNotMember: the previewed person is not a member of the community.
var ErrNotMember = apperr.NotFoundf("no member with this id in this community")

// Preview returns a member's digest as it would be sent now: the caller's
// own (communityID zero), or, for the organizers of communityID (and
// admins), that of a member of it. It sends nothing and carries none of the
// member's links.
func (s *Service) Preview(ctx context.Context, p accounts.Principal, communityID, userID bson.ObjectID) (Draft, error) {
	if communityID.IsZero() {
		if userID != p.UserID {
			return Draft{}, apperr.New(apperr.Forbidden, "forbidden", "only your own digest")
		}
	} else {
		if _, err := s.d.Community.Organize(ctx, p, communityID); err != nil {
			return Draft{}, err
		}
		ok, err := s.d.Community.IsMember(ctx, communityID, userID)
		if err != nil {
			return Draft{}, err
		}
		if !ok {
			return Draft{}, ErrNotMember
		}
	}
	u, err := s.d.Accounts.Get(ctx, userID)
	if err != nil {
		return Draft{}, err
	}
	mine, err := s.d.Community.MyMemberships(ctx, userID)
	if err != nil {
		return Draft{}, err
	}
	ms := make([]community.Membership, 0, len(mine))
	for _, m := range mine {
		ms = append(ms, m)
	}
	sortMemberships(ms)
	now := s.clock()
	c, err := s.load(ctx, now, u.ActiveAt())
	if err != nil {
		return Draft{}, err
	}
	sent, err := s.ForUser(ctx, userID)
	if err != nil {
		return Draft{}, err
	}
	return s.draft(ctx, u, ms, c, sent, now)
}

// sortMemberships orders a member's communities oldest membership first
// (the first names the digest).
func sortMemberships(ms []community.Membership) {
	slices.SortFunc(ms, func(a, b community.Membership) int {
		if c := a.JoinedAt.Compare(b.JoinedAt); c != 0 {
			return c
		}
		return strings.Compare(a.CommunityID.Hex(), b.CommunityID.Hex())
	})
}

// Report counts what a run did.
type Report struct {
	Lapsed  int            // lapsed members looked at
	Sent    int            // digests recorded for sending
	Skipped map[string]int // by skip reason
}

// RunMonth sends this month's digest to every lapsed member who should get
// one. Safe to run again, anywhere: a member's digest of a month is sent
// once (see the package comment).
func (s *Service) RunMonth(ctx context.Context) (Report, error) {
	now := s.clock()
	rep := Report{Skipped: map[string]int{}}
	ms, err := s.d.Community.LapsedMemberships(ctx, now.Add(-s.lapsed))
	if err != nil {
		return rep, err
	}
	byUser := map[bson.ObjectID][]community.Membership{}
	var userIDs []bson.ObjectID
	for _, m := range ms {
		if _, ok := byUser[m.UserID]; !ok {
			userIDs = append(userIDs, m.UserID)
		}
		byUser[m.UserID] = append(byUser[m.UserID], m)
	}
	if len(userIDs) == 0 {
		return rep, nil
	}
	users, err := s.d.Accounts.GetMany(ctx, userIDs)
	if err != nil {
		return rep, err
	}
	since := now
	for _, u := range users {
		if u.ActiveAt().Before(since) {
			since = u.ActiveAt()
		}
	}
	c, err := s.load(ctx, now, since)
	if err != nil {
		return rep, err
	}
	sent, err := s.sentTo(ctx, userIDs)
	if err != nil {
		return rep, err
	}
	slices.SortFunc(userIDs, func(a, b bson.ObjectID) int { return strings.Compare(a.Hex(), b.Hex()) })
	for _, id := range userIDs {
		u, ok := users[id]
		if !ok {
			continue
		}
		// Memberships read above hold only lapsed ones; the digest names
		// every community the member is in.
		all, err := s.d.Community.MyMemberships(ctx, id)
		if err != nil {
			return rep, err
		}
		mine := make([]community.Membership, 0, len(all))
		for _, m := range all {
			mine = append(mine, m)
		}
		sortMemberships(mine)
		rep.Lapsed++
		d, err := s.draft(ctx, u, mine, c, sent[id], now)
		if err != nil {
			return rep, err
		}
		if d.SkipReason != "" {
			rep.Skipped[d.SkipReason]++
			continue
		}
		if err := s.send(ctx, u, d, now); err != nil {
			return rep, err
		}
		rep.Sent++
	}
	return rep, nil
}

// sentTo returns the digests sent to each of the users.
func (s *Service) sentTo(ctx context.Context, userIDs []bson.ObjectID) (map[bson.ObjectID][]Send, error) {
	cur, err := s.sends.Find(ctx, bson.D{{Key: "userId", Value: bson.D{{Key: "$in", Value: userIDs}}}})
	if err != nil {
		return nil, fmt.Errorf("find digests: %w", err)
	}
	var all []Send
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("find digests: %w", err)
	}
	out := map[bson.ObjectID][]Send{}
	for _, sd := range all {
		out[sd.UserID] = append(out[sd.UserID], sd)
	}
	return out, nil
}

func sendID(userID bson.ObjectID, month string) string { return userID.Hex() + ":" + month }

// send records the mail (its outbox key is the digest's id, so two runs
// record one mail), then the digest (a duplicate is the other run's record
// of the same mail).
func (s *Service) send(ctx context.Context, u accounts.User, d Draft, now time.Time) error {
	id := sendID(u.ID, d.Month)
	base := s.d.Mail.PublicURL()
	link := func(answer string) string { return s.AnswerToken(u.ID, d.Month, answer) }
	type offerView struct{ Title, Reason, Link, Label string }
	var offers []offerView
	var record []SentOffer
	for _, o := range d.Offers {
		v := offerView{Title: o.Title, Reason: o.ReasonJa, Label: "イベント"}
		if u.Locale == accounts.LocaleEn {
			v.Reason, v.Label = o.ReasonEn, "Event"
		}
		switch o.Kind {
		case KindEvent:
			v.Link = base + "/events/" + o.ID.Hex()
		case KindMentor:
			v.Link = base + "/mentors/" + o.ID.Hex()
			v.Label = "メンター"
			if u.Locale == accounts.LocaleEn {
				v.Label = "Mentor"
			}
		}
		offers = append(offers, v)
		record = append(record, SentOffer{Kind: o.Kind, ID: o.ID})
	}
	names := make([]string, len(d.Communities))
	ids := make([]bson.ObjectID, len(d.Communities))
	for i, c := range d.Communities {
		names[i], ids[i] = c.Name, c.ID
		if u.Locale == accounts.LocaleEn {
			names[i] = c.NameOrJa()
		}
	}
	sep, reason := "、", "コミュニティからの月に一度のお便り"
	if u.Locale == accounts.LocaleEn {
		sep, reason = ", ", "the monthly community digest"
	}
	notBefore, _ := u.MailPreferences.QuietUntil(now)
	_, err := s.d.Mail.Enqueue(ctx, mail.Input{
		Key: "digest:" + id, UserID: u.ID, To: u.Email, Locale: u.Locale, Kind: mail.KindDigest, NotBefore: notBefore,
		Unsubscribe: base + "/v1/mail/unsubscribe?token=" + s.d.Accounts.UnsubscribeToken(u.ID, accounts.MailDigest),
		Data: map[string]any{
			"Name": u.DisplayName, "Subject": d.Subject, "Reason": reason, "Communities": strings.Join(names, sep), "Offers": offers,
			"StillInterested": base + "/digest/answer?token=" + link(AnswerStillInterested),
			"Leave":           base + "/digest/answer?token=" + link(AnswerLeave),
		},
	})
	if err != nil {
		return err
	}
	_, err = s.sends.InsertOne(ctx, Send{ID: id, UserID: u.ID, Month: d.Month, SentAt: now, CommunityIDs: ids, Offers: record, Subject: d.Subject})
	if err != nil && !mongodb.IsDuplicateKey(err) {
		return fmt.Errorf("record digest: %w", err)
	}
	return nil
}

// AnswerToken signs the answer link of a member's digest of a month; it
// works for LinkTTL.
func (s *Service) AnswerToken(userID bson.ObjectID, month, answer string) string {
	exp := strconv.FormatInt(s.now().Add(LinkTTL).Unix(), 10)
	return s.d.Accounts.SignLink("digest", sendID(userID, month)+":"+answer+":"+exp)
}

// ErrInvalidToken: the answer link is forged, altered, expired, already
// used, or its digest is gone.
var ErrInvalidToken = apperr.New(apperr.Invalid, "invalid_token", "this link is invalid, expired or already used")

// Result is what an answer did.
type Result struct {
	UserID bson.ObjectID
	Answer string
	// Left: the communities the member left (answer leave).
	Left []community.Community
}

// Answer applies the answer link of a digest, once, for its recipient
// only (no sign-in: the signed token names them): still interested marks
// them active now (the count of unanswered digests starts again); leave
// ends their memberships of the digest's communities and turns the digest
// off, so nothing is written to them again.
func (s *Service) Answer(ctx context.Context, token string) (Result, error) {
	payload, ok := s.d.Accounts.VerifyLink("digest", token)
	if !ok {
		return Result{}, ErrInvalidToken
	}
	parts := strings.Split(payload, ":")
	if len(parts) != 4 {
		return Result{}, ErrInvalidToken
	}
	userID, okID := ids.Parse(parts[0])
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	act := parts[2]
	if !okID || err != nil || !s.now().Before(time.Unix(exp, 0)) || (act != AnswerStillInterested && act != AnswerLeave) {
		return Result{}, ErrInvalidToken
	}
	id := sendID(userID, parts[1])
	sd, err := mongodb.FindOne[Send](ctx, s.sends, bson.D{{Key: "_id", Value: id}}, ErrInvalidToken)
	if err != nil {
		return Result{}, err
	}
	u, err := s.d.Accounts.Get(ctx, userID)
	if apperr.KindOf(err) == apperr.NotFound {
		return Result{}, ErrInvalidToken
	}
	if err != nil {
		return Result{}, err
	}
	// The unique _id makes the answer single-use, on every instance.
	if _, err := s.answers.InsertOne(ctx, answer{ID: id, UserID: userID, Answer: act, At: s.clock()}); err != nil {
		if mongodb.IsDuplicateKey(err) {
			return Result{}, ErrInvalidToken
		}
		return Result{}, fmt.Errorf("record answer: %w", err)
	}
	res := Result{UserID: userID, Answer: act}
	if act == AnswerStillInterested {
		return res, s.d.Accounts.MarkActive(ctx, userID)
	}
	who := accounts.Principal{UserID: userID, Roles: u.Roles}
	for _, cid := range sd.CommunityIDs {
		c, err := s.d.Community.Get(ctx, cid)
		if apperr.KindOf(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return res, err
		}
		if err := s.d.Community.Leave(ctx, who, cid); err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.Code == "last_organizer" {
				continue // a community needs its organizer; they stay
			}
			return res, err
		}
		res.Left = append(res.Left, c)
	}
	prefs := u.MailPreferences
	prefs.Digest = accounts.DigestOff
	_, err = s.d.Accounts.SetMailPreferences(ctx, userID, prefs)
	return res, err
}

// ForUser returns the digests sent to a member, oldest first (export).
func (s *Service) ForUser(ctx context.Context, userID bson.ObjectID) ([]Send, error) {
	cur, err := s.sends.Find(ctx, bson.D{{Key: "userId", Value: userID}}, options.Find().SetSort(bson.D{{Key: "sentAt", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find digests: %w", err)
	}
	out := []Send{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("find digests: %w", err)
	}
	return out, nil
}

// ForgetUser deletes the member's digest records and answers, and takes
// them (a mentor offered) out of what others' digests record (account
// deletion).
func (s *Service) ForgetUser(ctx context.Context, userID bson.ObjectID) error {
	if _, err := s.sends.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return fmt.Errorf("forget digests: %w", err)
	}
	// Records are read and rewritten whole: the embedded server matches
	// neither "offers.id" nor $elemMatch on these subdocuments (measured),
	// and it scans the collection for any filter anyway. Nothing else
	// writes a sent digest's record.
	cur, err := s.sends.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "offers", Value: 1}}))
	if err != nil {
		return fmt.Errorf("find digests offering the member: %w", err)
	}
	var offering []Send
	if err := cur.All(ctx, &offering); err != nil {
		return fmt.Errorf("find digests offering the member: %w", err)
	}
	for _, sd := range offering {
		kept := slices.DeleteFunc(slices.Clone(sd.Offers), func(o SentOffer) bool { return o.ID == userID })
		if len(kept) == len(sd.Offers) {
			continue
		}
		if _, err := s.sends.UpdateOne(ctx, bson.D{{Key: "_id", Value: sd.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "offers", Value: kept}}}}); err != nil {
			return fmt.Errorf("forget digest offers: %w", err)
		}
	}
	if _, err := s.answers.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return fmt.Errorf("forget digest answers: %w", err)
	}
	return nil
}
