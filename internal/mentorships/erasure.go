package mentorships

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// ReasonAccountDeleted is why introductions are withdrawn, requests closed
// and mentorships ended when one of their people deletes their account.
const ReasonAccountDeleted = "account_deleted"

// lockParties serializes, within this process, the changes that start
// something between people (introduce, accept) with the deletion of either
// person's account (Leave): a deletion never misses an introduction or a
// mentorship that starts while it runs. The locks are taken in id order.
func (s *Service) lockParties(ids ...bson.ObjectID) (unlock func()) {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b bson.ObjectID) int { return bytesCompare(a[:], b[:]) })
	ids = slices.Compact(ids)
	unlocks := make([]func(), len(ids))
	for i, id := range ids {
		unlocks[i] = s.db.Lock("party", id)
	}
	return func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
}

func bytesCompare(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return len(a) - len(b)
}

// present reports whether every one of ids is an account that is not being
// deleted (checked under lockParties, after the deletion's first step).
func (s *Service) present(ctx context.Context, ids ...bson.ObjectID) (bool, error) {
	for _, id := range ids {
		u, err := s.users.Get(ctx, id)
		if apperr.KindOf(err) == apperr.NotFound {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if u.Deleting || u.Former {
			return false, nil
		}
	}
	return true, nil
}

// Leave ends everything the user takes part in, for the deletion of their
// account (whose first step already made it refuse sign-ins): their open
// match requests are closed and every pending introduction to or from them
// withdrawn (the other side is told), decisions recorded but not applied
// are applied, and their active mentorships end (the mentor's place is
// released; the other side is told). Idempotent, so a deletion interrupted
// anywhere can run it again.
func (s *Service) Leave(ctx context.Context, userID bson.ObjectID) error {
	unlock := s.lockParties(userID)
	defer unlock()
	by := accounts.Principal{UserID: userID}

	var open []MatchRequest
	cur, err := s.requests.Find(ctx, bson.D{{Key: "founderId", Value: userID}, {Key: "status", Value: RequestOpen}})
	if err == nil {
		err = cur.All(ctx, &open)
	}
	if err != nil {
		return fmt.Errorf("find open requests: %w", err)
	}
	for _, r := range open {
		o, err := s.claimOutcome(ctx, r.ID, outcome{ID: r.ID, Outcome: RequestClosed, At: s.clock()})
		if err != nil {
			return err
		}
		if o.Outcome == RequestClosed {
			if err := s.setRequestStatus(ctx, r.ID, RequestOpen, RequestClosed, nil); err != nil {
				return err
			}
		}
	}

	var pending []Introduction
	for _, field := range []string{"founderId", "mentorId"} {
		var some []Introduction
		cur, err := s.intros.Find(ctx, bson.D{{Key: field, Value: userID}, {Key: "status", Value: IntroPending}})
		if err == nil {
			err = cur.All(ctx, &some)
		}
		if err != nil {
			return fmt.Errorf("find pending introductions: %w", err)
		}
		pending = append(pending, some...)
	}
	for _, in := range pending {
		d := decision{ID: in.ID, Status: IntroWithdrawn, By: userID, Reason: ReasonAccountDeleted, At: s.clock()}
		err := s.recordDecision(ctx, d)
		if errors.Is(err, ErrInvalidTransition) {
			// Decided before (an accept, say) and not applied yet: apply
			// that decision, so its mentorship exists and ends below.
			recorded, err := s.decisionsOf(ctx, []bson.ObjectID{in.ID})
			if err != nil {
				return err
			}
			var ok bool
			if d, ok = recorded[in.ID]; !ok {
				continue
			}
		} else if err != nil {
			return err
		}
		if err := s.apply(ctx, in, d); err != nil {
			return err
		}
	}

	var active []Mentorship
	for _, field := range []string{"founderId", "mentorId"} {
		var some []Mentorship
		cur, err := s.mentorships.Find(ctx, bson.D{{Key: field, Value: userID}, {Key: "status", Value: MentorshipActive}})
		if err == nil {
			err = cur.All(ctx, &some)
		}
		if err != nil {
			return fmt.Errorf("find active mentorships: %w", err)
		}
		active = append(active, some...)
	}
	for _, m := range active {
		if err := s.close(ctx, by, m, MentorshipEnded, ReasonAccountDeleted); err != nil && !errors.Is(err, ErrInvalidTransition) {
			return err
		}
	}
	return nil
}

// Pseudonymize moves what others keep of a deleted member from their id to
// formerID (see accounts.FormerMemberName) and deletes what was theirs
// alone: the messages they wrote with introductions and decisions, their
// requests' messages and their own reflections. The introductions,
// mentorships, touchpoints and requests themselves stay: they are the other
// people's history too. Run after Leave; idempotent.
func (s *Service) Pseudonymize(ctx context.Context, userID, formerID bson.ObjectID) error {
	steps := []struct {
		coll  *mongodb.Collection
		field string
		set   bson.D
	}{
		{s.intros, "founderId", bson.D{{Key: "message", Value: ""}}},
		{s.intros, "mentorId", bson.D{{Key: "responseMessage", Value: ""}}},
		{s.decisions, "by", bson.D{{Key: "message", Value: ""}}},
		{s.mentorships, "founderId", nil},
		{s.mentorships, "mentorId", nil},
		{s.mentorships, "closedBy", nil},
		{s.closures, "by", nil},
		{s.touchpoints, "authorId", nil},
		{s.requests, "founderId", bson.D{{Key: "message", Value: ""}}},
	}
	for _, st := range steps {
		if _, err := st.coll.Rekey(ctx, st.field, userID, formerID, st.set); err != nil {
			return err
		}
	}
	if _, err := s.reflections.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return fmt.Errorf("delete reflections: %w", err)
	}
	// Places are released as mentorships end; none should be left.
	if _, err := s.seats.DeleteMany(ctx, bson.D{{Key: "mentorId", Value: userID}}); err != nil {
		return fmt.Errorf("delete seats: %w", err)
	}
	s.stats.forget(userID)
	return nil
}
