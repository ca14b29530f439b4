package mentorships

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// pauseAfterExpired is how many of a mentor's latest introductions expiring
// unanswered pause them: they are probably away, and founders should not wait.
const pauseAfterExpired = 3

// JobReport says what one run of the introduction job did.
type JobReport struct {
	Expired  int
	Reminded int
	Paused   int
	Repaired int
}

// RunIntroductionJob expires pending introductions past their time, reminds
// mentors at half-time, pauses mentors whose last introductions all expired,
// and applies decisions recorded but not applied (after a crash). Every step
// is idempotent; the caller runs it under a job claim so instances take turns.
func (s *Service) RunIntroductionJob(ctx context.Context) (JobReport, error) {
	var rep JobReport
	now := s.clock()
	cur, err := s.intros.Find(ctx, bson.D{{Key: "status", Value: IntroPending}})
	if err != nil {
		return rep, fmt.Errorf("find pending introductions: %w", err)
	}
	var pending []Introduction
	if err := cur.All(ctx, &pending); err != nil {
		return rep, fmt.Errorf("find pending introductions: %w", err)
	}
	ids := make([]bson.ObjectID, len(pending))
	for i, in := range pending {
		ids[i] = in.ID
	}
	recorded, err := s.decisionsOf(ctx, ids)
	if err != nil {
		return rep, err
	}
	pausedCheck := map[bson.ObjectID]bool{}
	for _, in := range pending {
		if d, ok := recorded[in.ID]; ok {
			if err := s.apply(ctx, in, d); err != nil {
				return rep, err
			}
			rep.Repaired++
			continue
		}
		switch {
		case !now.Before(in.ExpiresAt):
			d := decision{ID: in.ID, Status: IntroExpired, Reason: ReasonUnanswered, At: now}
			switch err := s.recordDecision(ctx, d); {
			case errors.Is(err, ErrInvalidTransition):
				continue // answered at the last moment
			case err != nil:
				return rep, err
			}
			if err := s.apply(ctx, in, d); err != nil {
				return rep, err
			}
			rep.Expired++
			pausedCheck[in.MentorID] = true
		case in.RemindedAt == nil && !now.Before(in.CreatedAt.Add(in.ExpiresAt.Sub(in.CreatedAt)/2)):
			if err := s.remind(ctx, in, now); err != nil {
				return rep, err
			}
			rep.Reminded++
		}
	}
	for mentorID := range pausedCheck {
		paused, err := s.pauseIfUnresponsive(ctx, mentorID)
		if err != nil {
			return rep, err
		}
		if paused {
			rep.Paused++
		}
	}
	return rep, nil
}

func (s *Service) decisionsOf(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]decision, error) {
	out := map[bson.ObjectID]decision{}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.decisions.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("find decisions: %w", err)
	}
	var ds []decision
	if err := cur.All(ctx, &ds); err != nil {
		return nil, fmt.Errorf("find decisions: %w", err)
	}
	for _, d := range ds {
		out[d.ID] = d
	}
	return out, nil
}

// remind tells the mentor an introduction is waiting, once (the notification
// key and remindedAt both say so).
func (s *Service) remind(ctx context.Context, in Introduction, now time.Time) error {
	names := s.names(ctx, in.FounderID)
	days := int(in.ExpiresAt.Sub(now).Hours()/24 + 0.5)
	ja, en := notifications.Say(notifications.KindIntroductionReminder, "", notifications.Vars{Name: names[in.FounderID], Days: days})
	s.notifyOrLog(ctx, notifications.Input{
		UserID: in.MentorID, Kind: notifications.KindIntroductionReminder, Key: "intro-reminder:" + in.ID.Hex(),
		Refs:   notifications.Refs{IntroductionID: in.ID, RequestID: in.RequestID, UserID: in.FounderID},
		TextJa: ja, TextEn: en,
	})
	unlock := s.db.Lock(colIntros, in.ID)
	defer unlock()
	_, err := s.intros.UpdateOne(ctx, bson.D{{Key: "_id", Value: in.ID}, {Key: "status", Value: IntroPending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "remindedAt", Value: now}, {Key: "updatedAt", Value: now}}}})
	if err != nil {
		return fmt.Errorf("mark reminded: %w", err)
	}
	return nil
}

// pauseIfUnresponsive pauses a mentor whose latest introductions all expired
// unanswered, and tells them how to resume.
func (s *Service) pauseIfUnresponsive(ctx context.Context, mentorID bson.ObjectID) (bool, error) {
	cur, err := s.intros.Find(ctx, bson.D{{Key: "mentorId", Value: mentorID}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}).SetLimit(pauseAfterExpired))
	if err != nil {
		return false, fmt.Errorf("latest introductions: %w", err)
	}
	var latest []Introduction
	if err := cur.All(ctx, &latest); err != nil {
		return false, fmt.Errorf("latest introductions: %w", err)
	}
	if len(latest) < pauseAfterExpired {
		return false, nil
	}
	for _, in := range latest {
		if in.Status != IntroExpired {
			return false, nil
		}
	}
	profile, err := s.profiles.GetMentor(ctx, mentorID)
	if err != nil || !profile.AcceptingRequests {
		return false, err
	}
	if _, err := s.profiles.PauseMentor(ctx, mentorID); err != nil {
		return false, err
	}
	ja, en := notifications.Say(notifications.KindMentorPaused, "", notifications.Vars{})
	s.notifyOrLog(ctx, notifications.Input{
		UserID: mentorID, Kind: notifications.KindMentorPaused, Key: "mentor-paused:" + latest[0].ID.Hex(),
		TextJa: ja, TextEn: en,
	})
	return true, nil
}
