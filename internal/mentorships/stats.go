package mentorships

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/search"
)

// recentIntros is how many of a mentor's latest decided introductions their
// responsiveness is computed from.
const recentIntros = 10

// stats derives, from introductions and mentorships, what ranking needs:
// each mentor's active mentorships and how they answer introductions. It is
// fed by this process's writes at once and by polling updatedAt for other
// instances' writes; both are idempotent, so overlap is harmless.
type stats struct {
	index *search.Index

	mu     sync.Mutex
	active map[bson.ObjectID]activeState                  // by mentorship
	intros map[bson.ObjectID]map[bson.ObjectID]introState // by mentor, by introduction
	// activeOf is each mentor's count of active mentorships in active,
	// kept with it: a change then costs the same however many
	// mentorships there are (counting them all made a start with 25,000
	// mentorships quadratic, seconds of CPU).
	activeOf map[bson.ObjectID]int
	marks    struct{ intros, mentorships time.Time }
}

type activeState struct {
	mentor bson.ObjectID
	active bool
}

type introState struct {
	createdAt time.Time
	decidedAt time.Time
	status    string
}

func newStats(index *search.Index) *stats {
	return &stats{index: index, active: map[bson.ObjectID]activeState{}, intros: map[bson.ObjectID]map[bson.ObjectID]introState{}, activeOf: map[bson.ObjectID]int{}}
}

func (st *stats) mentorshipChanged(m Mentorship) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var moved bson.ObjectID // the mentor it was rekeyed from (an erasure)
	if old, ok := st.active[m.ID]; ok {
		if old.active {
			st.countActive(old.mentor, -1)
		}
		if old.mentor != m.MentorID {
			moved = old.mentor
		}
	}
	now := activeState{mentor: m.MentorID, active: m.Status == MentorshipActive}
	st.active[m.ID] = now
	if now.active {
		st.countActive(m.MentorID, 1)
	}
	if m.UpdatedAt.After(st.marks.mentorships) {
		st.marks.mentorships = m.UpdatedAt
	}
	st.index.SetActive(m.MentorID, st.activeOf[m.MentorID])
	if !moved.IsZero() {
		st.index.SetActive(moved, st.activeOf[moved])
	}
}

// countActive adds delta to a mentor's count of active mentorships; the
// caller holds mu.
func (st *stats) countActive(mentor bson.ObjectID, delta int) {
	if n := st.activeOf[mentor] + delta; n > 0 {
		st.activeOf[mentor] = n
	} else {
		delete(st.activeOf, mentor)
	}
}

func (st *stats) introChanged(in Introduction) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if in.UpdatedAt.After(st.marks.intros) {
		st.marks.intros = in.UpdatedAt
	}
	// Withdrawn introductions say nothing about the mentor; pending ones not yet.
	if in.Status != IntroAccepted && in.Status != IntroDeclined && in.Status != IntroExpired {
		return
	}
	byIntro := st.intros[in.MentorID]
	if byIntro == nil {
		byIntro = map[bson.ObjectID]introState{}
		st.intros[in.MentorID] = byIntro
	}
	s := introState{createdAt: in.CreatedAt, status: in.Status}
	if in.DecidedAt != nil {
		s.decidedAt = *in.DecidedAt
	}
	byIntro[in.ID] = s
	considered, answered, median := responsiveness(byIntro)
	st.index.SetResponsiveness(in.MentorID, considered, answered, median)
}

// responsiveness keeps the latest recentIntros decided introductions and
// returns how many there are, how many were answered (accepted or declined)
// and the median hours to answer.
func responsiveness(byIntro map[bson.ObjectID]introState) (considered, answered int, medianHours float64) {
	type kv struct {
		id bson.ObjectID
		s  introState
	}
	all := make([]kv, 0, len(byIntro))
	for id, s := range byIntro {
		all = append(all, kv{id, s})
	}
	slices.SortFunc(all, func(a, b kv) int { return b.s.createdAt.Compare(a.s.createdAt) })
	for _, old := range all[min(len(all), recentIntros):] {
		delete(byIntro, old.id)
	}
	all = all[:min(len(all), recentIntros)]
	var hours []float64
	for _, x := range all {
		if x.s.status == IntroAccepted || x.s.status == IntroDeclined {
			hours = append(hours, x.s.decidedAt.Sub(x.s.createdAt).Hours())
		}
	}
	return len(all), len(hours), median(hours)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// statsOverlap is how far back each poll re-reads (clock skew between instances).
const statsOverlap = 30 * time.Second

// SyncStats reads introductions and mentorships changed since the last sync
// (all of them the first time) into the stats.
func (s *Service) SyncStats(ctx context.Context) error {
	s.stats.mu.Lock()
	introsMark, msMark := s.stats.marks.intros, s.stats.marks.mentorships
	s.stats.mu.Unlock()
	since := func(t time.Time) bson.D {
		if t.IsZero() {
			return bson.D{}
		}
		return bson.D{{Key: "updatedAt", Value: bson.D{{Key: "$gte", Value: t.Add(-statsOverlap)}}}}
	}
	// Streamed, not read whole: at start these are every mentorship and
	// introduction there is.
	err := s.mentorships.Each(ctx, since(msMark), func(raw bson.Raw) error {
		var m Mentorship
		if err := bson.Unmarshal(raw, &m); err != nil {
			return err
		}
		s.stats.mentorshipChanged(m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sync mentorships: %w", err)
	}
	err = s.intros.Each(ctx, since(introsMark), func(raw bson.Raw) error {
		var in Introduction
		if err := bson.Unmarshal(raw, &in); err != nil {
			return err
		}
		s.stats.introChanged(in)
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "message", Value: 0}, {Key: "responseMessage", Value: 0}}))
	if err != nil {
		return fmt.Errorf("sync introductions: %w", err)
	}
	return nil
}

// forget drops a deleted mentor's figures.
func (st *stats) forget(mentorID bson.ObjectID) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.intros, mentorID)
	delete(st.activeOf, mentorID)
	for id, a := range st.active {
		if a.mentor == mentorID {
			delete(st.active, id)
		}
	}
}
