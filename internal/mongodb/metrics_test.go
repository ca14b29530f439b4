package mongodb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Every command is timed by collection and operation; a cursor's getMore
// counts against its collection, a refused command as a failure, and
// collections beyond the bound share the label "other".
func TestCommandMetrics(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	db, err := mongodb.Open(ctx, mongodb.Config{Database: "kizuna_test", DataDir: t.TempDir(), Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })

	people := db.Collection("people")
	for i := range 3 {
		if _, err := people.InsertOne(ctx, bson.D{{Key: "_id", Value: i}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := people.InsertOne(ctx, bson.D{{Key: "_id", Value: 0}}); !mongodb.IsDuplicateKey(err) {
		t.Fatalf("duplicate insert: %v", err)
	}
	if _, err := people.Aggregate(ctx, bson.A{bson.D{{Key: "$noSuchStage", Value: 1}}}); err == nil {
		t.Fatal("an unknown stage did not fail")
	}
	// The driver's own Find: the embedded read path would answer without a
	// command.
	cur, err := people.Collection.Find(ctx, bson.D{}, options.Find().SetBatchSize(1))
	if err != nil {
		t.Fatal(err)
	}
	var all []bson.D
	if err := cur.All(ctx, &all); err != nil || len(all) != 3 {
		t.Fatalf("find: %d documents, %v", len(all), err)
	}
	for i := range 70 { // more collections than the label bound
		if _, err := db.Collection(fmt.Sprintf("many_%02d", i)).InsertOne(ctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
	}

	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	count := func(name string, labels map[string]string) uint64 {
		var n uint64
		for _, f := range fams {
			if f.GetName() != name {
				continue
			}
			for _, m := range f.GetMetric() {
				if hasLabels(m, labels) {
					n += m.GetHistogram().GetSampleCount() + uint64(m.GetCounter().GetValue())
				}
			}
		}
		return n
	}
	const duration, failures = "kizuna_db_command_duration_seconds", "kizuna_db_command_failures_total"
	if n := count(duration, map[string]string{"collection": "people", "operation": "insert"}); n != 4 {
		t.Errorf("inserts into people timed %d times, want 4", n)
	}
	// A duplicate key is a write error in a successful command (it
	// arbitrates races here): not a failure. A command the server refuses is.
	if n := count(failures, map[string]string{"collection": "people", "operation": "insert"}); n != 0 {
		t.Errorf("failed inserts into people %d, want 0", n)
	}
	if n := count(failures, map[string]string{"collection": "people", "operation": "aggregate"}); n != 1 {
		t.Errorf("failed aggregates on people %d, want 1", n)
	}
	if n := count(duration, map[string]string{"collection": "people", "operation": "getMore"}); n < 2 {
		t.Errorf("getMore on people timed %d times, want at least 2 (batches of 1)", n)
	}
	if n := count(duration, map[string]string{"collection": "other", "operation": "insert"}); n == 0 {
		t.Errorf("no insert counted as collection \"other\" past the bound")
	}
	if n := count(duration, map[string]string{"collection": "none", "operation": "ping"}); n == 0 {
		t.Errorf("the ping of Open was not timed")
	}
	collections := map[string]bool{}
	for _, f := range fams {
		if f.GetName() == duration {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "collection" {
						collections[l.GetValue()] = true
					}
				}
			}
		}
	}
	if len(collections) > 64+2 { // the bound, "other" and "none"
		t.Errorf("%d collection label values: not bounded", len(collections))
	}
	// The same registry again (a retried start) is fine.
	again, err := mongodb.Open(ctx, mongodb.Config{URI: db.EmbeddedURI(), Database: "kizuna_test", Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg, duration); err != nil || n == 0 {
		t.Fatalf("after a second Open: %d series, %v", n, err)
	}
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
