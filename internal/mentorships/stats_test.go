package mentorships

import (
	"math/rand/v2"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// The count of each mentor's active mentorships, kept as mentorships
// change, is always what counting them all gives: through status changes,
// repeats, mentorships rekeyed to another mentor and forgotten mentors.
func TestActiveCountsFollowChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	st := newStats(search.New(topics.New()))
	mentors := make([]bson.ObjectID, 4)
	for i := range mentors {
		mentors[i] = bson.NewObjectID()
	}
	ids := make([]bson.ObjectID, 12)
	for i := range ids {
		ids[i] = bson.NewObjectID()
	}
	statuses := []string{MentorshipActive, MentorshipCompleted, MentorshipEnded}
	for step := range 2000 {
		if r.IntN(50) == 0 {
			st.forget(mentors[r.IntN(len(mentors))])
		} else {
			st.mentorshipChanged(Mentorship{ID: ids[r.IntN(len(ids))], MentorID: mentors[r.IntN(len(mentors))], Status: statuses[r.IntN(len(statuses))]})
		}
		want := map[bson.ObjectID]int{}
		for _, a := range st.active {
			if a.active {
				want[a.mentor]++
			}
		}
		for _, m := range mentors {
			if st.activeOf[m] != want[m] {
				t.Fatalf("step %d: mentor %s has %d active, counted %d", step, m.Hex(), st.activeOf[m], want[m])
			}
		}
		if len(st.activeOf) != len(want) {
			t.Fatalf("step %d: %d mentors counted, want %d", step, len(st.activeOf), len(want))
		}
	}
}
