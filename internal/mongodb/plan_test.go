package mongodb

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Which index a query uses, what SQLite is asked and whether its order is
// trusted: the planning of the embedded read path, case by case.
func TestPlan(t *testing.T) {
	user, id := bson.NewObjectID(), bson.NewObjectID()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var r embeddedReader
	r.declare("c", []IndexSpec{
		Index("userId", "-_id"),
		Index("communityId", "startsAt"),
		Index("roles").OnArrays(),
		Index("eventId", "status", "queue"),
		Index("mentorshipId", "at").Times("at"),
	})
	tests := []struct {
		name          string
		filter, sort  bson.D
		index         string
		where, order  string
		sorted, exact bool
		guarded       bool
	}{
		{name: "a user's page, newest first",
			filter: bson.D{{Key: "userId", Value: user}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: id}}}},
			sort:   bson.D{{Key: "_id", Value: -1}},
			index:  "userId,_id", where: `_ferretdb_sjson->"userId" = ? AND _ferretdb_sjson->"_id" < ?`,
			order: `_ferretdb_sjson->"_id" DESC`, sorted: true, exact: true},
		{name: "ascending along a descending key is the index read backwards",
			filter: bson.D{{Key: "userId", Value: user}}, sort: bson.D{{Key: "_id", Value: 1}},
			index: "userId,_id", where: `_ferretdb_sjson->"userId" = ?`, order: `_ferretdb_sjson->"_id"`, sorted: true, exact: true},
		{name: "a date range on the next key is guarded",
			filter: bson.D{{Key: "communityId", Value: id}, {Key: "startsAt", Value: bson.D{{Key: "$gte", Value: day}}}},
			sort:   bson.D{{Key: "startsAt", Value: 1}},
			index:  "communityId,startsAt", where: `_ferretdb_sjson->"communityId" = ? AND _ferretdb_sjson->"startsAt" >= ?`,
			order: `_ferretdb_sjson->"startsAt"`, sorted: true, guarded: true},
		{name: "a declared time is ranged and sorted in SQLite without a check",
			filter: bson.D{{Key: "mentorshipId", Value: id}, {Key: "at", Value: bson.D{{Key: "$lt", Value: day}}}},
			sort:   bson.D{{Key: "at", Value: -1}},
			index:  "mentorshipId,at", where: `_ferretdb_sjson->"mentorshipId" = ? AND _ferretdb_sjson->"at" < ?`,
			order: `_ferretdb_sjson->"at" DESC`, sorted: true, exact: true},
		{name: "a date before 2001 is not ranged in SQLite",
			filter: bson.D{{Key: "communityId", Value: id}, {Key: "startsAt", Value: bson.D{{Key: "$lt", Value: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
			index:  "communityId,startsAt", where: `_ferretdb_sjson->"communityId" = ?`, sorted: true},
		{name: "several values of the prefix lose the order",
			filter: bson.D{{Key: "userId", Value: bson.D{{Key: "$in", Value: bson.A{user, id}}}}},
			sort:   bson.D{{Key: "_id", Value: -1}},
			index:  "userId,_id", where: `_ferretdb_sjson->"userId" IN (?, ?)`, exact: true},
		{name: "a key held to one value sorts nothing",
			filter: bson.D{{Key: "eventId", Value: id}, {Key: "status", Value: "waitlisted"}},
			sort:   bson.D{{Key: "status", Value: 1}, {Key: "queue", Value: 1}},
			index:  "eventId,status,queue", where: `_ferretdb_sjson->"eventId" = ? AND _ferretdb_sjson->"status" = ?`,
			order: `_ferretdb_sjson->"queue"`, sorted: true, exact: true, guarded: true},
		{name: "array fields are never searched by index",
			filter: bson.D{{Key: "roles", Value: "mentor"}}},
		{name: "a double is not compared as text",
			filter: bson.D{{Key: "userId", Value: user}, {Key: "score", Value: 1.5}},
			index:  "userId,_id", where: `_ferretdb_sjson->"userId" = ?`, sorted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			sort, err := parseSort(tt.sort)
			if err != nil {
				t.Fatal(err)
			}
			p := r.plan("c", readQuery{conds: f.and, sort: sort})
			if tt.index == "" {
				if p.index != "" || len(p.where) > 0 {
					t.Fatalf("planned %q with %v, want a scan", p.index, p.where)
				}
				return
			}
			if p.index != tt.index || strings.Join(p.where, " AND ") != tt.where || strings.Join(p.orderBy, ", ") != tt.order {
				t.Errorf("plan: index %q where %q order %q\nwant: index %q where %q order %q",
					p.index, strings.Join(p.where, " AND "), strings.Join(p.orderBy, ", "), tt.index, tt.where, tt.order)
			}
			if p.sorted != tt.sorted || p.exact != tt.exact || (len(p.guard) > 0) != tt.guarded {
				t.Errorf("sorted %v exact %v guard %v, want %v %v %v", p.sorted, p.exact, p.guard, tt.sorted, tt.exact, tt.guarded)
			}
			if slices.Contains(p.where, "") {
				t.Error("empty condition")
			}
		})
	}
}
