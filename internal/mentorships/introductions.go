package mentorships

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// Introduction statuses.
const (
	IntroPending   = "pending"
	IntroAccepted  = "accepted"
	IntroDeclined  = "declined"
	IntroWithdrawn = "withdrawn"
	IntroExpired   = "expired"
)

// Reasons recorded with a decision.
const (
	ReasonNoCapacity       = "no_capacity"
	ReasonTopicMismatch    = "topic_mismatch"
	ReasonTooFar           = "too_far"
	ReasonOther            = "other"
	ReasonFounderWithdrew  = "founder_withdrew"
	ReasonMatchedElsewhere = "matched_elsewhere"
	ReasonRequestClosed    = "request_closed"
	ReasonUnanswered       = "unanswered"
)

// DeclineReasons are the reasons a mentor may give.
var DeclineReasons = []string{ReasonNoCapacity, ReasonTopicMismatch, ReasonTooFar, ReasonOther}

// Introduction is a founder's request to meet one mentor.
type Introduction struct {
	ID              bson.ObjectID  `bson:"_id"`
	RequestID       bson.ObjectID  `bson:"requestId"`
	FounderID       bson.ObjectID  `bson:"founderId"`
	MentorID        bson.ObjectID  `bson:"mentorId"`
	Topics          []string       `bson:"topics"` // the request's
	Message         string         `bson:"message"`
	Status          string         `bson:"status"`
	Reason          string         `bson:"reason,omitempty"`
	ResponseMessage string         `bson:"responseMessage,omitempty"`
	MentorshipID    *bson.ObjectID `bson:"mentorshipId,omitempty"`
	CreatedAt       time.Time      `bson:"createdAt"`
	ExpiresAt       time.Time      `bson:"expiresAt"`
	RemindedAt      *time.Time     `bson:"remindedAt,omitempty"`
	DecidedAt       *time.Time     `bson:"decidedAt,omitempty"`
	UpdatedAt       time.Time      `bson:"updatedAt"`
}

// decision is the one decision on an introduction; _id is the introduction's.
type decision struct {
	ID      bson.ObjectID `bson:"_id"`
	Status  string        `bson:"status"` // accepted, declined, withdrawn, expired
	By      bson.ObjectID `bson:"by,omitempty"`
	Reason  string        `bson:"reason,omitempty"`
	Message string        `bson:"message,omitempty"`
	At      time.Time     `bson:"at"`
}

// Introduce asks a mentor for an introduction on the caller's open request.
// The mentor must be a candidate for it now.
func (s *Service) Introduce(ctx context.Context, p accounts.Principal, requestID, mentorID bson.ObjectID, message string) (Introduction, error) {
	r, err := s.ownRequest(ctx, p, requestID)
	if err != nil {
		return Introduction{}, err
	}
	if !p.EmailVerified {
		return Introduction{}, accounts.ErrEmailUnverified
	}
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > maxMessage {
		var v apperr.Validation
		v.Add("message", "must be at most 1000 characters")
		return Introduction{}, v.Err()
	}
	if r.Status != RequestOpen {
		return Introduction{}, ErrRequestNotOpen
	}
	unlock := s.lockParties(r.FounderID, mentorID)
	defer unlock()
	if _, ok := s.index.Get(mentorID); !ok {
		return Introduction{}, apperr.NotFoundf("no mentor with id %s", mentorID.Hex())
	}
	if ok, err := s.present(ctx, r.FounderID, mentorID); err != nil || !ok {
		if err == nil {
			err = apperr.NotFoundf("no mentor with id %s", mentorID.Hex())
		}
		return Introduction{}, err
	}
	if _, why := matching.Check(s.index, s.matchingRequest(r), mentorID); why != matching.Eligible {
		return Introduction{}, reasonError(why, mentorID)
	}
	now := s.clock()
	in := Introduction{
		ID: bson.NewObjectID(), RequestID: r.ID, FounderID: r.FounderID, MentorID: mentorID, Topics: r.Topics,
		Message: message, Status: IntroPending, CreatedAt: now, ExpiresAt: now.Add(s.expiry), UpdatedAt: now,
	}
	slot, err := s.claimIntroSlot(ctx, r.ID, in.ID)
	if err != nil {
		return Introduction{}, err
	}
	if _, err := s.intros.InsertOne(ctx, in); err != nil {
		s.releaseIntroSlot(ctx, slot)
		if mongodb.IsDuplicateKey(err) {
			return Introduction{}, ErrAlreadyIntroduced
		}
		return Introduction{}, fmt.Errorf("insert introduction: %w", err)
	}
	s.stats.introChanged(in)
	names := s.names(ctx, r.FounderID)
	ja, en := notifications.Say(notifications.KindIntroductionReceived, "", notifications.Vars{Name: names[r.FounderID]})
	s.notifyOrLog(ctx, notifications.Input{
		UserID: mentorID, Kind: notifications.KindIntroductionReceived, Key: "intro-received:" + in.ID.Hex(),
		TextJa:  ja,
		TextEn:  en,
		Refs:    notifications.Refs{IntroductionID: in.ID, RequestID: r.ID, UserID: r.FounderID},
		Message: message,
	})
	return in, nil
}

// reasonError is the conflict for a mentor who is not a candidate.
func reasonError(why matching.Reason, mentorID bson.ObjectID) error {
	switch why {
	case matching.Suspended:
		return apperr.New(apperr.Conflict, "mentor_unavailable", "this mentor is not available")
	case matching.NotAccepting:
		return apperr.New(apperr.Conflict, string(why), "this mentor is not accepting requests now")
	case matching.CapacityFull:
		return ErrCapacityFull
	case matching.StakeConflict:
		return apperr.New(apperr.Conflict, string(why), "this mentor has declared a stake in your company or industry")
	case matching.NotIndependent:
		return apperr.New(apperr.Conflict, string(why), "your request asks for independent mentors only")
	case matching.TopicMismatch:
		return apperr.New(apperr.Conflict, string(why), "this mentor covers none of the request's topics")
	case matching.ModeMismatch:
		return apperr.New(apperr.Conflict, string(why), "this mentor meets in none of the ways the request accepts")
	case matching.OutOfReach:
		return apperr.New(apperr.Conflict, string(why), "this mentor meets only in person and is out of reach")
	case matching.SelfMatch:
		return apperr.New(apperr.Conflict, string(why), "you cannot ask yourself for an introduction")
	}
	return apperr.New(apperr.Conflict, string(why), "this mentor is not a candidate for the request")
}

type introSlot struct {
	ID             bson.ObjectID `bson:"_id"`
	RequestID      bson.ObjectID `bson:"requestId"`
	Slot           int           `bson:"slot"`
	IntroductionID bson.ObjectID `bson:"introductionId"`
}

// claimIntroSlot takes one of the request's pending places by insert.
func (s *Service) claimIntroSlot(ctx context.Context, requestID, introID bson.ObjectID) (bson.ObjectID, error) {
	for slot := range MaxPendingPerRequest {
		doc := introSlot{ID: bson.NewObjectID(), RequestID: requestID, Slot: slot, IntroductionID: introID}
		_, err := s.introSlots.InsertOne(ctx, doc)
		if err == nil {
			return doc.ID, nil
		}
		if !mongodb.IsDuplicateKey(err) {
			return bson.ObjectID{}, fmt.Errorf("claim introduction slot: %w", err)
		}
	}
	return bson.ObjectID{}, ErrTooManyPending
}

func (s *Service) releaseIntroSlot(ctx context.Context, slotID bson.ObjectID) {
	if _, err := s.introSlots.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: slotID}}); err != nil {
		s.log.ErrorContext(ctx, "release introduction slot", "err", err)
	}
}

// releaseIntroSlotOf frees the pending place an introduction held (idempotent).
func (s *Service) releaseIntroSlotOf(ctx context.Context, introID bson.ObjectID) error {
	_, err := s.introSlots.DeleteMany(ctx, bson.D{{Key: "introductionId", Value: introID}})
	return err
}

// IntroductionFilter selects the caller's introductions.
type IntroductionFilter struct {
	AsMentor bool   // introductions to the caller (else: by the caller as founder)
	Status   string // empty: all
	Limit    int
	Cursor   string
}

// ListIntroductions returns the caller's introductions, newest first.
func (s *Service) ListIntroductions(ctx context.Context, p accounts.Principal, f IntroductionFilter) ([]Introduction, string, error) {
	field := "founderId"
	if f.AsMentor {
		field = "mentorId"
	}
	filter := bson.D{{Key: field, Value: p.UserID}}
	if f.Status != "" {
		switch f.Status {
		case IntroPending, IntroAccepted, IntroDeclined, IntroWithdrawn, IntroExpired:
		default:
			var v apperr.Validation
			v.Add("status", "must be pending, accepted, declined, withdrawn or expired")
			return nil, "", v.Err()
		}
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	}
	return mongodb.FindPage(ctx, s.intros, filter, f.Cursor, f.Limit, func(i Introduction) bson.ObjectID { return i.ID })
}

// GetIntroduction returns an introduction to one of its two parties.
func (s *Service) GetIntroduction(ctx context.Context, p accounts.Principal, id bson.ObjectID) (Introduction, error) {
	in, err := s.findIntro(ctx, id)
	if err != nil {
		return Introduction{}, err
	}
	if in.FounderID != p.UserID && in.MentorID != p.UserID {
		return Introduction{}, apperr.NotFoundf("no introduction with id %s", id.Hex())
	}
	return in, nil
}

func (s *Service) findIntro(ctx context.Context, id bson.ObjectID) (Introduction, error) {
	return mongodb.FindByID[Introduction](ctx, s.intros, id, "introduction")
}

// partyIntro loads an introduction for an action only role may take: the
// other party is told it is forbidden, anyone else that it does not exist.
func (s *Service) partyIntro(ctx context.Context, p accounts.Principal, id bson.ObjectID, asMentor bool) (Introduction, error) {
	in, err := s.GetIntroduction(ctx, p, id)
	if err != nil {
		return Introduction{}, err
	}
	if (asMentor && in.MentorID != p.UserID) || (!asMentor && in.FounderID != p.UserID) {
		who := "founder"
		if asMentor {
			who = "mentor"
		}
		return Introduction{}, apperr.New(apperr.Forbidden, "forbidden", "only the introduction's "+who+" can do this")
	}
	return in, nil
}

// Accept is the mentor's yes: it takes one of the mentor's places, starts the
// mentorship, marks the request matched and withdraws its other pending
// introductions. When several accepts race for the last place, exactly one
// wins; the others get capacity_full.
func (s *Service) Accept(ctx context.Context, p accounts.Principal, id bson.ObjectID, message string) (Introduction, error) {
	in, err := s.partyIntro(ctx, p, id, true)
	if err != nil {
		return Introduction{}, err
	}
	message, err = checkMessage(message)
	if err != nil {
		return Introduction{}, err
	}
	// A deletion of either person and this accept do not interleave
	// (see Leave): after it, the introduction is read again.
	unlock := s.lockParties(in.FounderID, in.MentorID)
	defer unlock()
	if in, err = s.findIntro(ctx, in.ID); err != nil {
		return Introduction{}, err
	}
	if in.Status != IntroPending {
		return Introduction{}, ErrInvalidTransition
	}
	if ok, err := s.present(ctx, in.FounderID, in.MentorID); err != nil || !ok {
		if err == nil {
			err = ErrInvalidTransition // the other person is leaving Kizuna
		}
		return Introduction{}, err
	}
	profile, err := s.profiles.GetMentor(ctx, in.MentorID)
	if err != nil {
		return Introduction{}, err
	}
	// 1. A place: one seat per active mentorship (the mentorship's id is the
	// introduction's).
	if err := s.claimSeat(ctx, in.MentorID, in.ID, profile.Capacity); err != nil {
		return Introduction{}, err
	}
	// 2. The request's outcome.
	o, err := s.claimOutcome(ctx, in.RequestID, outcome{ID: in.RequestID, Outcome: RequestMatched, IntroductionID: in.ID, At: s.clock()})
	if err == nil && (o.Outcome != RequestMatched || o.IntroductionID != in.ID) {
		err = ErrRequestMatched
		if o.Outcome == RequestClosed {
			err = ErrRequestNotOpen
		}
	}
	if err != nil {
		s.releaseSeatUnlessAccepted(ctx, in.ID)
		return Introduction{}, err
	}
	// 3. The decision.
	d := decision{ID: in.ID, Status: IntroAccepted, By: p.UserID, Message: message, At: s.clock()}
	if err := s.recordDecision(ctx, d); err != nil {
		if errors.Is(err, ErrInvalidTransition) {
			s.releaseOutcomeUnlessAccepted(ctx, in.RequestID, in.ID)
			s.releaseSeatUnlessAccepted(ctx, in.ID)
		}
		return Introduction{}, err
	}
	if err := s.apply(ctx, in, d); err != nil {
		return Introduction{}, err
	}
	return s.findIntro(ctx, in.ID)
}

// Decline is the mentor's no, with a reason.
func (s *Service) Decline(ctx context.Context, p accounts.Principal, id bson.ObjectID, reason, message string) (Introduction, error) {
	in, err := s.partyIntro(ctx, p, id, true)
	if err != nil {
		return Introduction{}, err
	}
	var v apperr.Validation
	ok := false
	for _, r := range DeclineReasons {
		ok = ok || r == reason
	}
	v.Check(ok, "reason", "must be no_capacity, topic_mismatch, too_far or other")
	message, merr := checkMessage(message)
	if merr != nil {
		v.Add("message", "must be at most 1000 characters")
	}
	if err := v.Err(); err != nil {
		return Introduction{}, err
	}
	return s.decide(ctx, in, decision{ID: in.ID, Status: IntroDeclined, By: p.UserID, Reason: reason, Message: message, At: s.clock()})
}

// Withdraw is the founder taking an introduction back.
func (s *Service) Withdraw(ctx context.Context, p accounts.Principal, id bson.ObjectID) (Introduction, error) {
	in, err := s.partyIntro(ctx, p, id, false)
	if err != nil {
		return Introduction{}, err
	}
	return s.decide(ctx, in, decision{ID: in.ID, Status: IntroWithdrawn, By: p.UserID, Reason: ReasonFounderWithdrew, At: s.clock()})
}

// decide records a decision other than acceptance and applies it.
func (s *Service) decide(ctx context.Context, in Introduction, d decision) (Introduction, error) {
	if in.Status != IntroPending {
		return Introduction{}, ErrInvalidTransition
	}
	if err := s.recordDecision(ctx, d); err != nil {
		return Introduction{}, err
	}
	if err := s.apply(ctx, in, d); err != nil {
		return Introduction{}, err
	}
	return s.findIntro(ctx, in.ID)
}

// recordDecision inserts the one decision of an introduction; a second one
// is an invalid transition.
func (s *Service) recordDecision(ctx context.Context, d decision) error {
	_, err := s.decisions.InsertOne(ctx, d)
	if mongodb.IsDuplicateKey(err) {
		return ErrInvalidTransition
	}
	if err != nil {
		return fmt.Errorf("record decision: %w", err)
	}
	return nil
}

// apply brings everything in line with a recorded decision. Every step is
// idempotent, so the job can re-run it after a crash.
func (s *Service) apply(ctx context.Context, in Introduction, d decision) error {
	set := bson.D{
		{Key: "status", Value: d.Status}, {Key: "decidedAt", Value: d.At}, {Key: "updatedAt", Value: s.clock()},
	}
	if d.Reason != "" {
		set = append(set, bson.E{Key: "reason", Value: d.Reason})
	}
	if d.Message != "" {
		set = append(set, bson.E{Key: "responseMessage", Value: d.Message})
	}
	var m Mentorship
	if d.Status == IntroAccepted {
		var err error
		if m, err = s.startMentorship(ctx, in, d.At); err != nil {
			return err
		}
		set = append(set, bson.E{Key: "mentorshipId", Value: m.ID})
	}
	unlock := s.db.Lock(colIntros, in.ID)
	_, err := s.intros.UpdateOne(ctx, bson.D{{Key: "_id", Value: in.ID}, {Key: "status", Value: IntroPending}}, bson.D{{Key: "$set", Value: set}})
	unlock()
	if err != nil {
		return fmt.Errorf("update introduction: %w", err)
	}
	if err := s.releaseIntroSlotOf(ctx, in.ID); err != nil {
		return fmt.Errorf("release introduction slot: %w", err)
	}
	decided := in
	decided.Status, decided.DecidedAt, decided.UpdatedAt = d.Status, &d.At, s.clock()
	s.stats.introChanged(decided)

	names := s.names(ctx, in.FounderID, in.MentorID)
	founder, mentor := names[in.FounderID], names[in.MentorID]
	refs := notifications.Refs{IntroductionID: in.ID, RequestID: in.RequestID}
	key := "intro-" + d.Status + ":" + in.ID.Hex()
	switch d.Status {
	case IntroAccepted:
		if err := s.setRequestStatus(ctx, in.RequestID, RequestOpen, RequestMatched, &m.ID); err != nil {
			return err
		}
		if err := s.withdrawPending(ctx, in.RequestID, in.ID, ReasonMatchedElsewhere); err != nil {
			return err
		}
		refs.MentorshipID, refs.UserID = m.ID, in.MentorID
		ja, en := notifications.Say(notifications.KindIntroductionAccepted, "", notifications.Vars{Name: mentor})
		s.notifyOrLog(ctx, notifications.Input{UserID: in.FounderID, Kind: notifications.KindIntroductionAccepted, Key: key, Refs: refs,
			TextJa: ja, TextEn: en, Details: s.contactDetails(ctx, in.FounderID, in.MentorID)})
	case IntroDeclined:
		refs.UserID = in.MentorID
		ja, en := notifications.Say(notifications.KindIntroductionDeclined, "", notifications.Vars{Name: mentor})
		s.notifyOrLog(ctx, notifications.Input{UserID: in.FounderID, Kind: notifications.KindIntroductionDeclined, Key: key, Refs: refs,
			TextJa: ja, TextEn: en, Details: s.declineDetails(ctx, in, d.Reason)})
	case IntroWithdrawn:
		if d.Reason == ReasonAccountDeleted {
			// Tell the one who stays; the one leaving gets nothing.
			to, variant := in.MentorID, notifications.VariantFounderLeft
			if d.By == in.MentorID {
				to, variant = in.FounderID, notifications.VariantMentorLeft
			}
			ja, en := notifications.Say(notifications.KindIntroductionWithdrawn, variant, notifications.Vars{})
			s.notifyOrLog(ctx, notifications.Input{UserID: to, Kind: notifications.KindIntroductionWithdrawn, Key: key, Refs: refs, TextJa: ja, TextEn: en})
			break
		}
		refs.UserID = in.FounderID
		variant := ""
		switch d.Reason {
		case ReasonMatchedElsewhere:
			variant = notifications.VariantMatchedElsewhere
		case ReasonRequestClosed:
			variant = notifications.VariantRequestClosed
		}
		ja, en := notifications.Say(notifications.KindIntroductionWithdrawn, variant, notifications.Vars{Name: founder})
		s.notifyOrLog(ctx, notifications.Input{UserID: in.MentorID, Kind: notifications.KindIntroductionWithdrawn, Key: key, Refs: refs, TextJa: ja, TextEn: en})
	case IntroExpired:
		ja, en := notifications.Say(notifications.KindIntroductionExpired, notifications.VariantToFounder, notifications.Vars{Name: mentor})
		s.notifyOrLog(ctx, notifications.Input{UserID: in.FounderID, Kind: notifications.KindIntroductionExpired, Key: key + ":founder",
			Refs:   notifications.Refs{IntroductionID: in.ID, RequestID: in.RequestID, UserID: in.MentorID},
			TextJa: ja, TextEn: en, Variant: notifications.VariantToFounder})
		ja, en = notifications.Say(notifications.KindIntroductionExpired, notifications.VariantToMentor, notifications.Vars{Name: founder})
		s.notifyOrLog(ctx, notifications.Input{UserID: in.MentorID, Kind: notifications.KindIntroductionExpired, Key: key + ":mentor",
			Refs:   notifications.Refs{IntroductionID: in.ID, RequestID: in.RequestID, UserID: in.FounderID},
			TextJa: ja, TextEn: en})
	}
	return nil
}

// withdrawPending withdraws the request's pending introductions except keep.
func (s *Service) withdrawPending(ctx context.Context, requestID, keep bson.ObjectID, reason string) error {
	cur, err := s.intros.Find(ctx, bson.D{{Key: "requestId", Value: requestID}, {Key: "status", Value: IntroPending}})
	if err != nil {
		return fmt.Errorf("find pending introductions: %w", err)
	}
	var pending []Introduction
	if err := cur.All(ctx, &pending); err != nil {
		return fmt.Errorf("find pending introductions: %w", err)
	}
	for _, other := range pending {
		if other.ID == keep {
			continue
		}
		d := decision{ID: other.ID, Status: IntroWithdrawn, Reason: reason, At: s.clock()}
		switch err := s.recordDecision(ctx, d); {
		case errors.Is(err, ErrInvalidTransition):
			continue // decided meanwhile by someone else
		case err != nil:
			return err
		}
		if err := s.apply(ctx, other, d); err != nil {
			return err
		}
	}
	return nil
}

func checkMessage(m string) (string, error) {
	m = strings.TrimSpace(m)
	if utf8.RuneCountInString(m) > maxMessage {
		var v apperr.Validation
		v.Add("message", "must be at most 1000 characters")
		return "", v.Err()
	}
	return m, nil
}

type seat struct {
	ID           bson.ObjectID `bson:"_id"`
	MentorID     bson.ObjectID `bson:"mentorId"`
	Slot         int           `bson:"slot"`
	MentorshipID bson.ObjectID `bson:"mentorshipId"`
	At           time.Time     `bson:"at"`
}

// claimSeat takes one of the mentor's places for a mentorship. Places are
// numbered below capacity and claimed by insert, so concurrent claims for the
// last place have one winner. If capacity was lowered below the places held,
// a count after the claim finds the overflow and gives the place back.
func (s *Service) claimSeat(ctx context.Context, mentorID, mentorshipID bson.ObjectID, capacity int) error {
	for slot := range capacity {
		_, err := s.seats.InsertOne(ctx, seat{ID: bson.NewObjectID(), MentorID: mentorID, Slot: slot, MentorshipID: mentorshipID, At: s.clock()})
		if err == nil {
			held, err := s.seats.CountDocuments(ctx, bson.D{{Key: "mentorId", Value: mentorID}})
			if err != nil {
				return fmt.Errorf("count seats: %w", err)
			}
			if held > int64(capacity) {
				s.releaseSeatUnlessAccepted(ctx, mentorshipID)
				return ErrCapacityFull
			}
			return nil
		}
		if !mongodb.IsDuplicateKey(err) {
			return fmt.Errorf("claim seat: %w", err)
		}
		// The slot is taken, or this mentorship already holds a seat (a
		// concurrent accept of the same introduction): then it is ours too.
		if n, err := s.seats.CountDocuments(ctx, bson.D{{Key: "mentorshipId", Value: mentorshipID}}); err == nil && n > 0 {
			return nil
		}
	}
	return ErrCapacityFull
}

// releaseSeatUnlessAccepted gives back a mentorship's seat after a failed
// accept, unless the introduction was accepted after all (by a concurrent
// accept of the same introduction, which needs the seat).
func (s *Service) releaseSeatUnlessAccepted(ctx context.Context, introID bson.ObjectID) {
	ctx = context.WithoutCancel(ctx)
	if s.decidedAs(ctx, introID) == IntroAccepted {
		return
	}
	if _, err := s.seats.DeleteOne(ctx, bson.D{{Key: "mentorshipId", Value: introID}}); err != nil {
		s.log.ErrorContext(ctx, "release seat", "err", err)
	}
}

// releaseOutcomeUnlessAccepted removes a matched outcome this accept claimed
// when its decision lost, unless the introduction was accepted after all.
func (s *Service) releaseOutcomeUnlessAccepted(ctx context.Context, requestID, introID bson.ObjectID) {
	ctx = context.WithoutCancel(ctx)
	if s.decidedAs(ctx, introID) == IntroAccepted {
		return
	}
	_, err := s.matches.DeleteOne(ctx, bson.D{{Key: "_id", Value: requestID}, {Key: "outcome", Value: RequestMatched}, {Key: "introductionId", Value: introID}})
	if err != nil {
		s.log.ErrorContext(ctx, "release request outcome", "err", err)
	}
}

// decidedAs returns the recorded decision of an introduction, "" if none.
func (s *Service) decidedAs(ctx context.Context, introID bson.ObjectID) string {
	var d decision
	if err := s.decisions.FindOne(ctx, bson.D{{Key: "_id", Value: introID}}).Decode(&d); err != nil {
		return ""
	}
	return d.Status
}

// releaseSeat frees the place of a mentorship that ended (idempotent).
func (s *Service) releaseSeat(ctx context.Context, mentorshipID bson.ObjectID) error {
	_, err := s.seats.DeleteOne(ctx, bson.D{{Key: "mentorshipId", Value: mentorshipID}})
	return err
}
